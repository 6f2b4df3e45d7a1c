// The ground: a shaded plan image of the island (streets, park, buildings by height) built once from
// TERR, and coarse building columns for the 3-D view.

const SEA_EDGE = [88, 104, 120];
const STREET = [46, 51, 60];
const PARK = [38, 84, 46];
const LOW = [74, 82, 96];
const HIGH = [214, 220, 230];

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

/**
 * Buildings for the 3-D view: on a coarsened grid (the tallest in each block, at most about maxBoxes
 * blocks), each a box of triangles with its faces shaded, as binary triangle-list data (one draw call).
 */
export function buildingMesh(map, heights, maxBoxes = 7000) {
  const [ny, nx] = map.shape, [x0, y0] = map.origin_m, cell = map.cell_m;
  let nonzero = 0;
  for (let k = 0; k < heights.length; k++) if (heights[k] > 0) nonzero++;
  let s = 1;
  while (nonzero / (s * s) > maxBoxes * 1.6) s++;
  const boxes = [];
  for (let i = 0; i < ny; i += s) {
    for (let j = 0; j < nx; j += s) {
      let h = 0, n = 0;
      for (let a = i; a < Math.min(ny, i + s); a++) {
        for (let b = j; b < Math.min(nx, j + s); b++) {
          const v = heights[a * nx + b];
          if (v) { n++; if (v > h) h = v; }
        }
      }
      if (h && n * 3 >= s * s) boxes.push([x0 + j * cell, y0 + i * cell, x0 + (j + s) * cell, y0 + (i + s) * cell, h]);
    }
  }
  const pos = new Float32Array(boxes.length * 30 * 3);
  const col = new Uint8Array(boxes.length * 30 * 4);
  const maxH = map.max_height_m || 400;
  let v = 0;
  const put = (x, y, z, c, shade) => {
    pos[v * 3] = x; pos[v * 3 + 1] = y; pos[v * 3 + 2] = z;
    col[v * 4] = Math.min(255, c[0] * shade); col[v * 4 + 1] = Math.min(255, c[1] * shade); col[v * 4 + 2] = Math.min(255, c[2] * shade); col[v * 4 + 3] = 255;
    v++;
  };
  const quad = (p, c, shade) => {
    for (const k of [0, 1, 2, 0, 2, 3]) put(p[k][0], p[k][1], p[k][2], c, shade);
  };
  for (const [ax, ay, bx, by, h] of boxes) {
    const t = Math.sqrt(Math.min(1, h / maxH));
    const c = [LOW[0] + (HIGH[0] - LOW[0]) * t, LOW[1] + (HIGH[1] - LOW[1]) * t, LOW[2] + (HIGH[2] - LOW[2]) * t];
    quad([[ax, ay, h], [bx, ay, h], [bx, by, h], [ax, by, h]], c, 1.15); // roof
    quad([[ax, ay, 0], [bx, ay, 0], [bx, ay, h], [ax, ay, h]], c, 0.62); // south
    quad([[bx, by, 0], [ax, by, 0], [ax, by, h], [bx, by, h]], c, 0.9); // north
    quad([[bx, ay, 0], [bx, by, 0], [bx, by, h], [bx, ay, h]], c, 0.75); // east
    quad([[ax, by, 0], [ax, ay, 0], [ax, ay, h], [ax, by, h]], c, 0.98); // west
  }
  return {
    length: v,
    attributes: { getPosition: { value: pos, size: 3 }, getColor: { value: col, size: 4, normalized: true } },
  };
}

/** Skyline seen from the south: per terrain column (x), the tallest building in metres. */
export function skyline(map, heights) {
  const [ny, nx] = map.shape;
  const top = new Float32Array(nx);
  for (let i = 0; i < ny; i++) for (let j = 0; j < nx; j++) if (heights[i * nx + j] > top[j]) top[j] = heights[i * nx + j];
  return top;
}
