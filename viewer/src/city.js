// The city in the 3-D view: the towers as boxes on a grid of blocks, detailed by distance.
//
// Measured on a software renderer (SwiftShader, headless Chromium, 2 cores; benchmarks/README.md), a
// building box costs much the same whatever its size on screen: the cost is per vertex more than per
// pixel. Manhattan drawn as one mesh of some 8,800 blocks of 70 m (44,000 quads) took 60 to 100 ms a
// frame, even when the whole island covered a few hundred pixels. So the city is kept at several sizes of block
// (levels: each block twice the last), cut into square tiles, and each frame the page draws, for every
// tile in view, the finest level whose blocks are still at least MIN_BLOCK_PX wide on screen there; the
// chosen tiles are merged into one indexed triangle list (one draw call), rebuilt only when the choice
// changes. Walls hidden by a neighbour as tall inside a tile are never emitted, and a tile outside the
// view is not drawn at all.

import { HIGH, LOW } from './terrain.js';

const LEVELS = 5; // blocks of s, 2s, 4s, 8s, 16s cells; a tile is one block of the coarsest level
const FINEST_BOXES = 7000; // the finest level's block is sized so the whole city is about this many
const MIN_BLOCK_PX = 3; // the smallest on-screen width of a block worth drawing
const QUAD_BUDGET = 12000; // the most quads drawn (about 12 ms a frame there); past it, blocks must be wider

/** The finest block, in cells: the tallest in each block, the city about FINEST_BOXES blocks. */
function finestBlockCells(heights) {
  let built = 0;
  for (let k = 0; k < heights.length; k++) if (heights[k] > 0) built++;
  let s = 1;
  while (built / (s * s) > FINEST_BOXES * 1.6) s++;
  return s;
}

/**
 * Level 0: per block of s × s cells, the tallest building (0 where less than a third of the block is
 * built). Level L + 1: per 2 × 2 blocks of level L, the mean of those built (0 where fewer than 2 are),
 * so a coarse block stands for the mass of the blocks it replaces, not for its tallest tower.
 */
function blockLevels(map, heights) {
  const [ny, nx] = map.shape;
  const s = finestBlockCells(heights);
  const levels = [];
  const bny = Math.ceil(ny / s), bnx = Math.ceil(nx / s);
  const h0 = new Float32Array(bny * bnx);
  for (let bi = 0; bi < bny; bi++) {
    for (let bj = 0; bj < bnx; bj++) {
      let h = 0, n = 0;
      for (let a = bi * s; a < Math.min(ny, bi * s + s); a++) {
        for (let b = bj * s; b < Math.min(nx, bj * s + s); b++) {
          const v = heights[a * nx + b];
          if (v) { n++; if (v > h) h = v; }
        }
      }
      if (h && n * 3 >= s * s) h0[bi * bnx + bj] = h;
    }
  }
  levels.push({ cells: s, ny: bny, nx: bnx, h: h0 });
  for (let L = 1; L < LEVELS; L++) {
    const p = levels[L - 1];
    const cny = Math.ceil(p.ny / 2), cnx = Math.ceil(p.nx / 2);
    const h = new Float32Array(cny * cnx);
    for (let i = 0; i < cny; i++) {
      for (let j = 0; j < cnx; j++) {
        let sum = 0, n = 0;
        for (let a = 2 * i; a < Math.min(p.ny, 2 * i + 2); a++) {
          for (let b = 2 * j; b < Math.min(p.nx, 2 * j + 2); b++) {
            const v = p.h[a * p.nx + b];
            if (v) { sum += v; n++; }
          }
        }
        if (n >= 2) h[i * cnx + j] = sum / n;
      }
    }
    levels.push({ cells: s * 2 ** L, ny: cny, nx: cnx, h });
  }
  return levels;
}

