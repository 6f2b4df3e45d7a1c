// The map's camera: the deck.gl view (plan or 3-D), fitting the theatre, the island or the action,
// auto-framing while the clock runs, and projecting aircraft to the screen (picking by proximity).

import { OrthographicView, OrbitView } from '@deck.gl/core';
import { frontPoints } from './front.js';
import { $, app, replay, state, viewState } from './app.js';

const SEA = [11, 29, 49, 255];

export function mainViewport() {
  return app.deck.getViewports().find((v) => v.id === 'main') || null;
}

/**
 * The main view's viewport for the view state as it is now (deck.gl's own, getViewports(), is the one
 * it last drew): what the CPU-drawn aircraft and the city's detail are worked out against.
 */
export function viewportNow() {
  const [view] = makeViews();
  return view.makeViewport({ width: app.size.w, height: app.size.h, viewState: viewState.main });
}

export function makeViews() {
  const h = app.size.h;
  const main =
    state.view === '3d'
      ? new OrbitView({ id: 'main', x: 0, y: 0, width: app.size.w, height: h, orbitAxis: 'Z', fovy: 40, near: 1, far: 100000, clear: true, clearColor: SEA, controller: { inertia: false } })
      : new OrthographicView({ id: 'main', x: 0, y: 0, width: app.size.w, height: h, flipY: false, clear: true, clearColor: SEA, controller: { dragRotate: false, inertia: false, scrollZoom: { speed: 0.02, smooth: false } } });
  return [main];
}

export function setView(v) {
  if (v === state.view) return;
  const m = viewState.main;
  if (v === '3d') {
    // look at the middle of the aircraft in the air (at their altitude), tilted from the south
    const tz = app.scene && app.scene.count ? midAltitude() : 0;
    viewState.main = { target: [m.target[0], m.target[1], tz], zoom: m.zoom - 0.3, rotationX: 35, rotationOrbit: -15, minZoom: -14, maxZoom: 6 };
  } else {
    viewState.main = { target: [m.target[0], m.target[1], 0], zoom: m.zoom, minZoom: -14, maxZoom: 6 };
  }
  state.view = v;
  $('view3d').setAttribute('aria-pressed', String(v === '3d'));
  $('view3d').classList.toggle('on', v === '3d');
  app.deck.setProps({ views: makeViews() });
  app.viewDirty = app.dirty = true;
}

function fitBounds(x0, y0, x1, y1, minSpan = 4000) {
  const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  const w = Math.max(minSpan, x1 - x0), h = Math.max(minSpan, y1 - y0);
  const vw = app.size.w, vh = app.size.h;
  const zoom = Math.log2(Math.min(vw / (w * 1.15), vh / (h * 1.15)));
  viewState.main = { ...viewState.main, target: [cx, cy, 0], zoom, minZoom: -14, maxZoom: 6 };
  app.viewDirty = app.dirty = true;
}

function boundsOf(points) {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const [x, y] of points) {
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
  }
  return x0 <= x1 ? [x0, y0, x1, y1] : null;
}

/** Fit the view to a set of [x, y] points (a raid's route), at least `minSpan` metres across. */
export function fitPoints(points, minSpan) {
  const b = boundsOf(points);
  if (b) fitBounds(...b, minSpan);
}

function theatrePoints() {
  const pts = [];
  const isl = replay.head?.map?.island_m;
  if (isl) pts.push([isl[0], isl[1]], [isl[2], isl[3]]);
  const ship = replay.head?.ship;
  if (ship) pts.push([ship.centre_m[0], ship.centre_m[1]]);
  pts.push(...frontPoints());
  const scene = app.scene;
  if (scene) {
    if (scene.time !== state.time_s) scene.update(state.time_s);
    for (const c of scene.carriers) pts.push([c.x, c.y]);
    for (let j = 0; j < scene.count; j++) pts.push([scene.pos[j * 3], scene.pos[j * 3 + 1]]);
  }
  return pts;
}

