// A raid's party on foot: its route through the ruins and its members on the map, and, once any of them
// is through a breach, the ship's interior as a panel: the green-lit corridor from the breach to the
// captive's cell, who is in it and how far along, and how the captive is.

import { PathLayer, ScatterplotLayer } from '@deck.gl/layers';
import { $, replay, state } from './app.js';

const BIT = (name) => 1 << (replay.party?.bits ?? []).indexOf(name);

/** What the party is doing at the clock: for the page and for window.captainred.state.party. */
export function partyNow() {
  const P = replay.party;
  if (!P) return null;
  const f = replay.partyAt(state.time_s);
  if (!f) return null;
  const alive = BIT('alive'), inside = BIT('inside'), wounded = BIT('wounded'), stripped = BIT('stripped');
  const left = BIT('left_outside'), out = BIT('came_out');
  const members = P.members.map((m, i) => {
    const b = f.bits[i];
    return {
      name: m.name, weapon: m.weapon, x: f.x[i], y: f.y[i],
      alive: (b & alive) !== 0, inside: (b & inside) !== 0, wounded: (b & wounded) !== 0,
      stripped: (b & stripped) !== 0, leftOutside: (b & left) !== 0, cameOut: (b & out) !== 0,
    };
  });
  return {
    phase: P.phases?.[f.phase] ?? String(f.phase),
    corridor_m: f.corridor, corridorLength_m: P.corridor_m,
    captive: P.captive, captiveHeld: f.captiveHeld, secretBroken: f.secretBroken,
    members,
    alive: members.filter((m) => m.alive).length,
    inside: members.filter((m) => m.alive && m.inside).length,
  };
}

/** The route and the members outside the ship, for deck.gl (plan view coordinates). */
export function partyLayers(common) {
  const P = replay.party;
  const now = partyNow();
  if (!P || !now) return [];
  const outdoors = now.members.filter((m) => !m.inside || !m.alive);
  return [
    new PathLayer({
      ...common, id: 'party-route', data: [P.route_m], getPath: (d) => d, getColor: [255, 214, 120, 120],
      getWidth: 2, widthUnits: 'pixels',
    }),
    new ScatterplotLayer({
      ...common, id: 'party', data: outdoors, getPosition: (m) => [m.x, m.y, 0],
      getFillColor: (m) => (!m.alive ? [120, 120, 120, 200] : m.wounded ? [255, 140, 60, 255] : [255, 236, 170, 255]),
      getLineColor: [20, 16, 10, 255], stroked: true, lineWidthUnits: 'pixels', getLineWidth: 1.5,
      radiusUnits: 'pixels', getRadius: (m) => (m.alive ? 5 : 3),
      updateTriggers: { getFillColor: state.time_s, getRadius: state.time_s },
    }),
  ];
}

/** The interior panel: shown while any of the party is inside the ship. */
export function updateInterior() {
  const el = $('interior');
  if (!el) return;
  const now = partyNow();
  const inside = now ? now.members.filter((m) => m.alive && m.inside) : [];
  el.hidden = inside.length === 0;
  if (el.hidden) return;
  const length = Math.max(1, now.corridorLength_m);
  const at = Math.max(0, Math.min(1, now.corridor_m / length));
  const captive = now.captiveHeld
    ? `${now.captive}: held in a cold cell${now.secretBroken ? ', her secret broken' : ', holding out'}`
    : `${now.captive}: freed${now.secretBroken ? ' (her secret broken)' : ''}`;
  el.replaceChildren();
  const h = document.createElement('h2');
  h.textContent = 'Inside the mother ship';
  const bar = document.createElement('div');
  bar.className = 'corridor';
  const party = document.createElement('div');
  party.className = 'corridor-party';
  party.style.left = `${(at * 100).toFixed(1)}%`;
  party.title = `${Math.round(now.corridor_m)} m of ${Math.round(length)} m`;
  const cell = document.createElement('div');
  cell.className = 'corridor-cell';
  bar.append(party, cell);
  const who = document.createElement('p');
  who.className = 'interior-members';
  who.textContent = inside.map((m) => m.name + (m.stripped ? ' (stripped)' : m.wounded ? ' (wounded)' : '')).join(', ');
  const held = document.createElement('p');
  held.className = 'interior-captive';
  held.textContent = captive;
  el.append(h, bar, who, held);
}
