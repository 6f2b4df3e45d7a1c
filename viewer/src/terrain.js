// The ground: a shaded plan image of the island (streets, park, buildings by height) built once from
// TERR, and the skyline for the side view. The 3-D view's buildings are city.js.

const SEA_EDGE = [88, 104, 120];
const STREET = [46, 51, 60];
const PARK = [38, 84, 46];
/** Building colours, by height: the lowest and the tallest (the 3-D city shades the same way). */
export const LOW = [74, 82, 96];
export const HIGH = [214, 220, 230];

/** Land mask (Uint8Array ny*nx, row 0 south): from HEAD.map.coastline_m when present, else per row the span of buildings. */
function landMask(map, heights) {
  const [ny, nx] = map.shape, [x0, y0] = map.origin_m, cell = map.cell_m;
  const mask = new Uint8Array(ny * nx);
  const coast = Array.isArray(map.coastline_m) && map.coastline_m.length >= 3 ? map.coastline_m : null;
  if (coast && typeof OffscreenCanvas !== 'undefined') {
    const c = new OffscreenCanvas(nx, ny);
    const g = c.getContext('2d', { willReadFrequently: true });
    g.beginPath();
    coast.forEach(([x, y], k) => {
      const px = (x - x0) / cell, py = ny - (y - y0) / cell; // canvas row 0 = north
      k ? g.lineTo(px, py) : g.moveTo(px, py);
    });
    g.closePath();
    g.fillStyle = '#fff';
    g.fill();
    const d = g.getImageData(0, 0, nx, ny).data;
    for (let r = 0; r < ny; r++) {
      const i = ny - 1 - r;
      for (let j = 0; j < nx; j++) mask[i * nx + j] = d[(r * nx + j) * 4 + 3] > 127 ? 1 : 0;
    }
    for (let k = 0; k < heights.length; k++) if (heights[k] > 0) mask[k] = 1;
    return mask;
  }
  const isl = map.island_m;
  for (let i = 0; i < ny; i++) {
    let lo = -1, hi = -1;
    for (let j = 0; j < nx; j++) {
      if (heights[i * nx + j] > 0) {
        if (lo < 0) lo = j;
        hi = j;
      }
    }
    if (lo < 0) continue;
    const y = y0 + (i + 0.5) * cell;
    if (isl && (y < isl[1] || y > isl[3])) continue;
    for (let j = Math.max(0, lo - 1); j <= Math.min(nx - 1, hi + 1); j++) mask[i * nx + j] = 1;
  }
  return mask;
}

/** A canvas (north up) and its bounds [left, bottom, right, top] in metres. */
export function terrainImage(map, heights) {
  const [ny, nx] = map.shape, [x0, y0] = map.origin_m, cell = map.cell_m;
  const maxH = map.max_height_m || Math.max(1, ...sample(heights));
  const land = landMask(map, heights);
  const park = map.park_m;
  const canvas = document.createElement('canvas');
  canvas.width = nx;
  canvas.height = ny;
  const g = canvas.getContext('2d', { willReadFrequently: true });
  const img = g.createImageData(nx, ny);
  const d = img.data;
  for (let i = 0; i < ny; i++) {
    const y = y0 + (i + 0.5) * cell;
    const r = ny - 1 - i;
    const inParkRow = park && y >= park[1] && y <= park[3];
    for (let j = 0; j < nx; j++) {
      const k = i * nx + j, o = (r * nx + j) * 4;
      const h = heights[k];
      let c, a = 255;
      if (h > 0) {
        const v = Math.sqrt(Math.min(1, h / maxH));
        c = [LOW[0] + (HIGH[0] - LOW[0]) * v, LOW[1] + (HIGH[1] - LOW[1]) * v, LOW[2] + (HIGH[2] - LOW[2]) * v];
        // light from the north-west: lit edges brighter, shadowed ones darker
        const nw = i + 1 < ny && j > 0 ? heights[k + nx - 1] : 0;
        const se = i > 0 && j + 1 < nx ? heights[k - nx + 1] : 0;
        const shade = (h > nw ? 18 : 0) - (h > se ? 0 : 0) - (se > h ? 22 : 0);
        c = [c[0] + shade, c[1] + shade, c[2] + shade];
      } else if (land[k]) {
        const x = x0 + (j + 0.5) * cell;
        if (inParkRow && x >= park[0] && x <= park[2]) c = PARK;
        else {
          const edge = (j > 0 && !land[k - 1]) || (j + 1 < nx && !land[k + 1]) || (i > 0 && !land[k - nx]) || (i + 1 < ny && !land[k + nx]);
          c = edge ? SEA_EDGE : STREET;
        }
      } else {
        c = [0, 0, 0];
        a = 0;
      }
      d[o] = c[0]; d[o + 1] = c[1]; d[o + 2] = c[2]; d[o + 3] = a;
    }
  }
  g.putImageData(img, 0, 0);
  return { canvas, bounds: [x0, y0, x0 + nx * cell, y0 + ny * cell] };
}

function sample(h) {
  const out = [];
  for (let k = 0; k < h.length; k += 97) out.push(h[k]);
  return out;
}

/** Skyline seen from the south: per terrain column (x), the tallest building in metres. */
export function skyline(map, heights) {
  const [ny, nx] = map.shape;
  const top = new Float32Array(nx);
  for (let i = 0; i < ny; i++) for (let j = 0; j < nx; j++) if (heights[i * nx + j] > top[j]) top[j] = heights[i * nx + j];
  return top;
}
