// The page's controls as functions: status and errors, the clock, the selection, and the automation
// API on `window.captainred` (see README: Automation API).

import { ReplayError } from './reader.js';
import { clockText } from './feed.js';
import { $, app, replay, state } from './app.js';
import { fitTheatre, setView } from './views.js';
import { partyNow } from './party.js';
import { frontNow } from './front.js';

// ---------------------------------------------------------------------------------------------
// the automation API

/**
 * Put `window.captainred` on the page. `hooks` are what only the render loop can answer:
 * `screenPosition(id)` (draws first if the clock moved) and `fps()`.
 */
export function installApi(hooks) {
  const api = {
    state,
    setTime(t) {
      app.touched = true;
      setTime(+t);
    },
    play() {
      app.touched = true;
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
      return hooks.screenPosition(+id);
    },
    setView(v) {
      setView(v === '3d' ? '3d' : '2d');
    },
    fps() {
      return hooks.fps();
    },
    fit() {
      fitTheatre();
    },
  };
  /** A raid's party at the clock (phase, members, corridor, captive); null when the replay has none. */
  api.party = () => partyNow();
  /** The front at the clock (each unit's strength, lost, laying, under fire; broken); null without one. */
  api.front = () => frontNow();
  window.captainred = api;
  Object.defineProperty(api, '_deck', { get: () => app.deck, enumerable: false });
  return api;
}

// ---------------------------------------------------------------------------------------------
// errors and status

export function setStatus(s) {
  state.status = s;
  const el = $('status');
  el.textContent = s;
  el.className = 'status ' + s;
}

export function showError(err) {
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
  app.dirty = true;
}

// ---------------------------------------------------------------------------------------------
// clock

export function setTime(t) {
  if (!Number.isFinite(t)) return;
  if (state.frames) t = Math.max(state.start_s, Math.min(state.end_s, t));
  state.time_s = t;
  app.dirty = true;
  showClock(t);
}

/** The clock in the DOM (also called at once by setTime, so a reader never sees a stale clock). */
export function showClock(t) {
  const clock = $('clock');
  const txt = clockText(t);
  if (clock.textContent !== txt) clock.textContent = txt;
  const ts = String(Math.round(t * 1000) / 1000);
  if (clock.dataset.timeS !== ts) clock.dataset.timeS = ts;
}

export function setPlaying(p) {
  p = !!p && !state.error && state.ready;
  if (p && state.ended && state.time_s >= state.end_s) setTime(state.start_s);
  state.playing = p;
  $('play').textContent = p ? 'Pause' : 'Play';
  $('play').classList.toggle('on', p);
}

export function pickEvent(e) {
  app.touched = true;
  setTime(e.t);
  const id = e.actor;
  if (id !== undefined && id !== null && id >= 0 && replay.byId.has(id)) select(id);
}

// ---------------------------------------------------------------------------------------------
// selection

export function select(id) {
  if (id !== null && !(replay.byId && replay.byId.has(id))) id = null;
  state.selected = id;
  app.details?.show(id === null ? null : replay.byId.get(id));
  app.dirty = true;
  const scene = app.scene;
  if (scene && state.frames && id !== null) {
    if (scene.time !== state.time_s) scene.update(state.time_s);
    app.details.update(scene);
  }
}

