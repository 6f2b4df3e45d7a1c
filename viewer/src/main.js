// Captain Red battle viewer: streams ./replay.crr, draws the theatre with deck.gl, plays it back.
// This file: the stream, the deck, the render loop and the controls. The rest: app.js (shared state),
// api.js (clock, selection, status, window.captainred), views.js (camera), layers.js (what deck.gl
// draws, and the CPU raster path), overlays.js (side view, labels, scale bar, legend).

import './style.css';
import { Deck } from '@deck.gl/core';
import { streamReplay, ReplayError } from './reader.js';
import { Scene } from './scene.js';
import { buildAtlas } from './icons.js';
import { terrainImage, skyline } from './terrain.js';
import { Feed } from './feed.js';
import { Details } from './details.js';
import { $, app, craftIndex, replay, selectedPos, state, viewState } from './app.js';
import {
  installApi, pickEvent, select, setPlaying, setStatus, setTime, showClock, showError,
} from './api.js';
import {
  fitAction, fitButton, fitManhattan, fitPoints, fitTheatre, frameAction, mainViewport, makeViews, pickNearest, setView,
} from './views.js';
import { buildLayers, drawRaster, raster } from './layers.js';
import { drawSide, legend, pickSide, resizeSide, updateLabels, updateScale } from './overlays.js';
import { groundPosition } from './front.js';

// From this many aircraft on screen (plan or 3-D view), on a software renderer only, icons and trails
// are stamped on the CPU (see raster.js); a real GPU draws any number through deck.gl.
const RASTER_AT = 300;
// On a software renderer the map is drawn at this fraction of the window's pixels: measured with ten
// aircraft at 1440x900, 26 fps at full resolution and 38 fps at 0.75 (the labels, icons and panels stay
// sharp: they are HTML or a CPU canvas at full resolution).
const SOFTWARE_PIXEL_RATIO = 0.75;

const api = installApi({ screenPosition, fps: () => fpsValue });
let feed = null;

// ---------------------------------------------------------------------------------------------
// the stream

const sink = {
  head(h) {
    replay.setHead(h);
    state.craft = replay.n;
    state.title = h.title || h.scenario || '';
    $('title').textContent = `${h.scenario ?? ''}${h.seed !== undefined ? ` · seed ${h.seed}` : ''} — ${h.title ?? ''}`;
    $('title').title = $('title').textContent;
    app.atlas = buildAtlas(replay.squadrons);
    const S = replay.squadrons.length;
    const classOf = new Uint8Array(replay.n);
    replay.craft.forEach((c, i) => {
      classOf[i] = c.side === 'lgf' ? S : c.squadron >= 0 && c.squadron < S ? c.squadron : S + 1;
    });
    app.scene = new Scene(replay, { classOf, palette: app.atlas.classes.map((c) => c.rgb), frames: app.atlas.frames });
    feed = new Feed($('feed'), replay, { onPick: pickEvent });
    app.details = new Details($('details'), replay);
    legend();
    app.dirty = true;
  },
  terrain(raw) {
    replay.setTerrain(raw);
    app.terrain = terrainImage(replay.head.map, replay.terrain);
    app.skyTop = skyline(replay.head.map, replay.terrain);
    app.dirty = true;
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
    if (!app.touched && !placed && R.firstAirborne >= 0) {
      // open at the first moment anything flies: skip the days of steaming
      placed = true;
      setTime(R.times.a[R.firstAirborne]);
      fitAction();
      app.autoFrame = true;
    }
    app.dirty = true;
  },
  front(raw, n) {
    replay.addFront(raw, n);
    app.dirty = true;
  },
  party(raw, n) {
    replay.addParty(raw, n);
    if (replay.partyFrames.length === 1 && !app.touched && replay.party) {
      // a raid on foot: no aircraft to follow; open on the party's route through the ruins
      placed = true;
      app.autoFrame = false;
      fitPoints(replay.party.route_m, 400);
    }
    app.dirty = true;
  },
  end(json) {
    endJson = json;
  },
};
let placed = false;
let endJson = null;

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
    app.dirty = true;
  } catch (e) {
    showError(e);
  }
}

