// Captain Red battle viewer: streams ./replay.crr, draws the theatre with deck.gl, plays it back.

import './style.css';
import { Deck, OrthographicView, OrbitView, COORDINATE_SYSTEM } from '@deck.gl/core';
import {
  BitmapLayer, IconLayer, PolygonLayer, ScatterplotLayer, SolidPolygonLayer,
} from '@deck.gl/layers';
import { SpriteLayer, SegmentLayer } from './gl-layers.js';
import { PixelCanvas, Stamps, rgba } from './raster.js';
import { streamReplay, ReplayError } from './reader.js';
import { Replay, LOST_SHOW_S } from './replay.js';
import { Scene, FT, TRAIL_K } from './scene.js';
import { buildAtlas } from './icons.js';
import { terrainImage, buildingMesh, skyline } from './terrain.js';
import { Feed, clockText } from './feed.js';
import { Details } from './details.js';

const SIDE_H = 150; // px, the side-view strip under the map (see style.css)
const FLAT = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]; // plan view: z -> 0
const SEA = [11, 29, 49, 255];
// From this many aircraft on screen (plan view), on a software renderer only, icons and trails are
// stamped on the CPU (see raster.js); a real GPU draws any number through deck.gl.
const RASTER_AT = 300;
// On a software renderer the map is drawn at this fraction of the window's pixels: measured with ten
// aircraft at 1440x900, 26 fps at full resolution and 38 fps at 0.75 (the labels, icons and panels stay
// sharp: they are HTML or a CPU canvas at full resolution).
const SOFTWARE_PIXEL_RATIO = 0.75;
const CARTESIAN = COORDINATE_SYSTEM.CARTESIAN;
const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------------------------------------
// state and the automation API

const state = {
  time_s: 0, playing: false, speed: 1, selected: null, frames: 0, events: 0, start_s: 0, end_s: 0,
  live: false, ended: false, error: null, craft: 0, visible: 0, ready: false, view: '2d', follow: false,
  status: 'loading', title: '', bytes: 0,
};

const replay = new Replay('replay.crr');
let scene = null;
let atlas = null;
let feed = null;
let details = null;
let terrain = null; // {canvas, bounds}
let buildings = null; // lazily, for 3-D
let touched = false; // the user (or the API) moved the clock: stop auto-placing it
let dirty = true; // something changed: rebuild layers this tick
let viewDirty = true;
let lastSceneTime = NaN;
let endJson = null;
let size = { w: 800, h: 600 };
let viewState = {
  main: { target: [0, 8000, 0], zoom: -5, rotationX: 45, rotationOrbit: 0 },
};
let sideCeilFt = 10000;
let rasterMode = false;
let autoFrame = true; // keep every aircraft in the air in view, until the user pans or zooms
let stamps = null; // Stamps at the current raster icon size
const raster = new PixelCanvas($('raster'));
const sidePx = new PixelCanvas($('side'));
const sideBg = new PixelCanvas($('sidebg'));
let sideBgKey = '';
let sideX = new Int32Array(0), sideY = new Int32Array(0);
let skyTop = null; // per terrain column, the tallest building (m)

const api = {
  state,
  setTime(t) {
    touched = true;
    setTime(+t);
  },
  play() {
    touched = true;
    setPlaying(true);
  },
  pause() {
    setPlaying(false);
  },
  setSpeed(x) {
    x = +x;
    if (!(x > 0)) return;
    state.speed = x;
    const sel = $('speed');
    if (![...sel.options].some((o) => +o.value === x)) sel.add(new Option(String(x), String(x)));
    sel.value = String(x);
  },
  select(id) {
    select(id === null || id === undefined ? null : +id);
  },
  screenPosition(id) {
    return screenPosition(+id);
  },
  setView(v) {
    setView(v === '3d' ? '3d' : '2d');
  },
  fps() {
    return fpsValue;
  },
  fit() {
    fitTheatre();
  },
};
window.captainred = api;
Object.defineProperty(api, '_deck', { get: () => deck, enumerable: false });

// ---------------------------------------------------------------------------------------------
// errors and status

function setStatus(s) {
  state.status = s;
  const el = $('status');
  el.textContent = s;
  el.className = 'status ' + s;
}

function showError(err) {
  const msg = err instanceof ReplayError ? err.message : `replay.crr: ${err?.message || String(err)}`;
  if (!(err instanceof ReplayError)) console.error(err);
  if (state.error) return;
  state.error = msg;
  state.live = false;
  setPlaying(false);
  setStatus('error');
  const el = $('error');
  el.textContent = msg;
  el.hidden = false;
  dirty = true;
}

