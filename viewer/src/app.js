// The viewer's shared state: the live `state` the automation API exposes, and the handful of objects
// and flags the other modules share (one plain object, so no module imports another for its state).

import { Replay } from './replay.js';

export const $ = (id) => document.getElementById(id);

/** `window.captainred.state` (see README: Automation API). */
export const state = {
  time_s: 0, playing: false, speed: 1, selected: null, frames: 0, events: 0, start_s: 0, end_s: 0,
  live: false, ended: false, error: null, craft: 0, visible: 0, ready: false, view: '2d', follow: false,
  status: 'loading', title: '', bytes: 0, ground: 0,
};

export const replay = new Replay('replay.crr');

/** deck.gl's view state; the object is handed to deck.gl once, only `.main` is replaced. */
export const viewState = {
  main: { target: [0, 8000, 0], zoom: -5, rotationX: 45, rotationOrbit: 0 },
};

export const app = {
  deck: null,
  scene: null,
  atlas: null,
  details: null,
  terrain: null, // {canvas, bounds}
  city: null, // the 3-D view's buildings (city.js), made the first time it opens
  skyTop: null, // per terrain column, the tallest building (m)
  touched: false, // the user (or the API) moved the clock: stop auto-placing it
  dirty: true, // something changed: rebuild layers this tick
  viewDirty: true,
  size: { w: 800, h: 600 },
  rasterMode: false,
  autoFrame: true, // keep every aircraft in the air in view, until the user pans or zooms
};

export function craftIndex(id) {
  return replay.byId ? replay.byId.get(id) ?? -1 : -1;
}

export function selectedPos() {
  const scene = app.scene;
  if (state.selected === null || !scene) return null;
  const i = craftIndex(state.selected);
  const j = i >= 0 ? scene.slot[i] : -1;
  if (j < 0) return null;
  return [scene.pos[j * 3], scene.pos[j * 3 + 1], scene.pos[j * 3 + 2]];
}
