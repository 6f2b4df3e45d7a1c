// What is drawn around the map outside deck.gl: the side-view strip (CPU-drawn), the HTML labels over
// the map, the scale bar and the squadron legend.

import { updateInterior } from './party.js';
import { frontLabels } from './front.js';
import { rgba, PixelCanvas } from './raster.js';
import { FT, safeColour } from './scene.js';
import { $, app, craftIndex, replay, selectedPos, state, viewState } from './app.js';
import { select } from './api.js';
import { mainViewport } from './views.js';

const sidePx = new PixelCanvas($('side'));
const sideBg = new PixelCanvas($('sidebg'));

// ---------------------------------------------------------------------------------------------
// the side view (a CPU-drawn strip under the map): horizontal = the map's x (east) axis, pixel for
// pixel with the plan view above it; vertical = altitude in feet, 0 to a ceiling that follows the action

function niceStep(ceil) {
  for (const s of [250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 25000, 50000]) if (ceil / s <= 5) return s;
  return 100000;
}

const SIDE_BG = rgba(16, 23, 33), SIDE_GRID = rgba(38, 52, 68), SIDE_GROUND = rgba(110, 128, 148);
const SIDE_SKY = rgba(92, 102, 118), SIDE_SHIP = rgba(58, 42, 88), SIDE_SEL = rgba(255, 214, 64);
let sideCeilFt = 10000;
let sideBgKey = '', sideLabelKey = '';
let sideX = new Int32Array(0), sideY = new Int32Array(0);

/** After a resize: the background canvas to the strip's new size, and everything redrawn. */
export function resizeSide() {
  const sr = $('sidebg').getBoundingClientRect();
  sideBg.resize(sr.width, sr.height);
  sideLabelKey = sideBgKey = '';
}

export function drawSide() {
  const scene = app.scene, skyTop = app.skyTop;
  const W = sideBg.w, H = sideBg.h;
  if (W < 2) return;
  const want = Math.max(3000, scene ? scene.maxZ * FT * 1.15 : 0,
    replay.head?.ship ? (replay.head.ship.centre_m[2] + replay.head.ship.half_m[2]) * FT * 1.1 : 0);
  if (want > sideCeilFt || want < sideCeilFt * 0.45) {
    const step = niceStep(want);
    sideCeilFt = Math.ceil(want / step) * step;
  }
  const m = viewState.main, k = 2 ** m.zoom, tx = m.target[0], cx = W / 2;
  const top = 14, bottom = H - 6, fy = (bottom - top) / sideCeilFt;
  const X = (x) => (x - tx) * k + cx;
  const Y = (ft) => bottom - ft * fy;
  const bgKey = `${W}|${H}|${sideCeilFt}|${m.zoom}|${tx}`;
  const step = niceStep(sideCeilFt);
  const feet = [];
  for (let f = step; f <= sideCeilFt + 1; f += step) feet.push(f);
  if (bgKey !== sideBgKey) {
    // the background (grid, skyline, the mother ship) only changes with the view
    sideBgKey = bgKey;
    sideBg.clear(SIDE_BG);
    for (const f of feet) sideBg.rect(0, Y(f), W, Y(f) + 1, SIDE_GRID);
    const map = replay.head?.map;
    if (skyTop && map) {
      const x0 = map.origin_m[0], cell = map.cell_m, nx = skyTop.length;
      for (let px = 0; px < W; px++) {
        const j = Math.floor(((px - cx) / k + tx - x0) / cell);
        if (j < 0 || j >= nx || !skyTop[j]) continue;
        sideBg.rect(px, Y(skyTop[j] * FT), px + 1, bottom, SIDE_SKY);
      }
    }
    const ship = replay.head?.ship;
    if (ship) {
      const [sx, , sz] = ship.centre_m, [hx, , hz] = ship.half_m;
      sideBg.rect(X(sx - hx), Y((sz + hz) * FT), X(sx + hx), Y((sz - hz) * FT), SIDE_SHIP);
    }
    sideBg.rect(0, bottom, W, bottom + 1, SIDE_GROUND);
    sideBg.present();
  }
  // the dots: on a transparent canvas just big enough for them
  if (scene && scene.count) {
    const n = scene.count, pos = scene.pos, cols = scene.colors;
    if (sideX.length < n) {
      sideX = new Int32Array(scene.n);
      sideY = new Int32Array(scene.n);
    }
    let x0 = W, x1 = 0, y0 = H, y1 = 0;
    for (let j = 0; j < n; j++) {
      const px = Math.round(X(pos[j * 3])), py = Math.round(Y(pos[j * 3 + 2] * FT));
      sideX[j] = px;
      sideY[j] = py;
      if (px < 1 || px >= W - 1 || py < 1 || py >= H - 1) continue;
      if (px < x0) x0 = px;
      if (px > x1) x1 = px;
      if (py < y0) y0 = py;
      if (py > y1) y1 = py;
    }
    const sel = selectedPos();
    let spx = 0, spy = 0;
    if (sel) {
      spx = Math.round(X(sel[0]));
      spy = Math.round(Y(sel[2] * FT));
      x0 = Math.min(x0, spx - 7); x1 = Math.max(x1, spx + 7); y0 = Math.min(y0, spy - 7); y1 = Math.max(y1, spy + 7);
    }
    x0 = Math.max(0, x0 - 2); y0 = Math.max(0, y0 - 2); x1 = Math.min(W, x1 + 3); y1 = Math.min(H, y1 + 3);
    if (x1 > x0 && y1 > y0) {
      sidePx.fit(x1 - x0, y1 - y0);
      sidePx.place(x0, y0);
      sidePx.clear(0);
      const buf = sidePx.buf, w = sidePx.w, h = sidePx.h;
      for (let j = 0; j < n; j++) {
        const px = sideX[j] - x0, py = sideY[j] - y0;
        if (px < 1 || px >= w - 1 || py < 1 || py >= h - 1) continue;
        const c = rgba(cols[j * 4], cols[j * 4 + 1], cols[j * 4 + 2]);
        const q = py * w + px;
        buf[q] = buf[q - 1] = buf[q + 1] = buf[q - w] = buf[q + w] = c;
      }
      if (sel) {
        const px = spx - x0, py = spy - y0;
        sidePx.rect(px - 6, py - 6, px + 7, py - 5, SIDE_SEL);
        sidePx.rect(px - 6, py + 6, px + 7, py + 7, SIDE_SEL);
        sidePx.rect(px - 6, py - 6, px - 5, py + 7, SIDE_SEL);
        sidePx.rect(px + 6, py - 6, px + 7, py + 7, SIDE_SEL);
      }
      sidePx.show(true);
      sidePx.present();
    } else sidePx.show(false);
  } else sidePx.show(false);
  const key = `${sideCeilFt}|${H}`;
  if (key !== sideLabelKey) {
    sideLabelKey = key;
    $('sidelabels').replaceChildren(
      ...feet.map((f) => {
        const el = document.createElement('span');
        el.style.top = `${Y(f) - 7}px`;
        el.textContent = f >= 1000 ? `${f / 1000}k ft` : `${f} ft`;
        return el;
      }),
    );
  }
}