// ---------------------------------------------------------------------------------------------
// the stream

const sink = {
  head(h) {
    replay.setHead(h);
    state.craft = replay.n;
    state.title = h.title || h.scenario || '';
    $('title').textContent = `${h.scenario ?? ''}${h.seed !== undefined ? ` · seed ${h.seed}` : ''} — ${h.title ?? ''}`;
    $('title').title = $('title').textContent;
    atlas = buildAtlas(replay.squadrons);
    const S = replay.squadrons.length;
    const classOf = new Uint8Array(replay.n);
    replay.craft.forEach((c, i) => {
      classOf[i] = c.side === 'lgf' ? S : c.squadron >= 0 && c.squadron < S ? c.squadron : S + 1;
    });
    scene = new Scene(replay, { classOf, palette: atlas.classes.map((c) => c.rgb), frames: atlas.frames });
    feed = new Feed($('feed'), replay, { onPick: pickEvent });
    details = new Details($('details'), replay);
    legend();
    dirty = true;
  },
  terrain(raw) {
    replay.setTerrain(raw);
    terrain = terrainImage(replay.head.map, replay.terrain);
    skyTop = skyline(replay.head.map, replay.terrain);
    dirty = true;
  },
  events(text) {
    replay.addEvents(text);
    state.events = replay.events.length;
  },
  frame(raw, n, payload) {
    replay.addFrame(raw, payload);
    const R = replay;
    state.frames = R.frameCount;
    state.start_s = R.times.a[0];
    state.end_s = R.times.a[R.frameCount - 1];
    const sc = $('scrubber');
    sc.min = String(state.start_s);
    sc.max = String(state.end_s);
    if (R.frameCount === 1) {
      state.ready = true;
      state.time_s = state.start_s;
      if (!state.ended) setStatus('live');
      fitTheatre();
    }
    if (!touched && !placed && R.firstAirborne >= 0) {
      // open at the first moment anything flies: skip the days of steaming
      placed = true;
      setTime(R.times.a[R.firstAirborne]);
      fitAction();
      autoFrame = true;
    }
    dirty = true;
  },
  end(json) {
    endJson = json;
  },
};
let placed = false;

async function load() {
  state.live = true;
  try {
    await streamReplay('./replay.crr', sink, {
      onBytes: (b) => {
        state.bytes = b;
        if (state.ready && !state.ended && state.status !== 'live') setStatus('live');
      },
    });
    if (!state.ready) throw new ReplayError('replay.crr: the file holds no frames');
    await replay.checkEnd(endJson);
    state.live = false;
    state.ended = true;
    setStatus('ready');
    feed?.ingest();
    dirty = true;
  } catch (e) {
    showError(e);
  }
}

// ---------------------------------------------------------------------------------------------
// clock

function setTime(t) {
  if (!Number.isFinite(t)) return;
  if (state.frames) t = Math.max(state.start_s, Math.min(state.end_s, t));
  state.time_s = t;
  dirty = true;
  showClock(t);
}

/** The clock in the DOM (also called at once by setTime, so a reader never sees a stale clock). */
function showClock(t) {
  const clock = $('clock');
  const txt = clockText(t);
  if (clock.textContent !== txt) clock.textContent = txt;
  const ts = String(Math.round(t * 1000) / 1000);
  if (clock.dataset.timeS !== ts) clock.dataset.timeS = ts;
}

function setPlaying(p) {
  p = !!p && !state.error && state.ready;
  if (p && state.ended && state.time_s >= state.end_s) setTime(state.start_s);
  state.playing = p;
  $('play').textContent = p ? 'Pause' : 'Play';
  $('play').classList.toggle('on', p);
}

function pickEvent(e) {
  touched = true;
  setTime(e.t);
  const id = e.actor;
  if (id !== undefined && id !== null && id >= 0 && replay.byId.has(id)) select(id);
}

// ---------------------------------------------------------------------------------------------
// selection

function select(id) {
  if (id !== null && !(replay.byId && replay.byId.has(id))) id = null;
  state.selected = id;
  details?.show(id === null ? null : replay.byId.get(id));
  dirty = true;
  if (scene && state.frames && id !== null) {
    if (scene.time !== state.time_s) scene.update(state.time_s);
    details.update(scene);
  }
}

function craftIndex(id) {
  return replay.byId ? replay.byId.get(id) ?? -1 : -1;
}

