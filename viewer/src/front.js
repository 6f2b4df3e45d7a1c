// The army's front on the ground: the line, a marker for each of its positions and one of another shape
// for each anti-aircraft battery behind it, coloured by the strength each has left at the clock (khaki
// when whole, toward red as it is pounded, grey with a cross once a position is lost or a battery
// silenced). A ring marks a battery laying its guns on an LGF (yellow) and a unit under blue fire
// (violet). In 3-D each unit also stands a post on the ground as tall as its strength. A handful of
// units: plain deck.gl layers over small arrays, remade only when the front's frame changes.

import { PathLayer } from '@deck.gl/layers';
import { SpriteLayer, SegmentLayer } from './gl-layers.js';
import { app, replay, state, viewState } from './app.js';

const WHOLE = [214, 196, 120];
const BATTERY_WHOLE = [176, 222, 168];
const POUNDED = [236, 92, 48];
const LOST = [112, 112, 118];
const LAYING = [255, 226, 90, 230];
const UNDER_FIRE = [170, 120, 255, 230];
const POST_M = 600; // a whole unit's post in 3-D
const LABEL_SPACING_PX = 90; // name the units once neighbours on the line are this far apart on screen

const mix = (a, b, f) => [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * f));

/** The front at the clock (for the page and window.captainred.front()); null when the replay has none. */
export function frontNow() {
  const F = replay.front;
  if (!F) return null;
  const f = replay.frontAt(state.time_s);
  const bits = F.bits ?? [];
  const bit = (name) => (bits.indexOf(name) >= 0 ? 1 << bits.indexOf(name) : 0);
  const lost = bit('lost'), laying = bit('laying'), underFire = bit('under_fire');
  const units = F.units.map((u, k) => {
    const strength = f ? f.strength[k] : u.full_strength;
    const b = f ? f.bits[k] : 0;
    return {
      id: (replay.frontBase ?? -1) >= 0 ? replay.frontBase + k : -1,
      name: u.name, kind: u.kind, x: u.x_m, y: u.y_m, strength, fullStrength: u.full_strength,
      share: Math.max(0, Math.min(1, strength / u.full_strength)),
      lost: (b & lost) !== 0, laying: (b & laying) !== 0, underFire: (b & underFire) !== 0,
    };
  });
  const positions = units.filter((u) => u.kind === 'position');
  const batteries = units.filter((u) => u.kind === 'battery');
  return {
    broken: !!f?.broken, frame: f ? f.index : -1, units,
    positions: positions.length, positionsLost: positions.filter((u) => u.lost).length,
    batteries: batteries.length, batteriesSilenced: batteries.filter((u) => u.lost).length,
  };
}

function colourOf(u) {
  if (u.lost) return [...LOST, 200];
  return [...mix(u.kind === 'battery' ? BATTERY_WHOLE : WHOLE, POUNDED, 1 - u.share), 255];
}

/** The line between its two ends, one stretch per position (its share of the line), coloured as it stands. */
function lineStretches(now) {
  const [[x0, y0], [x1, y1]] = replay.front.line_m;
  const positions = now.units.filter((u) => u.kind === 'position');
  const P = Math.max(1, positions.length);
  return positions.map((u, k) => ({
    path: [[x0 + ((x1 - x0) * k) / P, y0 + ((y1 - y0) * k) / P, 0], [x0 + ((x1 - x0) * (k + 1)) / P, y0 + ((y1 - y0) * (k + 1)) / P, 0]],
    colour: u.lost ? [190, 50, 40, 210] : [...mix(WHOLE, POUNDED, 1 - u.share), 170],
    width: u.lost ? 2 : 4,
  }));
}

// What the layers draw, remade only when the clock crosses into another of the front's frames (deck.gl
// then uploads them again; the same arrays otherwise, so it keeps what it has on the GPU).
let drawn = { key: '', data: null };