export function midAltitude() {
  const scene = app.scene;
  let lo = Infinity, hi = -Infinity;
  for (let j = 0; j < scene.count; j++) {
    const z = scene.pos[j * 3 + 2];
    if (z < lo) lo = z;
    if (z > hi) hi = z;
  }
  return lo <= hi ? (lo + hi) / 2 : 0;
}

/** Everything: the island, the ship, the front, the fleet and every aircraft in the air. */
export function fitTheatre() {
  const b = boundsOf(theatrePoints());
  if (b) fitBounds(...b, 6000);
}

/** The aircraft in the air (and the carriers they fly from, and the front), for the opening view. */
export function fitAction() {
  const scene = app.scene;
  if (!scene) return;
  scene.update(state.time_s);
  const pts = frontPoints();
  for (let j = 0; j < scene.count; j++) pts.push([scene.pos[j * 3], scene.pos[j * 3 + 1]]);
  for (const c of scene.carriers) pts.push([c.x, c.y]);
  const b = boundsOf(pts);
  if (b) fitBounds(...b, 8000);
}

export function fitManhattan() {
  const isl = replay.head?.map?.island_m;
  app.autoFrame = false;
  if (isl) fitBounds(isl[0], isl[1], isl[2], isl[3]);
}

/** Fit: back to following the action (every aircraft in the air), or the whole theatre if none flies. */
export function fitButton() {
  app.autoFrame = true;
  if (app.scene && app.scene.count) frameAction(performance.now(), true);
  else fitTheatre();
}

let lastFrameNow = 0;
/**
 * Auto-framing: glide (while playing) or jump (when the clock jumps) to the box of the aircraft in the air
 * (and of the front on the ground, which the day is about).
 */
export function frameAction(now, snap = false) {
  const s = app.scene, n = s.count, pos = s.pos;
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const [x, y] of frontPoints()) {
    x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
  }
  for (let j = 0; j < n; j++) {
    const x = pos[j * 3], y = pos[j * 3 + 1];
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  const w = Math.max(3000, x1 - x0), h = Math.max(3000, y1 - y0);
  const zoom = Math.log2(Math.min(app.size.w / (w * 1.25), app.size.h / (h * 1.25)));
  const tx = (x0 + x1) / 2, ty = (y0 + y1) / 2;
  const m = viewState.main;
  if (!snap && !state.playing && Math.abs(zoom - m.zoom) < 1e-6 && Math.abs(tx - m.target[0]) < 1e-3 && Math.abs(ty - m.target[1]) < 1e-3) return;
  const dt = Math.min(0.5, (now - lastFrameNow) / 1000);
  lastFrameNow = now;
  // glide while playing; but never let an aircraft run off the screen: zoom out at once if needed
  const a = snap || !state.playing ? 1 : 1 - Math.exp(-dt * 2.5);
  const nz = zoom < m.zoom ? Math.min(m.zoom, zoom + (m.zoom - zoom) * (1 - Math.max(a, 0.5))) : m.zoom + (zoom - m.zoom) * a;
  viewState.main = {
    ...m,
    target: [m.target[0] + (tx - m.target[0]) * a, m.target[1] + (ty - m.target[1]) * a, state.view === '3d' ? (m.target[2] || 0) + (midAltitude() - (m.target[2] || 0)) * a : 0],
    zoom: nz,
  };
  app.viewDirty = true;
}

/** The aircraft drawn nearest (x, y) on the map (canvas pixels), within 14 px; -1 if none. */
export function pickNearest(x, y) {
  const vp = mainViewport();
  const scene = app.scene;
  if (!vp || !scene) return -1;
  const three = state.view === '3d';
  let best = -1, bd = 14 * 14;
  const p = [0, 0, 0];
  for (let j = 0; j < scene.count; j++) {
    p[0] = scene.pos[j * 3];
    p[1] = scene.pos[j * 3 + 1];
    p[2] = three ? scene.pos[j * 3 + 2] : 0;
    const [px, py] = vp.project(p);
    const d = (px - x) ** 2 + (py - y) ** 2;
    if (d <= bd) {
      bd = d;
      best = j;
    }
  }
  return best;
}