function selectedPos() {
  if (state.selected === null || !scene) return null;
  const i = craftIndex(state.selected);
  const j = i >= 0 ? scene.slot[i] : -1;
  if (j < 0) return null;
  return [scene.pos[j * 3], scene.pos[j * 3 + 1], scene.pos[j * 3 + 2]];
}

function mainViewport() {
  return deck.getViewports().find((v) => v.id === 'main') || null;
}

function screenPosition(id) {
  if (!scene) return null;
  if (scene.time !== state.time_s || dirty) renderTick(performance.now(), true);
  const i = craftIndex(id);
  const j = i >= 0 ? scene.slot[i] : -1;
  if (j < 0) return null;
  const vp = mainViewport();
  if (!vp) return null;
  const [px, py] = vp.project([scene.pos[j * 3], scene.pos[j * 3 + 1], state.view === '3d' ? scene.pos[j * 3 + 2] : 0]);
  const r = deck.getCanvas ? deck.getCanvas().getBoundingClientRect() : $('map').getBoundingClientRect();
  return [r.left + vp.x + px, r.top + vp.y + py];
}

// ---------------------------------------------------------------------------------------------
// views

function makeViews() {
  const h = size.h;
  const main =
    state.view === '3d'
      ? new OrbitView({ id: 'main', x: 0, y: 0, width: size.w, height: h, orbitAxis: 'Z', fovy: 40, near: 1, far: 100000, clear: true, clearColor: SEA, controller: { inertia: false } })
      : new OrthographicView({ id: 'main', x: 0, y: 0, width: size.w, height: h, flipY: false, clear: true, clearColor: SEA, controller: { dragRotate: false, inertia: false, scrollZoom: { speed: 0.02, smooth: false } } });
  return [main];
}

function setView(v) {
  if (v === state.view) return;
  const m = viewState.main;
  if (v === '3d') {
    // look at the middle of the aircraft in the air (at their altitude), tilted from the south
    const tz = scene && scene.count ? midAltitude() : 0;
    viewState.main = { target: [m.target[0], m.target[1], tz], zoom: m.zoom - 0.3, rotationX: 35, rotationOrbit: -15, minZoom: -14, maxZoom: 6 };
  } else {
    viewState.main = { target: [m.target[0], m.target[1], 0], zoom: m.zoom, minZoom: -14, maxZoom: 6 };
  }
  state.view = v;
  $('view3d').setAttribute('aria-pressed', String(v === '3d'));
  $('view3d').classList.toggle('on', v === '3d');
  if (v === '3d' && !buildings && replay.terrain) buildings = buildingMesh(replay.head.map, replay.terrain);
  deck.setProps({ views: makeViews() });
  viewDirty = dirty = true;
}

function fitBounds(x0, y0, x1, y1, minSpan = 4000) {
  const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  const w = Math.max(minSpan, x1 - x0), h = Math.max(minSpan, y1 - y0);
  const vw = size.w, vh = size.h;
  const zoom = Math.log2(Math.min(vw / (w * 1.15), vh / (h * 1.15)));
  viewState.main = { ...viewState.main, target: [cx, cy, 0], zoom, minZoom: -14, maxZoom: 6 };
  viewDirty = dirty = true;
}

function boundsOf(points) {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const [x, y] of points) {
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
  }
  return x0 <= x1 ? [x0, y0, x1, y1] : null;
}

function theatrePoints() {
  const pts = [];
  const isl = replay.head?.map?.island_m;
  if (isl) pts.push([isl[0], isl[1]], [isl[2], isl[3]]);
  const ship = replay.head?.ship;
  if (ship) pts.push([ship.centre_m[0], ship.centre_m[1]]);
  if (scene) {
    if (scene.time !== state.time_s) scene.update(state.time_s);
    for (const c of scene.carriers) pts.push([c.x, c.y]);
    for (let j = 0; j < scene.count; j++) pts.push([scene.pos[j * 3], scene.pos[j * 3 + 1]]);
  }
  return pts;
}

function midAltitude() {
  let lo = Infinity, hi = -Infinity;
  for (let j = 0; j < scene.count; j++) {
    const z = scene.pos[j * 3 + 2];
    if (z < lo) lo = z;
    if (z > hi) hi = z;
  }
  return lo <= hi ? (lo + hi) / 2 : 0;
}

/** Everything: the island, the ship, the fleet and every aircraft in the air. */
function fitTheatre() {
  const b = boundsOf(theatrePoints());
  if (b) fitBounds(...b, 6000);
}