function drawData(three) {
  const now = frontNow();
  const key = `${now.frame}|${three}`;
  if (drawn.key === key) return drawn.data;
  const data = {
    units: now.units,
    stretches: lineStretches(now),
    rings: now.units.flatMap((u) => [
      ...(u.laying ? [{ u, colour: LAYING }] : []),
      ...(u.underFire ? [{ u, colour: UNDER_FIRE }] : []),
    ]),
    crosses: now.units.filter((u) => u.lost),
    posts: null,
  };
  if (three) {
    // a post per unit, as tall as its strength: cheap GL lines, two vertices each
    const g = now.units.length;
    const pos = new Float32Array(g * 6), col = new Uint8Array(g * 8);
    now.units.forEach((u, k) => {
      const h = u.lost ? 40 : 40 + POST_M * u.share;
      pos.set([u.x, u.y, 0, u.x, u.y, h], k * 6);
      const c = colourOf(u);
      col.set([c[0], c[1], c[2], 230, c[0], c[1], c[2], 120], k * 8);
    });
    data.posts = { length: 2 * g, attributes: { getPosition: { value: pos, size: 3 }, getColor: { value: col, size: 4, normalized: true } } };
  }
  drawn = { key, data };
  return data;
}

/** The front's layers for deck.gl (`common`: the coordinate system, and the plan view's flattening). */
export function frontLayers(common, three) {
  if (!replay.front) {
    state.ground = 0;
    return [];
  }
  const d = drawData(three);
  const atlas = app.atlas;
  const layers = [
    new PathLayer({
      ...common, id: 'front-line', data: d.stretches, getPath: (s) => s.path, getColor: (s) => s.colour,
      getWidth: (s) => s.width, widthUnits: 'pixels', capRounded: true,
    }),
  ];
  if (d.posts) layers.push(new SegmentLayer({ ...common, id: 'front-posts', data: d.posts }));
  if (d.rings.length) {
    layers.push(new SpriteLayer({
      ...common, id: 'front-rings', data: d.rings, atlas: atlas.canvas, mask: true, rotate: false, sizePixels: 36,
      getPosition: (r) => [r.u.x, r.u.y, 0], getFrame: atlas.frameOf('ring'), getColor: (r) => r.colour,
    }));
  }
  layers.push(new SpriteLayer({
    ...common, id: 'front-units', data: d.units, atlas: atlas.canvas, mask: true, rotate: false, sizePixels: 24,
    pickable: true, getPosition: (u) => [u.x, u.y, 0],
    getFrame: (u) => atlas.frameOf(u.kind === 'battery' ? 'battery' : 'position'), getColor: colourOf,
  }));
  if (d.crosses.length) {
    layers.push(new SpriteLayer({
      ...common, id: 'front-lost', data: d.crosses, atlas: atlas.canvas, mask: true, rotate: false, sizePixels: 16,
      getPosition: (u) => [u.x, u.y, 0], getFrame: atlas.frameOf('cross'), getColor: [30, 16, 16, 235],
    }));
  }
  state.ground = d.units.length;
  return layers;
}

/** Where the front's units stand, [x, y] each (for fitting the view); [] without a front. */
export function frontPoints() {
  return replay.front ? replay.front.units.map((u) => [u.x_m, u.y_m]) : [];
}

/** The place of the unit an event's actor names, [x, y, 0], or null. */
export function groundPosition(actor) {
  const k = replay.groundUnit(actor);
  if (k < 0) return null;
  const u = replay.front.units[k];
  return [u.x_m, u.y_m, 0];
}

/** The units to name on the map, with their labels' text: none until neighbours are far enough apart. */
export function frontLabels() {
  const F = replay.front;
  if (!F) return [];
  const [[x0, y0], [x1, y1]] = F.line_m;
  const spacing_m = Math.hypot(x1 - x0, y1 - y0) / Math.max(1, F.positions || 1);
  if (spacing_m * 2 ** viewState.main.zoom < LABEL_SPACING_PX) return [];
  return frontNow().units.map((u) => ({
    key: 'g:' + u.name, at: [u.x, u.y, 0],
    text: u.lost ? `${u.name} · ${u.kind === 'battery' ? 'silenced' : 'lost'}` : `${u.name} · ${Math.round(100 * u.share)}%`,
  }));
}