/** Page pixels of an aircraft as drawn now, or of the front's unit an event's actor names; null if not drawn. */
function screenPosition(id) {
  const scene = app.scene;
  if (!scene) return null;
  if (scene.time !== state.time_s || app.dirty) renderTick(performance.now(), true);
  const i = craftIndex(id);
  const j = i >= 0 ? scene.slot[i] : -1;
  const at = j >= 0 ? [scene.pos[j * 3], scene.pos[j * 3 + 1], state.view === '3d' ? scene.pos[j * 3 + 2] : 0] : i < 0 ? groundPosition(id) : null;
  if (!at) return null;
  const vp = mainViewport();
  if (!vp) return null;
  const [px, py] = vp.project(at);
  const r = deck.getCanvas ? deck.getCanvas().getBoundingClientRect() : $('map').getBoundingClientRect();
  return [r.left + vp.x + px, r.top + vp.y + py];
}

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
      if (interactionState && (interactionState.isDragging || interactionState.isPanning || interactionState.isZooming || interactionState.isRotating)) app.autoFrame = false;
      else if (!interactionState) app.autoFrame = false;
      viewState.main = vs;
      app.viewDirty = app.dirty = true;
    }
  },
  onClick: (info) => {
    const scene = app.scene;
    if (!scene) return;
    if (!app.rasterMode && info.layer && info.layer.id === 'craft' && info.index >= 0 && info.index < scene.count) {
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
app.deck = deck;

new ResizeObserver(() => {
  const r = $('map').getBoundingClientRect();
  app.size = { w: Math.max(100, r.width), h: Math.max(100, r.height) };
  resizeSide();
  deck.setProps({ views: makeViews() });
  app.viewDirty = app.dirty = true;
}).observe($('map'));

// ---------------------------------------------------------------------------------------------
// the loop

let last = performance.now();
const tickTimes = new Float64Array(240);
let tickHead = 0, tickCount = 0, fpsValue = 0;
let lastDetails = 0;
let lastFpsText = 0;
let lastScrub = 0;
let lastSceneTime = NaN;
let lastFrameT = NaN; // the clock when auto-framing last looked

function countFps(now) {
  tickTimes[tickHead] = now;
  tickHead = (tickHead + 1) % tickTimes.length;
  tickCount = Math.min(tickCount + 1, tickTimes.length);
  let k = 0;
  for (let q = 0; q < tickCount; q++) if (now - tickTimes[q] <= 1000) k++;
  fpsValue = k;
}

function renderTick(now, force = false) {
  const scene = app.scene;
  if (!scene || !state.frames) {
    if (app.dirty || app.viewDirty) {
      deck.setProps({ layers: buildLayers(), viewState: { ...viewState } });
      app.dirty = app.viewDirty = false;
    }
    return;
  }
  const t = state.time_s;
  const follow = state.follow && state.selected !== null;
  if (t !== lastSceneTime || app.dirty || force) {
    scene.update(t);
    lastSceneTime = t;
    state.visible = scene.count;
    app.dirty = true;
  }
  if (app.autoFrame && !follow && scene.count > 0 && (t !== lastFrameT || app.viewDirty)) frameAction(now);
  lastFrameT = t;
  if (follow) {
    const p = selectedPos();
    if (p) {
      const m = viewState.main;
      const z = state.view === '3d' ? p[2] : 0;
      if (m.target[0] !== p[0] || m.target[1] !== p[1] || m.target[2] !== z) {
        viewState.main = { ...m, target: [p[0], p[1], z] };
        app.viewDirty = true;
      }
    }
  }
  if (app.dirty || app.viewDirty) {
    app.rasterMode = softwareGL() && scene.count >= RASTER_AT;
    deck.setProps({ layers: buildLayers(), viewState: { ...viewState } });
    raster.show(app.rasterMode);
    if (app.rasterMode) drawRaster();
    drawSide();
    updateLabels();
    if (app.viewDirty) updateScale();
    app.dirty = app.viewDirty = false;
  }
  // the DOM: the clock every tick (cheap), the feed only when the clock crosses events, details at 10 Hz
  showClock(t);
  const sc = $('scrubber');
  if (!scrubbing && +sc.value !== t && (!state.playing || now - lastScrub > 200)) {
    lastScrub = now;
    sc.value = String(t);
  }
  feed.follow(t);
  if (app.details && (force || now - lastDetails > 100)) {
    lastDetails = now;
    app.details.update(scene, t);
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
  app.touched = true;
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
  const scene = app.scene;
  if (!scene || !downAt || Math.hypot(e.clientX - downAt[0], e.clientY - downAt[1]) > 5) return;
  const r = $('map').getBoundingClientRect();
  const j = pickNearest(e.clientX - r.left, e.clientY - r.top);
  if (j >= 0) select(replay.craft[scene.ids[j]].id);
});
$('manhattan').addEventListener('click', fitManhattan);
$('follow').addEventListener('change', (e) => {
  state.follow = e.target.checked;
  app.dirty = true;
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