/** The aircraft in the air (and the carriers they fly from), for the opening view. */
function fitAction() {
  if (!scene) return;
  scene.update(state.time_s);
  const pts = [];
  for (let j = 0; j < scene.count; j++) pts.push([scene.pos[j * 3], scene.pos[j * 3 + 1]]);
  for (const c of scene.carriers) pts.push([c.x, c.y]);
  const b = boundsOf(pts);
  if (b) fitBounds(...b, 8000);
}

function fitManhattan() {
  const isl = replay.head?.map?.island_m;
  autoFrame = false;
  if (isl) fitBounds(isl[0], isl[1], isl[2], isl[3]);
}

/** Fit: back to following the action (every aircraft in the air), or the whole theatre if none flies. */
function fitButton() {
  autoFrame = true;
  if (scene && scene.count) frameAction(performance.now(), true);
  else fitTheatre();
}

let lastFrameT = NaN, lastFrameNow = 0;
/** Auto-framing: glide (while playing) or jump (when the clock jumps) to the box of the aircraft in the air. */
function frameAction(now, snap = false) {
  const s = scene, n = s.count, pos = s.pos;
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (let j = 0; j < n; j++) {
    const x = pos[j * 3], y = pos[j * 3 + 1];
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  const w = Math.max(3000, x1 - x0), h = Math.max(3000, y1 - y0);
  const zoom = Math.log2(Math.min(size.w / (w * 1.25), size.h / (h * 1.25)));
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
  viewDirty = true;
}

// ---------------------------------------------------------------------------------------------
// layers

const cache = { setVersion: -1, posVersion: -1 };
const netBuf = { v: new Float32Array(0) };

function binaryData() {
  const s = scene, m = s.count;
  if (cache.setVersion !== s.setVersion) {
    cache.setVersion = s.setVersion;
    cache.frames = { value: s.frames.subarray(0, m * 4), size: 4 };
    cache.colors = { value: s.colors.subarray(0, m * 4), size: 4, normalized: true };
    cache.trailColors = { value: s.trailColors.subarray(0, TRAIL_K * m * 8), size: 4, normalized: true };
    cache.dropColors = { value: s.dropColors.subarray(0, m * 8), size: 4, normalized: true };
  }
  if (cache.posVersion !== s.posVersion) {
    cache.posVersion = s.posVersion;
    // a new descriptor object makes deck.gl upload that buffer again; unchanged ones are kept
    cache.craft = {
      length: m,
      attributes: {
        getPosition: { value: s.pos.subarray(0, m * 3), size: 3 },
        getHeading: { value: s.heading.subarray(0, m), size: 1 },
        getFrame: cache.frames,
      },
    };
    cache.trails = {
      length: TRAIL_K * m * 2,
      attributes: { getPosition: { value: s.trail.subarray(0, TRAIL_K * m * 6), size: 3 }, getColor: cache.trailColors },
    };
    cache.drops = {
      length: m * 2,
      attributes: { getPosition: { value: s.drops.subarray(0, m * 6), size: 3 }, getColor: cache.dropColors },
    };
  }
  return cache;
}

/** The net: a ring (2-D) or a wire dome (3-D); dashed when open. */
function netData(net, three) {
  const SEG = 96;
  const rings = three ? [0, 15, 30, 45, 60, 75].map((d) => (d * Math.PI) / 180) : [0];
  const merid = three ? 12 : 0;
  const total = rings.length * SEG + merid * 8;
  if (netBuf.v.length < total * 6) netBuf.v = new Float32Array(total * 6);
  const v = netBuf.v;
  let k = 0;
  const put = (x0, y0, z0, x1, y1, z1) => {
    const o = k * 6;
    v[o] = x0; v[o + 1] = y0; v[o + 2] = z0; v[o + 3] = x1; v[o + 4] = y1; v[o + 5] = z1;
    k++;
  };
  const { x, y, radius: R, open } = net;
  for (const phi of rings) {
    const r = R * Math.cos(phi), z = R * Math.sin(phi);
    for (let s = 0; s < SEG; s++) {
      if (open && s % 2) continue;
      const a0 = (s / SEG) * Math.PI * 2, a1 = ((s + 1) / SEG) * Math.PI * 2;
      put(x + r * Math.sin(a0), y + r * Math.cos(a0), z, x + r * Math.sin(a1), y + r * Math.cos(a1), z);
    }
  }
  for (let mdn = 0; mdn < merid; mdn++) {
    const a = (mdn / merid) * Math.PI * 2;
    for (let s = 0; s < 8; s++) {
      if (open && s % 2) continue;
      const p0 = (s / 8) * (Math.PI / 2), p1 = ((s + 1) / 8) * (Math.PI / 2);
      put(
        x + R * Math.cos(p0) * Math.sin(a), y + R * Math.cos(p0) * Math.cos(a), R * Math.sin(p0),
        x + R * Math.cos(p1) * Math.sin(a), y + R * Math.cos(p1) * Math.cos(a), R * Math.sin(p1),
      );
    }
  }
  return { length: k * 2, attributes: { getPosition: { value: v.subarray(0, k * 6), size: 3 } } };
}

function shipPolygon(ship, z) {
  const [cx, cy] = ship.centre_m, [hx, hy] = ship.half_m;
  // a rounded hull outline: an octagon inside the footprint
  const ex = hx * 0.35, ey = hy * 0.25;
  return [
    [cx - hx + ex, cy - hy, z], [cx + hx - ex, cy - hy, z], [cx + hx, cy - hy + ey, z], [cx + hx, cy + hy - ey, z],
    [cx + hx - ex, cy + hy, z], [cx - hx + ex, cy + hy, z], [cx - hx, cy + hy - ey, z], [cx - hx, cy - hy + ey, z],
  ];
}

function buildLayers() {
  const layers = [];
  const three = state.view === '3d';
  // plan view: everything flattened onto the sea (z -> 0) so altitude never clips or shifts a marker
  const common = three ? { coordinateSystem: CARTESIAN } : { coordinateSystem: CARTESIAN, modelMatrix: FLAT };
  if (terrain) {
    layers.push(new BitmapLayer({ ...common, id: 'terrain', image: terrain.canvas, bounds: terrain.bounds, textureParameters: { minFilter: 'linear', magFilter: 'nearest' } }));
  }
  if (!scene || !state.frames) return layers;
  const s = scene;
  if (three && buildings) {
    layers.push(new SegmentLayer({ ...common, id: 'buildings', data: buildings, topology: 'triangle-list' }));
  }
  const ship = replay.head.ship;
  if (ship) {
    const base = three ? ship.centre_m[2] - ship.half_m[2] : 0;
    layers.push(new PolygonLayer({
      ...common, id: 'ship', data: [{ polygon: shipPolygon(ship, base) }], getPolygon: (d) => d.polygon,
      extruded: three, wireframe: three, getElevation: 2 * ship.half_m[2], getFillColor: three ? [30, 24, 40, 200] : [10, 6, 18, 165],
      stroked: !three, getLineColor: [170, 120, 255, 230], getLineWidth: 1.5, lineWidthUnits: 'pixels',
      material: { ambient: 0.5, diffuse: 0.5 },
    }));
  }
  if (s.net) {
    const n = s.net;
    if (!three) {
      const ring = [];
      for (let a = 0; a < 64; a++) ring.push([n.x + n.radius * Math.sin((a / 64) * Math.PI * 2), n.y + n.radius * Math.cos((a / 64) * Math.PI * 2)]);
      layers.push(new SolidPolygonLayer({
        ...common, id: 'net-fill', data: [ring], getPolygon: (r) => r, getFillColor: n.open ? [120, 220, 255, 14] : [120, 220, 255, 22],
        updateTriggers: { getPolygon: [n.x, n.y, n.radius] },
      }));
    }
    layers.push(new SegmentLayer({
      ...common, id: 'net', data: netData(n, three), getColor: n.open ? [170, 240, 255, 235] : [110, 200, 240, three ? 80 : 160],
    }));
  }
  layers.push(new IconLayer({
    ...common, id: 'carriers', data: s.carriers, iconAtlas: atlas.canvas, iconMapping: atlas.mapping,
    getIcon: () => 'carrier', getPosition: (d) => [d.x, d.y, three ? d.z : 0], getAngle: (d) => (-d.course * 180) / Math.PI,
    getSize: 34, sizeUnits: 'pixels', billboard: false,
  }));
  const d = binaryData();
  if (!rasterMode) layers.push(new SegmentLayer({ ...common, id: 'trails', data: d.trails }));
  if (three) layers.push(new SegmentLayer({ ...common, id: 'drops', data: d.drops }));
  if (s.lost.length) {
    layers.push(new SpriteLayer({
      ...common, id: 'lost', data: s.lost, atlas: atlas.canvas, mask: true, rotate: false, sizePixels: 20,
      getPosition: (L) => [L.x, L.y, L.z], getFrame: atlas.frameOf('cross'),
      getColor: (L) => [255, 90, 70, Math.max(0, 255 * (1 - (state.time_s - L.t) / LOST_SHOW_S))],
      updateTriggers: { getColor: state.time_s },
    }));
  }
  if (!rasterMode) {
    layers.push(new SpriteLayer({
      ...common, id: 'craft', data: d.craft, atlas: atlas.canvas, sizePixels: s.count > 400 ? 22 : 26, pickable: true,
    }));
  }
  const sel = selectedPos();
  if (sel) {
    layers.push(new ScatterplotLayer({
      ...common, id: 'selection', data: [sel], getPosition: (p) => (three ? p : [p[0], p[1], 0]), getRadius: 22, radiusUnits: 'pixels',
      filled: false, stroked: true, getLineColor: [255, 214, 64, 255], getLineWidth: 2.5, lineWidthUnits: 'pixels',
      updateTriggers: { getPosition: [sel[0], sel[1], sel[2]] },
    }));
  }
  return layers;
}

// ---------------------------------------------------------------------------------------------
// the side view (a CPU-drawn strip under the map): horizontal = the map's x (east) axis, pixel for
// pixel with the plan view above it; vertical = altitude in feet, 0 to a ceiling that follows the action

function niceStep(ceil) {
  for (const s of [250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 25000, 50000]) if (ceil / s <= 5) return s;
  return 100000;
}

const SIDE_BG = rgba(16, 23, 33), SIDE_GRID = rgba(38, 52, 68), SIDE_GROUND = rgba(110, 128, 148);
const SIDE_SKY = rgba(92, 102, 118), SIDE_SHIP = rgba(58, 42, 88), SIDE_SEL = rgba(255, 214, 64);
let sideLabelKey = '';

function drawSide() {
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
function pickSide(ev) {
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

function updateLabels() {
  const vp = mainViewport();
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

/** The aircraft drawn nearest (x, y) on the map (canvas pixels), within 14 px; -1 if none. */
function pickNearest(x, y) {
  const vp = mainViewport();
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

// ---------------------------------------------------------------------------------------------
// many aircraft, plan view: icons and trails stamped on the CPU (see raster.js)

let sxBuf = new Float32Array(0), syBuf = new Float32Array(0), txBuf = new Float32Array(0), tyBuf = new Float32Array(0);

function drawRaster() {
  const s = scene, n = s.count, W = size.w, H = size.h;
  const m = viewState.main, k = 2 ** m.zoom, tx = m.target[0], ty = m.target[1], cx = W / 2, cy = H / 2;
  if (sxBuf.length < n) {
    sxBuf = new Float32Array(s.n);
    syBuf = new Float32Array(s.n);
    txBuf = new Float32Array(s.n * TRAIL_K * 2);
    tyBuf = new Float32Array(s.n * TRAIL_K * 2);
  }
  const pos = s.pos, tr = s.trail, nv = n * TRAIL_K * 2;
  // screen coordinates, and the box around everything drawn (so only that is cleared and uploaded)
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (let j = 0; j < n; j++) {
    const x = (pos[j * 3] - tx) * k + cx, y = cy - (pos[j * 3 + 1] - ty) * k;
    sxBuf[j] = x;
    syBuf[j] = y;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  for (let v = 0; v < nv; v++) {
    const x = (tr[v * 3] - tx) * k + cx, y = cy - (tr[v * 3 + 1] - ty) * k;
    txBuf[v] = x;
    tyBuf[v] = y;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  const iconPx = n > 6000 ? 15 : n > 3000 ? 17 : 20;
  // the canvas covers only the box around what is drawn (less for the compositor to blend)
  const pad = iconPx;
  const bx0 = Math.max(0, Math.floor(x0 - pad)), by0 = Math.max(0, Math.floor(y0 - pad));
  const bx1 = Math.min(W, Math.ceil(x1 + pad)), by1 = Math.min(H, Math.ceil(y1 + pad));
  if (!(bx1 > bx0 && by1 > by0)) {
    raster.show(false);
    return;
  }
  raster.fit(bx1 - bx0, by1 - by0);
  raster.place(bx0, by0);
  for (let j = 0; j < n; j++) {
    sxBuf[j] -= bx0;
    syBuf[j] -= by0;
  }
  for (let v = 0; v < nv; v++) {
    txBuf[v] -= bx0;
    tyBuf[v] -= by0;
  }
  raster.clear(0);
  raster.segments(txBuf, tyBuf, s.trailColors, n * TRAIL_K);
  if (!stamps || stamps.size !== iconPx) stamps = new Stamps(atlas.canvas, atlas.frames, iconPx);
  stamps.draw(raster, sxBuf, syBuf, s.heading, s.ids, s.classOf, n);
  raster.present();
}


// scale bar (2-D): metres per pixel = 2^-zoom
function updateScale() {
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

function legend() {
  const el = $('legend');
  const rows = replay.squadrons.map((s) => `<span><i style="background:${s.colour}"></i>${escapeHtml(s.name)}</span>`);
  rows.push('<span><i class="lgf"></i>LGF</span>');
  el.innerHTML = rows.join('');
}
const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// ---------------------------------------------------------------------------------------------
// deck

const deck = new Deck({
  parent: $('map'),
  views: makeViews(),
  viewState,
  layers: [],
  pickingRadius: 10,
  useDevicePixels: true,
  // an opaque, un-multisampled canvas that is not preserved between frames: each of these is a
  // full-window cost per frame for a software (SwiftShader) compositor
  deviceProps: { webgl: { alpha: false, antialias: false, preserveDrawingBuffer: false, powerPreference: 'high-performance' } },

  onViewStateChange: ({ viewId, viewState: vs, interactionState }) => {
    if (viewId === 'main') {
      if (interactionState && (interactionState.isDragging || interactionState.isPanning || interactionState.isZooming || interactionState.isRotating)) autoFrame = false;
      else if (!interactionState) autoFrame = false;
      viewState.main = vs;
      viewDirty = dirty = true;
    }
  },
  onClick: (info) => {
    if (!scene) return;
    if (!rasterMode && info.layer && info.layer.id === 'craft' && info.index >= 0 && info.index < scene.count) {
      select(replay.craft[scene.ids[info.index]].id);
      return;
    }
    // CPU-stamped icons (or a pick that missed): the aircraft drawn nearest the click, within 14 px
    const j = pickNearest(info.x, info.y);
    if (j >= 0) select(replay.craft[scene.ids[j]].id);
  },
  getCursor: ({ isDragging }) => (isDragging ? 'grabbing' : 'crosshair'),
  onError: (e) => console.error(e),
});

new ResizeObserver(() => {
  const r = $('map').getBoundingClientRect();
  size = { w: Math.max(100, r.width), h: Math.max(100, r.height) };
  const sr = $('sidebg').getBoundingClientRect();
  sideBg.resize(sr.width, sr.height);
  sideLabelKey = sideBgKey = '';
  deck.setProps({ views: makeViews() });
  viewDirty = dirty = true;
}).observe($('map'));

// ---------------------------------------------------------------------------------------------
// the loop

let last = performance.now();
const tickTimes = new Float64Array(240);
let tickHead = 0, tickCount = 0, fpsValue = 0;
let lastDetails = 0;
let lastFpsText = 0;
let lastScrub = 0;

function countFps(now) {
  tickTimes[tickHead] = now;
  tickHead = (tickHead + 1) % tickTimes.length;
  tickCount = Math.min(tickCount + 1, tickTimes.length);
  let k = 0;
  for (let q = 0; q < tickCount; q++) if (now - tickTimes[q] <= 1000) k++;
  fpsValue = k;
}

function renderTick(now, force = false) {
  if (!scene || !state.frames) {
    if (dirty || viewDirty) {
      deck.setProps({ layers: buildLayers(), viewState: { ...viewState } });
      dirty = viewDirty = false;
    }
    return;
  }
  const t = state.time_s;
  const follow = state.follow && state.selected !== null;
  if (t !== lastSceneTime || dirty || force) {
    scene.update(t);
    lastSceneTime = t;
    state.visible = scene.count;
    dirty = true;
  }
  if (autoFrame && !follow && scene.count > 0 && (t !== lastFrameT || viewDirty)) frameAction(now);
  lastFrameT = t;
  if (follow) {
    const p = selectedPos();
    if (p) {
      const m = viewState.main;
      const z = state.view === '3d' ? p[2] : 0;
      if (m.target[0] !== p[0] || m.target[1] !== p[1] || m.target[2] !== z) {
        viewState.main = { ...m, target: [p[0], p[1], z] };
        viewDirty = true;
      }
    }
  }
  if (dirty || viewDirty) {
    rasterMode = softwareGL() && state.view === '2d' && scene.count >= RASTER_AT;
    deck.setProps({ layers: buildLayers(), viewState: { ...viewState } });
    raster.show(rasterMode);
    if (rasterMode) drawRaster();
    drawSide();
    updateLabels();
    if (viewDirty) updateScale();
    dirty = viewDirty = false;
  }
  // the DOM: the clock every tick (cheap), the feed only when the clock crosses events, details at 10 Hz
  showClock(t);
  const sc = $('scrubber');
  if (!scrubbing && +sc.value !== t && (!state.playing || now - lastScrub > 200)) {
    lastScrub = now;
    sc.value = String(t);
  }
  feed.follow(t);
  if (details && (force || now - lastDetails > 100)) {
    lastDetails = now;
    details.update(scene, t);
  }
}

function loop(now) {
  requestAnimationFrame(loop);
  const dt = Math.min(0.25, Math.max(0, (now - last) / 1000));
  last = now;
  countFps(now);
  if (now - lastFpsText > 250) {
    lastFpsText = now;
    $('fps').textContent = String(fpsValue);
  }
  if (state.playing && state.frames) {
    let t = state.time_s + dt * state.speed;
    if (t >= state.end_s) {
      t = state.end_s;
      if (state.ended) setPlaying(false);
    }
    if (t !== state.time_s) {
      state.time_s = t;
    }
  }
  try {
    renderTick(now);
  } catch (e) {
    showError(e);
  }
}
requestAnimationFrame(loop);

// ---------------------------------------------------------------------------------------------
// controls

let scrubbing = false;
const sc = $('scrubber');
sc.addEventListener('input', () => {
  scrubbing = true;
  touched = true;
  setTime(+sc.value);
});
sc.addEventListener('change', () => {
  scrubbing = false;
});
$('play').addEventListener('click', () => (state.playing ? api.pause() : api.play()));
$('speed').addEventListener('change', (e) => api.setSpeed(+e.target.value));
$('view3d').addEventListener('click', () => setView(state.view === '3d' ? '2d' : '3d'));
$('fit').addEventListener('click', fitButton);
$('sidebg').addEventListener('click', pickSide);
// Selecting by click: deck.gl's picking (onClick above) when the aircraft are a deck.gl layer; this
// plain listener as well (nearest drawn aircraft within 14 px), for CPU-stamped icons and for a click
// whose asynchronous GPU pick comes back empty.
let downAt = null;
$('map').addEventListener('pointerdown', (e) => (downAt = [e.clientX, e.clientY]), true);
$('map').addEventListener('click', (e) => {
  if (!scene || !downAt || Math.hypot(e.clientX - downAt[0], e.clientY - downAt[1]) > 5) return;
  const r = $('map').getBoundingClientRect();
  const j = pickNearest(e.clientX - r.left, e.clientY - r.top);
  if (j >= 0) select(replay.craft[scene.ids[j]].id);
});
$('manhattan').addEventListener('click', fitManhattan);
$('follow').addEventListener('change', (e) => {
  state.follow = e.target.checked;
  dirty = true;
});
$('next-event').addEventListener('click', () => {
  const t = feed?.next(state.time_s);
  if (t !== null && t !== undefined) api.setTime(t);
});
$('prev-event').addEventListener('click', () => {
  const t = feed?.prev(state.time_s);
  if (t !== null && t !== undefined) api.setTime(t);
});
window.addEventListener('keydown', (e) => {
  if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) {
    if (e.key !== ' ' || e.target.type !== 'range') return;
  }
  if (e.key === ' ') {
    e.preventDefault();
    state.playing ? api.pause() : api.play();
  } else if (e.key === '3') setView(state.view === '3d' ? '2d' : '3d');
  else if (e.key === 'f' || e.key === 'F') fitButton();
  else if (e.key === 'm' || e.key === 'M') fitManhattan();
  else if (e.key === ']') $('next-event').click();
  else if (e.key === '[') $('prev-event').click();
  else if (e.key === 'Escape') select(null);
});
api.setSpeed(state.speed);

/** Whether WebGL runs on the CPU (SwiftShader, llvmpipe): decided once, when deck.gl has its device. */
let software = null;
function softwareGL() {
  if (software === null && deck.device) {
    const info = deck.device.info || {};
    software = info.gpuType === 'cpu' || /swiftshader|llvmpipe|software/i.test(`${info.renderer} ${info.gpu}`);
    if (software) deck.setProps({ useDevicePixels: SOFTWARE_PIXEL_RATIO });
  }
  return software !== false;
}

// start reading once deck.gl has its GPU device (so no layer is ever made before it)
let loadStarted = false;
function startLoad() {
  if (loadStarted) return;
  loadStarted = true;
  load();
}
deck.setProps({ onLoad: startLoad });
setTimeout(startLoad, 3000);
