// CPU rasterisers for the two things that are too many for software WebGL.
//
// Measured in headless Chromium on SwiftShader (2 cores): a plain WebGL draw of 10,000 26-px points
// runs at 10 fps and even 10,000 1-px points costs ~23 ms, while the page's main thread sits idle.
// So when hundreds of aircraft or more are on screen (in the plan view and in 3-D), their icons and
// trails are stamped into an ImageData here (pre-rotated, pre-coloured stamps; one Uint32 write per
// opaque pixel) and shown on a canvas over the deck.gl map; deck.gl still draws everything else, and a
// click picks the aircraft drawn nearest it (views.js). The side view is always drawn here.

const ROT = 32; // stamp rotations

export class PixelCanvas {
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d', { alpha: true, willReadFrequently: true });
    this.w = 0;
    this.h = 0;
    this.shown = true;
  }

  resize(w, h) {
    w = Math.max(1, Math.round(w));
    h = Math.max(1, Math.round(h));
    if (w === this.w && h === this.h) return;
    this.w = w;
    this.h = h;
    this.canvas.width = w;
    this.canvas.height = h;
    this.img = this.ctx.createImageData(w, h);
    this.buf = new Uint32Array(this.img.data.buffer);
    this.box = null;
  }

  clear(rgba = 0) {
    this.buf.fill(rgba);
  }

  present() {
    this.ctx.putImageData(this.img, 0, 0);
  }

  /** Make the canvas at least w × h (grown in steps of 128 px; shrunk only when far too big). */
  fit(w, h) {
    const cw = this.w, ch = this.h;
    if (w <= cw && h <= ch && cw <= 2 * w + 256 && ch <= 2 * h + 256) return;
    this.resize(Math.ceil(w / 128) * 128, Math.ceil(h / 128) * 128);
  }

  /** Where the canvas sits over the map, in CSS pixels. */
  place(x, y) {
    if (x === this.px && y === this.py) return;
    this.px = x;
    this.py = y;
    this.canvas.style.transform = `translate(${x}px, ${y}px)`;
  }

  show(on) {
    if (on === this.shown) return;
    this.shown = on;
    this.canvas.style.visibility = on ? 'visible' : 'hidden';
  }

  /** Filled rectangle, clipped. */
  rect(x0, y0, x1, y1, c) {
    const w = this.w, h = this.h, buf = this.buf;
    x0 = Math.max(0, Math.floor(x0)); y0 = Math.max(0, Math.floor(y0));
    x1 = Math.min(w, Math.ceil(x1)); y1 = Math.min(h, Math.ceil(y1));
    for (let y = y0; y < y1; y++) buf.fill(c, y * w + x0, y * w + x1);
  }

  /**
   * Line-list segments (x, y) in pixels with per-vertex RGBA (Uint8, the first vertex's colour is
   * used; with fade, the alpha goes from the first vertex's to the second's along the segment); where
   * segments overlap the more opaque wins. verts: Float32Array of screen coords, 2 per vertex.
   * A segment longer than maxPx (a trail across a jump of the clock) or with a NaN end is not drawn.
   */
  segments(sx, sy, colors, n, { maxPx = 400, fade = false } = {}) {
    const w = this.w, h = this.h, buf = this.buf;
    for (let s = 0; s < n; s++) {
      const a = 2 * s, b = a + 1;
      let x0 = sx[a], y0 = sy[a];
      const x1 = sx[b], y1 = sy[b];
      const dx = x1 - x0, dy = y1 - y0;
      const steps = Math.ceil(Math.max(Math.abs(dx), Math.abs(dy)));
      if (!(steps > 0) || steps > maxPx) continue;
      if ((x0 < 0 && x1 < 0) || (y0 < 0 && y1 < 0) || (x0 >= w && x1 >= w) || (y0 >= h && y1 >= h)) continue;
      const o = a * 4;
      const rgb = (colors[o + 2] << 16) | (colors[o + 1] << 8) | colors[o];
      let alpha = colors[o + 3];
      const da = fade ? (colors[o + 7] - alpha) / steps : 0;
      if (!alpha && !da) continue;
      const ix = dx / steps, iy = dy / steps;
      for (let k = 0; k < steps; k++, x0 += ix, y0 += iy, alpha += da) {
        const px = x0 | 0, py = y0 | 0;
        if (px < 0 || py < 0 || px >= w || py >= h) continue;
        const q = py * w + px, A = alpha | 0;
        if (buf[q] >>> 24 < A) buf[q] = (A << 24) | rgb;
      }
    }
  }
}

/** Pre-rotated, pre-coloured stamps of the atlas icons at one pixel size. */
export class Stamps {
  constructor(atlasCanvas, frames, size) {
    this.size = size;
    this.byClass = frames.map((f) => this.build(atlasCanvas, f, size));
  }

  build(atlas, [fx, fy, fw, fh], size) {
    const c = document.createElement('canvas');
    c.width = c.height = size;
    const g = c.getContext('2d', { willReadFrequently: true });
    const out = [];
    for (let r = 0; r < ROT; r++) {
      g.clearRect(0, 0, size, size);
      g.save();
      g.translate(size / 2, size / 2);
      g.rotate((r / ROT) * Math.PI * 2); // canvas rotates clockwise: a compass heading
      g.drawImage(atlas, fx, fy, fw, fh, -size / 2, -size / 2, size, size);
      g.restore();
      const d = g.getImageData(0, 0, size, size).data;
      const dx = [], dy = [], col = [];
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const o = (y * size + x) * 4;
          if (d[o + 3] > 100) {
            dx.push(x - (size >> 1));
            dy.push(y - (size >> 1));
            col.push(((255 << 24) | (d[o + 2] << 16) | (d[o + 1] << 8) | d[o]) >>> 0);
          }
        }
      }
      out.push({ dx: Int16Array.from(dx), dy: Int16Array.from(dy), col: Uint32Array.from(col) });
    }
    return out;
  }

  /**
   * Stamp every aircraft: sx/sy screen coords, heading compass radians (screen north up); in the order
   * given (indices, the last stamped on top), or else from the first to the last.
   */
  draw(px, sx, sy, heading, ids, classOf, n, order = null) {
    const w = px.w, h = px.h, buf = px.buf, half = this.size >> 1, byClass = this.byClass;
    const k = ROT / (Math.PI * 2);
    for (let q = 0; q < n; q++) {
      const j = order ? order[q] : q;
      const x = Math.round(sx[j]), y = Math.round(sy[j]);
      if (!(x >= -half && y >= -half && x < w + half && y < h + half)) continue; // off the canvas, or NaN: not drawn
      let r = Math.round(heading[j] * k) % ROT;
      if (r < 0) r += ROT;
      const st = byClass[classOf[ids[j]]][r];
      const dx = st.dx, dy = st.dy, col = st.col, m = col.length;
      if (x >= half && y >= half && x < w - half && y < h - half) {
        const base = y * w + x;
        for (let q = 0; q < m; q++) buf[base + dy[q] * w + dx[q]] = col[q];
      } else {
        for (let q = 0; q < m; q++) {
          const X = x + dx[q], Y = y + dy[q];
          if (X >= 0 && Y >= 0 && X < w && Y < h) buf[Y * w + X] = col[q];
        }
      }
    }
  }
}

export const rgba = (r, g, b, a = 255) => ((a << 24) | (b << 16) | (g << 8) | r) >>> 0;