/** One tile at one level: quads (4 vertices each, positions and colours), walls hidden inside the tile left out. */
function tileMesh(map, lv, ti, tj, span, maxH) {
  const [x0, y0] = map.origin_m, size = lv.cells * map.cell_m;
  const i0 = ti * span, j0 = tj * span, i1 = Math.min(lv.ny, i0 + span), j1 = Math.min(lv.nx, j0 + span);
  const at = (i, j) => (i < i0 || i >= i1 || j < j0 || j >= j1 ? 0 : lv.h[i * lv.nx + j]);
  const pos = [], col = [];
  let top = 0;
  const quad = (corners, c, shade) => {
    for (const p of corners) pos.push(p[0], p[1], p[2]);
    const r = Math.min(255, c[0] * shade), g = Math.min(255, c[1] * shade), b = Math.min(255, c[2] * shade);
    for (let k = 0; k < 4; k++) col.push(r, g, b, 255);
  };
  for (let i = i0; i < i1; i++) {
    for (let j = j0; j < j1; j++) {
      const h = lv.h[i * lv.nx + j];
      if (!h) continue;
      if (h > top) top = h;
      const ax = x0 + j * size, ay = y0 + i * size, bx = ax + size, by = ay + size;
      const t = Math.sqrt(Math.min(1, h / maxH));
      const c = [LOW[0] + (HIGH[0] - LOW[0]) * t, LOW[1] + (HIGH[1] - LOW[1]) * t, LOW[2] + (HIGH[2] - LOW[2]) * t];
      // every quad wound counter-clockwise seen from outside the box (so back faces can be culled)
      quad([[ax, ay, h], [bx, ay, h], [bx, by, h], [ax, by, h]], c, 1.15); // roof
      // a wall only where it stands above its neighbour, and only the part above it
      let z = at(i - 1, j);
      if (z < h) quad([[ax, ay, z], [bx, ay, z], [bx, ay, h], [ax, ay, h]], c, 0.62); // south
      z = at(i + 1, j);
      if (z < h) quad([[bx, by, z], [ax, by, z], [ax, by, h], [bx, by, h]], c, 0.9); // north
      z = at(i, j + 1);
      if (z < h) quad([[bx, ay, z], [bx, by, z], [bx, by, h], [bx, ay, h]], c, 0.75); // east
      z = at(i, j - 1);
      if (z < h) quad([[ax, by, z], [ax, ay, z], [ax, ay, h], [ax, by, h]], c, 0.98); // west
    }
  }
  return { quads: pos.length / 12, pos: Float32Array.from(pos), col: Uint8Array.from(col), top };
}

export class City {
  /** The city of a replay's map (HEAD.map, TERR heights); `empty` when it has no buildings. */
  constructor(map, heights) {
    this.map = map;
    this.levels = blockLevels(map, heights);
    const coarsest = this.levels[LEVELS - 1];
    const maxH = map.max_height_m || 400;
    this.tiles = [];
    const [x0, y0] = map.origin_m, tileM = coarsest.cells * map.cell_m;
    for (let ti = 0; ti < coarsest.ny; ti++) {
      for (let tj = 0; tj < coarsest.nx; tj++) {
        const meshes = this.levels.map((lv, L) => tileMesh(map, lv, ti, tj, 2 ** (LEVELS - 1 - L), maxH));
        const top = Math.max(...meshes.map((m) => m.top));
        if (!top) continue;
        this.tiles.push({ box: [x0 + tj * tileM, y0 + ti * tileM, 0, x0 + (tj + 1) * tileM, y0 + (ti + 1) * tileM, top], meshes });
      }
    }
    this.blockM = this.levels[0].cells * map.cell_m;
    this.top = Math.max(0, ...this.tiles.map((t) => t.box[5])); // the tallest roof drawn
    this.minBlockPx = MIN_BLOCK_PX;
    this.quadBudget = QUAD_BUDGET;
    this.key = '';
    this.data = null;
    this.quads = 0;
  }

  get empty() {
    return this.tiles.length === 0;
  }

  /** The finest level's tallest building under (x, y) in metres (0 off the city): for hiding what it hides. */
  heightAt(x, y) {
    const lv = this.levels[0], size = this.blockM;
    const j = Math.floor((x - this.map.origin_m[0]) / size), i = Math.floor((y - this.map.origin_m[1]) / size);
    return i < 0 || j < 0 || i >= lv.ny || j >= lv.nx ? 0 : lv.h[i * lv.nx + j];
  }