/** Click in the side view: the nearest aircraft dot within 8 px. */
export function pickSide(ev) {
  const scene = app.scene;
  if (!scene) return;
  const r = $('sidebg').getBoundingClientRect();
  const W = sideBg.w, H = sideBg.h;
  const m = viewState.main, k = 2 ** m.zoom;
  const top = 14, bottom = H - 6, fy = (bottom - top) / sideCeilFt;
  const x = ev.clientX - r.left, y = ev.clientY - r.top;
  let best = -1, bd = 64;
  for (let j = 0; j < scene.count; j++) {
    const px = (scene.pos[j * 3] - m.target[0]) * k + W / 2, py = bottom - scene.pos[j * 3 + 2] * FT * fy;
    const d = (px - x) ** 2 + (py - y) ** 2;
    if (d < bd) { bd = d; best = j; }
  }
  if (best >= 0) select(replay.craft[scene.ids[best]].id);
}

// ---------------------------------------------------------------------------------------------
// labels (HTML over the map: crisper and cheaper than text in software WebGL)

const labelEls = new Map();
function label(key, text, cls) {
  let el = labelEls.get(key);
  if (!el) {
    el = document.createElement('div');
    el.className = 'label ' + cls;
    $('labels').append(el);
    labelEls.set(key, el);
  }
  if (el.textContent !== text) el.textContent = text;
  el.dataset.used = '1';
  return el;
}

export function updateLabels() {
  updateInterior();
  const vp = mainViewport();
  const scene = app.scene, size = app.size;
  if (!vp || !scene) return;
  const three = state.view === '3d';
  const place = (el, p, dy) => {
    const [x, y] = vp.project(p);
    const off = x < -200 || y < -200 || x > size.w + 200 || y > size.h + 200;
    el.style.display = off ? 'none' : '';
    if (!off) el.style.transform = `translate(${Math.round(x)}px, ${Math.round(y + dy)}px) translate(-50%, -50%)`;
  };
  for (const el of labelEls.values()) el.dataset.used = '';
  for (const c of scene.carriers) place(label('c:' + c.name, c.name, 'carrier'), [c.x, c.y, three ? c.z : 0], 24);
  for (const g of frontLabels()) place(label(g.key, g.text, 'ground'), g.at, 20);
  const sel = selectedPos();
  if (sel) {
    const c = replay.craft[craftIndex(state.selected)];
    place(label('sel', `${c.callsign} · ${Math.round(sel[2] * FT).toLocaleString('en-US')} ft`, 'selected'), three ? sel : [sel[0], sel[1], 0], -32);
  }
  for (const [k, el] of labelEls) {
    if (!el.dataset.used) {
      el.remove();
      labelEls.delete(k);
    }
  }
}

// scale bar (2-D): metres per pixel = 2^-zoom
export function updateScale() {
  const el = $('scale');
  if (state.view !== '2d') {
    el.style.visibility = 'hidden';
    return;
  }
  el.style.visibility = 'visible';
  const mpp = 2 ** -viewState.main.zoom;
  const target = 120 * mpp;
  const p = 10 ** Math.floor(Math.log10(target));
  const len = [1, 2, 5, 10].map((k) => k * p).filter((v) => v <= target).pop() || p;
  $('scalebar').style.width = `${len / mpp}px`;
  $('scaletext').textContent = len >= 1000 ? `${len / 1000} km` : `${len} m`;
}

// Built as nodes, never as markup: a name or a colour from the replay is text and a property, whatever it holds.
export function legend() {
  const el = $('legend');
  const row = (name, colour, cls) => {
    const span = document.createElement('span');
    const swatch = document.createElement('i');
    if (cls) swatch.className = cls;
    if (colour) swatch.style.background = colour;
    span.append(swatch, String(name ?? ''));
    return span;
  };
  const front = replay.front
    ? [row('position', null, 'ground-position'), ...(replay.front.units.some((u) => u.kind === 'battery') ? [row('AA battery', null, 'ground-battery')] : [])]
    : [];
  el.replaceChildren(
    ...replay.squadrons.map((s) => row(s.name, safeColour(s.colour))),
    row('LGF', null, 'lgf'),
    ...front,
  );
}

