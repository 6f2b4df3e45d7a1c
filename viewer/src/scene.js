// Per-frame state of the drawn world: interpolated aircraft positions, packed into reusable typed
// arrays that deck.gl takes as binary attributes. One tight loop per frame; nothing big allocated.

export const FT = 3.28084;
export const KNOTS = 1.943844;
/** A colour from the replay, if it is a plain #rrggbb (anything else: null, and the page picks its own). */
export const safeColour = (c) => (typeof c === 'string' && /^#[0-9a-fA-F]{6}$/.test(c) ? c : null);
const TAU = Math.PI * 2;
export const TRAIL_K = 5; // trail segments
export const TRAIL_DT = 2; // seconds between trail points (so ~10 s of trail)

export class Scene {
  /** classes: per craft, {icon: atlas index, color: [r,g,b]} index (Uint8Array into palette) */
  constructor(replay, { classOf, palette, frames }) {
    const n = replay.n;
    this.replay = replay;
    this.n = n;
    this.classOf = classOf; // Uint8Array per craft
    this.palette = palette; // [[r,g,b], ...] per class
    this.classFrames = frames; // [x, y, w, h] in the atlas, per class
    this.pos = new Float32Array(n * 3); // drawn craft, compacted: position
    this.heading = new Float32Array(n); // compass radians
    this.side = new Float32Array(n * 3); // (x, altitude ft, 0) for the side view
    this.drops = new Float32Array(n * 6); // 3-D: a line from each aircraft down to the sea
    this.dropColors = new Uint8Array(n * 8);
    this.ids = new Int32Array(n).fill(-1); // compacted index -> craft index
    this.slot = new Int32Array(n).fill(-1); // craft index -> compacted index or -1
    this.frames = new Float32Array(n * 4);
    this.colors = new Uint8Array(n * 4);
    this.rows = new Float32Array((TRAIL_K + 1) * n * 3); // trail points, row k = k*TRAIL_DT s ago
    this.trail = new Float32Array(TRAIL_K * n * 6); // GL line-list vertices
    this.trailColors = new Uint8Array(TRAIL_K * n * 8);
    this.count = 0;
    this.trailBucket = NaN;
    this.trailSet = -1;
    this.trailFrames = -1;
    this.setVersion = 0; // bumps when the set/order of drawn craft changes
    this.posVersion = 0;
    this.maxZ = 0;
    this.hint = 0;
    this.time = NaN;
    this.carriers = [];
    this.net = null;
    this.lost = [];
  }

  /** Recompute everything drawn at sim time t. */
  update(t) {
    const R = this.replay;
    if (R.frameCount === 0) return;
    this.time = t;
    const { ia, ib, f } = R.pair(t, this.hint);
    this.hint = ia;
    const A = R.getFrame(ia), B = R.getFrame(ib);
    const AIR = R.AIRBORNE, n = this.n;
    const sa = A.status, sb = B.status;
    const ax = A.x, ay = A.y, az = A.z, ah = A.heading, bx = B.x, by = B.y, bz = B.z, bh = B.heading;
    const pos = this.pos, drops = this.drops, heading = this.heading, side = this.side, ids = this.ids, slot = this.slot;
    const g = 1 - f;
    let m = 0, changed = false, maxZ = 0;
    // highest id first, so the first craft (Air Command, squadron leaders) are drawn last, on top
    for (let i = n - 1; i >= 0; i--) {
      const airA = sa[i] === AIR, airB = sb[i] === AIR;
      let x, y, z, h;
      if (airA && airB) {
        x = ax[i] * g + bx[i] * f;
        y = ay[i] * g + by[i] * f;
        z = az[i] * g + bz[i] * f;
        let d = bh[i] - ah[i];
        d -= TAU * Math.round(d / TAU);
        h = ah[i] + d * f;
      } else if (airA && f < 0.5) {
        x = ax[i]; y = ay[i]; z = az[i]; h = ah[i];
      } else if (airB && f >= 0.5) {
        x = bx[i]; y = by[i]; z = bz[i]; h = bh[i];
      } else {
        slot[i] = -1;
        continue;
      }
      if (x !== x || y !== y || z !== z) {
        slot[i] = -1; // a NaN never reaches the GPU
        continue;
      }
      if (ids[m] !== i) {
        ids[m] = i;
        changed = true;
      }
      slot[i] = m;
      const k = m * 3;
      pos[k] = x; pos[k + 1] = y; pos[k + 2] = z;
      const q = m * 6;
      drops[q] = x; drops[q + 1] = y; drops[q + 2] = z; drops[q + 3] = x; drops[q + 4] = y; drops[q + 5] = 0;
      side[k] = x; side[k + 1] = z * FT; side[k + 2] = 0;
      heading[m] = h;
      if (z > maxZ) maxZ = z;
      m++;
    }
    if (m !== this.count) changed = true;
    this.count = m;
    this.maxZ = maxZ;
    this.posVersion++;
    if (changed) this.rebuildClasses();
    this.updateTrails(t);
    this.updateFleet(ia, ib, f);
    this.lost = R.lostAround(t);
    this.pairInfo = { A, B, f, ia, ib };
  }

  rebuildClasses() {
    const m = this.count, ids = this.ids, cls = this.classOf, pal = this.palette, fr = this.classFrames;
    const frames = this.frames, colors = this.colors, tc = this.trailColors, dc = this.dropColors;
    for (let j = 0; j < m; j++) {
      const c = cls[ids[j]];
      frames.set(fr[c], j * 4);
      const rgb = pal[c];
      colors[j * 4] = rgb[0]; colors[j * 4 + 1] = rgb[1]; colors[j * 4 + 2] = rgb[2]; colors[j * 4 + 3] = 255;
      const o = j * 8;
      dc[o] = dc[o + 4] = rgb[0]; dc[o + 1] = dc[o + 5] = rgb[1]; dc[o + 2] = dc[o + 6] = rgb[2];
      dc[o + 3] = 110; dc[o + 7] = 20;
    }
    // trail colours: segment k of craft j at (k*m + j), two vertices, alpha fading with age
    for (let k = 0; k < TRAIL_K; k++) {
      const a0 = Math.round(210 * (1 - k / TRAIL_K)), a1 = Math.round(210 * (1 - (k + 1) / TRAIL_K));
      for (let j = 0; j < m; j++) {
        const o = (k * m + j) * 8, rgb = pal[cls[ids[j]]];
        tc[o] = tc[o + 4] = rgb[0]; tc[o + 1] = tc[o + 5] = rgb[1]; tc[o + 2] = tc[o + 6] = rgb[2];
        tc[o + 3] = a0; tc[o + 7] = a1;
      }
    }
    this.setVersion++;
  }

  /**
   * Trails: row 0 is where each aircraft is now; rows 1..K where it was at the last K marks of a
   * TRAIL_DT-second clock (where it was not airborne, the newer point again: a zero-length segment). Rows 1..K change only when the clock
   * crosses a mark or the set of drawn aircraft changes, so most frames only redo the newest segment.
   */
  updateTrails(t) {
    const R = this.replay, m = this.count, ids = this.ids, tr = this.rows, pos = this.pos, seg = this.trail;
    const AIR = R.AIRBORNE;
    const bucket = Math.floor(t / TRAIL_DT);
    const full = bucket !== this.trailBucket || this.setVersion !== this.trailSet || R.frameCount !== this.trailFrames;
    tr.set(pos.subarray(0, m * 3), 0);
    if (full) {
      this.trailBucket = bucket;
      this.trailSet = this.setVersion;
      this.trailFrames = R.frameCount;
      let hint = this.hint;
      for (let k = 1; k <= TRAIL_K; k++) {
        const tk = (bucket - (k - 1)) * TRAIL_DT;
        const { ia, ib, f, span } = R.pair(tk, hint);
        hint = ia;
        const usable = tk >= R.times.a[0] && span < 60;
        const A = R.getFrame(ia), B = R.getFrame(ib);
        const sa = A.status, sb = B.status, g = 1 - f;
        const row = k * m * 3;
        for (let j = 0; j < m; j++) {
          const i = ids[j], o = row + j * 3;
          if (usable && sa[i] === AIR && sb[i] === AIR) {
            tr[o] = A.x[i] * g + B.x[i] * f;
            tr[o + 1] = A.y[i] * g + B.y[i] * f;
            tr[o + 2] = A.z[i] * g + B.z[i] * f;
          } else {
            // not in the air at that mark: collapse onto the newer point (never NaN: a NaN vertex
            // can hang SwiftShader's line rasteriser)
            const p = o - m * 3;
            tr[o] = tr[p]; tr[o + 1] = tr[p + 1]; tr[o + 2] = tr[p + 2];
          }
        }
      }
    }
    // rows -> line-list vertex pairs: segment (k, j) joins row k and row k+1 of craft j
    for (let k = 0; k < (full ? TRAIL_K : 1); k++) {
      const r0 = k * m * 3, r1 = (k + 1) * m * 3;
      let o = k * m * 6;
      for (let j = 0, a = r0, b = r1; j < m; j++, a += 3, b += 3, o += 6) {
        seg[o] = tr[a]; seg[o + 1] = tr[a + 1]; seg[o + 2] = tr[a + 2];
        seg[o + 3] = tr[b]; seg[o + 4] = tr[b + 1]; seg[o + 5] = tr[b + 2];
      }
    }
  }

  updateFleet(ia, ib, f) {
    const R = this.replay, st = R.fleetStride, fa = R.fleet.a, nc = R.carriers.length;
    const out = [];
    let mx = 0, my = 0;
    for (let c = 0; c < nc; c++) {
      const xa = fa[ia * st + 2 * c], ya = fa[ia * st + 2 * c + 1];
      const xb = fa[ib * st + 2 * c], yb = fa[ib * st + 2 * c + 1];
      const x = xa + (xb - xa) * f, y = ya + (yb - ya) * f;
      // course from the motion between the frames (or the last known one)
      let dx = xb - xa, dy = yb - ya;
      if (dx * dx + dy * dy < 1e-6 && ia > 0) {
        dx = xa - fa[(ia - 1) * st + 2 * c];
        dy = ya - fa[(ia - 1) * st + 2 * c + 1];
      }
      const course = dx * dx + dy * dy > 1e-6 ? Math.atan2(dx, dy) : this.carriers[c]?.course ?? 0;
      out.push({ name: R.carriers[c].name, x, y, z: R.carriers[c].deck_altitude_m ?? 18, course });
      mx += x; my += y;
    }
    this.carriers = out;
    const flags = R.netFlags.a;
    const up = flags[ia * 2], open = f < 0.5 ? flags[ia * 2 + 1] : flags[ib * 2 + 1];
    const radius = R.head.net?.radius_m ?? 0;
    this.net = nc && radius > 0 && up
      ? { x: mx / nc, y: my / nc, radius, open: !!open, strength: fa[ia * st + 2 * nc] }
      : null;
  }
}