  /**
   * The mesh to draw from this camera: each tile in view at its level (the far ones coarsening first while
   * the total passes the quad budget), merged; the same object as long as the choice is the same, so
   * deck.gl uploads it only when it changes.
   */
  meshFor(viewport) {
    const M = viewport.pixelProjectionMatrix, W = viewport.width, H = viewport.height;
    const eye = viewport.cameraPosition;
    const pixel = (x, y, z) => {
      const w = M[3] * x + M[7] * y + M[11] * z + M[15];
      return w > 1e-6 ? [(M[0] * x + M[4] * y + M[8] * z + M[12]) / w, (M[1] * x + M[5] * y + M[9] * z + M[13]) / w] : null;
    };
    // per tile: is it in view (no side of the frustum has all eight corners beyond it, tested on the
    // homogeneous pixel coordinates, so a corner behind the eye counts right), and how wide a finest block
    // is on screen at its nearest point to the eye
    const widths = this.tiles.map(({ box }) => {
      let left = 0, right = 0, above = 0, below = 0, behind = 0;
      for (let c = 0; c < 8; c++) {
        const x = box[c & 1 ? 3 : 0], y = box[c & 2 ? 4 : 1], z = box[c & 4 ? 5 : 2];
        const w = M[3] * x + M[7] * y + M[11] * z + M[15];
        const X = M[0] * x + M[4] * y + M[8] * z + M[12], Y = M[1] * x + M[5] * y + M[9] * z + M[13];
        if (X < 0) left++;
        if (X > W * w) right++;
        if (Y < 0) above++;
        if (Y > H * w) below++;
        if (w <= 1e-6) behind++;
      }
      if (left === 8 || right === 8 || above === 8 || below === 8 || behind === 8) return -1;
      const nx = Math.min(box[3], Math.max(box[0], eye[0])), ny = Math.min(box[4], Math.max(box[1], eye[1]));
      const nz = Math.min(box[5], Math.max(box[2], eye[2]));
      const p = pixel(nx, ny, nz), px = pixel(nx + this.blockM, ny, nz), py = pixel(nx, ny + this.blockM, nz);
      if (!p || !px || !py) return Infinity; // the eye is over the tile: as fine as it comes
      return Math.max(Math.hypot(px[0] - p[0], px[1] - p[1]), Math.hypot(py[0] - p[0], py[1] - p[1]));
    });
    // past the budget, ask more of a block on screen, a quarter more each time (the far tiles coarsen first)
    let minPx = this.minBlockPx, choice = [], quads = 0;
    for (let tries = 0; tries < 4 * LEVELS * 4; tries++, minPx *= 1.25) {
      quads = 0;
      choice = widths.map((w, t) => {
        if (w < 0) return -1;
        const L = w >= minPx ? 0 : Math.min(LEVELS - 1, Math.ceil(Math.log2(minPx / w)));
        quads += this.tiles[t].meshes[L].quads;
        return L;
      });
      if (quads <= this.quadBudget) break;
    }
    const key = choice.join(',');
    if (key !== this.key) {
      this.key = key;
      this.quads = quads;
      this.data = this.merge(choice, quads);
    }
    return this.data;
  }

  merge(choice, quads) {
    const pos = new Float32Array(quads * 12), col = new Uint8Array(quads * 16), idx = new Uint32Array(quads * 6);
    let q = 0;
    choice.forEach((L, t) => {
      if (L < 0) return;
      const m = this.tiles[t].meshes[L];
      pos.set(m.pos, q * 12);
      col.set(m.col, q * 16);
      q += m.quads;
    });
    for (let k = 0; k < quads; k++) {
      const v = 4 * k, o = 6 * k;
      idx[o] = v; idx[o + 1] = v + 1; idx[o + 2] = v + 2; idx[o + 3] = v; idx[o + 4] = v + 2; idx[o + 5] = v + 3;
    }
    return {
      length: quads * 4,
      indexCount: quads * 6,
      attributes: {
        indices: { value: idx, size: 1 },
        getPosition: { value: pos, size: 3 },
        getColor: { value: col, size: 4, normalized: true },
      },
    };
  }
}
