// The replay in memory: header, terrain, events and frames, filled in as chunks stream in.
// Frames stay as typed-array views over their inflated bytes (never one JS object per craft); the
// compressed payload of every frame is kept and re-inflated on demand behind a small LRU cache.

import { unzlibSync } from 'fflate';
import { ReplayError } from './reader.js';

const TYPES = { f32: [Float32Array, 4], u16: [Uint16Array, 2], u8: [Uint8Array, 1] };
const REQUIRED = ['x_m', 'y_m', 'z_m', 'heading_rad', 'status'];
const COLUMN_KEYS = {
  x_m: 'x', y_m: 'y', z_m: 'z', heading_rad: 'heading', speed_mps: 'speed', fuel_kg: 'fuel',
  rounds: 'rounds', rockets: 'rockets', photos: 'photos', kills: 'kills', status: 'status',
  mode: 'mode', state: 'state', health: 'health',
};
export const LOST_SHOW_S = 8; // how long a lost aircraft stays on the map as a fading cross

/** A Float64Array / Float32Array / Uint8Array that grows by doubling. */
class Grow {
  constructor(Ctor, cap = 1024) {
    this.Ctor = Ctor;
    this.a = new Ctor(cap);
    this.n = 0;
  }
  reserve(k) {
    if (this.n + k > this.a.length) {
      let cap = this.a.length * 2;
      while (cap < this.n + k) cap *= 2;
      const b = new this.Ctor(cap);
      b.set(this.a.subarray(0, this.n));
      this.a = b;
    }
  }
  push(v) {
    this.reserve(1);
    this.a[this.n++] = v;
  }
}

/** The index of the last time in `times` (a Grow, in order) at or before t; the first before the first; -1 if none. */
function lastAtOrBefore(times, t) {
  const a = times.a, n = times.n;
  if (!n) return -1;
  if (t < a[0]) return 0;
  let lo = 0, hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (a[mid] <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export class Replay {
  constructor(name = 'replay.crr') {
    this.name = name;
    this.head = null;
    this.craft = [];
    this.n = 0;
    this.terrain = null; // Uint16Array [ny*nx]
    this.times = new Grow(Float64Array);
    this.payloads = []; // compressed FRAM payloads, by frame index
    this.fleet = null; // Grow(Float32Array), stride = 2*nCarriers + 1 (carriers x,y..., net strength)
    this.netFlags = new Grow(Uint8Array); // stride 2: up, open
    this.airborneCount = new Grow(Uint32Array);
    this.firstAirborne = -1; // frame index
    this.cache = new Map(); // frame index -> decoded frame
    this.cacheCap = 64;
    this.events = []; // {i, tick, t, kind, actor, target, pos, details}
    this.eventText = []; // canonical lines, each with its "\n" (for the digest)
    this.lost = []; // {id, t, x, y, z}: aircraft that went from airborne to lost, in time order
    this.end = null;
    this.party = null; // a raid's party on foot: HEAD.party, and its frames (small: kept decoded)
    this.partyTimes = new Grow(Float64Array);
    this.partyFrames = [];
    this.front = null; // the army's front: HEAD.front, and its frames (one where anything changed)
    this.frontTimes = new Grow(Float64Array);
    this.frontFrames = [];
  }

  fail(msg) {
    throw new ReplayError(`${this.name}: ${msg}`);
  }

  get frameCount() {
    return this.times.n;
  }

  setHead(h) {
    if (!h || typeof h !== 'object') this.fail('HEAD is not a JSON object');
    if (h.format !== undefined && h.format !== 'captainred-replay') this.fail(`HEAD.format is ${JSON.stringify(h.format)}, not "captainred-replay"`);
    if (h.version !== undefined && h.version !== 1) {
      this.fail(`replay format version ${h.version} (in HEAD) is ${h.version > 1 ? 'newer' : 'older'} than this viewer reads (1)`);
    }
    for (const key of ['craft', 'frame_columns', 'statuses']) {
      if (!Array.isArray(h[key])) this.fail(`HEAD.${key} is missing or not a list`);
    }
    this.head = h;
    this.party = h.party && Array.isArray(h.party.members) ? h.party : null;
    this.front = h.front && Array.isArray(h.front.units) && h.front.units.length ? h.front : null;
    if (this.front) {
      for (const [k, u] of this.front.units.entries()) {
        if (!u || !Number.isFinite(u.x_m) || !Number.isFinite(u.y_m) || !(u.full_strength > 0)) {
          this.fail(`HEAD.front.units[${k}] has no place or full strength`);
        }
      }
      this.frontBase = Number.isInteger(this.front.actor_base) ? this.front.actor_base : -1;
    }
    this.craft = h.craft;
    this.n = h.craft.length;
    this.squadrons = Array.isArray(h.squadrons) ? h.squadrons : [];
    this.carriers = Array.isArray(h.carriers) ? h.carriers : [];
    this.subsystems = Array.isArray(h.subsystems) ? h.subsystems : [];
    this.statuses = h.statuses;
    this.modes = Array.isArray(h.modes) ? h.modes : [];
    this.stateBits = Array.isArray(h.state_bits) ? h.state_bits : [];
    this.AIRBORNE = h.statuses.indexOf('airborne');
    this.LOST = h.statuses.indexOf('lost');
    if (this.AIRBORNE < 0) this.fail('HEAD.statuses has no "airborne"');
    this.byId = new Map(this.craft.map((c, i) => [c.id, i]));
    // column layout
    const cols = {};
    let off = 16;
    for (const col of h.frame_columns) {
      if (!Array.isArray(col) || col.length < 3) this.fail(`bad HEAD.frame_columns entry ${JSON.stringify(col)}`);
      const [name, type, count] = col;
      const t = TYPES[type];
      if (!t) this.fail(`frame column ${name} has unknown type ${JSON.stringify(type)} (known: f32, u16, u8)`);
      const bytes = this.n * count * t[1];
      cols[name] = { name, Ctor: t[0], off, len: this.n * count, count };
      off += (bytes + 3) & ~3;
    }
    for (const r of REQUIRED) if (!cols[r]) this.fail(`frames lack the "${r}" column this viewer needs`);
    this.columns = cols;
    this.columnsEnd = off;
    this.healthCount = cols.health ? cols.health.count : 0;
    this.fleetStride = 2 * this.carriers.length + 1;
    this.fleet = new Grow(Float32Array, 1024 * this.fleetStride);
    this.prevStatus = new Uint8Array(this.n);
  }

  setTerrain(raw) {
    const m = this.head.map;
    if (!m || !Array.isArray(m.shape)) this.fail('a TERR chunk but no HEAD.map.shape');
    const [ny, nx] = m.shape;
    if (raw.length !== ny * nx * 2) this.fail(`TERR holds ${raw.length} bytes, HEAD.map.shape ${ny}×${nx} needs ${ny * nx * 2}`);
    if (raw.byteOffset % 2) raw = raw.slice();
    this.terrain = new Uint16Array(raw.buffer, raw.byteOffset, ny * nx);
  }

  addEvents(text) {
    const lines = text.split('\n');
    for (const line of lines) {
      if (!line.trim()) continue;
      let e;
      try {
        e = JSON.parse(line);
      } catch (err) {
        this.fail(`event #${this.events.length + 1} is not valid JSON (${err.message})`);
      }
      if (!Array.isArray(e) || e.length < 7) this.fail(`event #${this.events.length + 1} is not [tick, time_s, kind, actor, target, [x, y, z], {details}]`);
      this.events.push({
        i: this.events.length, tick: e[0], t: +e[1], kind: String(e[2]), actor: e[3] ?? -1, target: e[4] ?? -1,
        pos: e[5], details: e[6] || {},
      });
      this.eventText.push(line + '\n');
    }
  }

  /** Typed-array views over one inflated FRAM payload. */
  decode(raw, index) {
    if (raw.length < 16) this.fail(`FRAM #${index + 1} is only ${raw.length} bytes`);
    if (raw.byteOffset % 8) raw = raw.slice();
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.length);
    const time = dv.getFloat64(0, true);
    const n = dv.getUint32(8, true);
    const nc = dv.getUint16(12, true);
    if (n !== this.n) this.fail(`FRAM #${index + 1} has ${n} craft, HEAD.craft has ${this.n}`);
    if (nc !== this.carriers.length) this.fail(`FRAM #${index + 1} has ${nc} carriers, HEAD.carriers has ${this.carriers.length}`);
    const need = this.columnsEnd + 8 * nc + 8;
    if (raw.length < need) this.fail(`FRAM #${index + 1} is ${raw.length} bytes, its columns need ${need}`);
    const f = { index, time, raw };
    for (const name in this.columns) {
      const c = this.columns[name];
      const key = COLUMN_KEYS[name] || name;
      f[key] = new c.Ctor(raw.buffer, raw.byteOffset + c.off, c.len);
    }
    f.fleet = new Float32Array(raw.buffer, raw.byteOffset + this.columnsEnd, 2 * nc + 1);
    f.netUp = raw[this.columnsEnd + 8 * nc + 4];
    f.netOpen = raw[this.columnsEnd + 8 * nc + 5];
    return f;
  }

  addFrame(raw, payload) {
    const index = this.times.n;
    const f = this.decode(raw, index);
    if (!Number.isFinite(f.time)) this.fail(`FRAM #${index + 1} has time ${f.time}`);
    if (index > 0 && f.time < this.times.a[index - 1]) {
      this.fail(`FRAM #${index + 1} at ${f.time} s comes after a frame at ${this.times.a[index - 1]} s (frames out of order)`);
    }
    this.times.push(f.time);
    this.payloads.push(payload.byteOffset === 0 && payload.length === payload.buffer.byteLength ? payload : payload.slice()); // own copy: do not pin the network buffer
    this.fleet.reserve(this.fleetStride);
    this.fleet.a.set(f.fleet, this.fleet.n);
    this.fleet.n += this.fleetStride;
    this.netFlags.push(f.netUp);
    this.netFlags.push(f.netOpen);
    const st = f.status, prev = this.prevStatus, AIR = this.AIRBORNE, LOST = this.LOST;
    let air = 0;
    for (let i = 0, n = this.n; i < n; i++) {
      const s = st[i];
      if (s === AIR) air++;
      else if (s === LOST && prev[i] === AIR && index > 0) {
        const p = this.getFrame(index - 1);
        this.lost.push({ id: i, t: f.time, x: p.x[i], y: p.y[i], z: p.z[i] });
      }
      prev[i] = s;
    }
    this.airborneCount.push(air);
    if (air > 0 && this.firstAirborne < 0) this.firstAirborne = index;
    this.cacheCap = Math.max(8, Math.min(256, Math.floor((96 << 20) / raw.length)));
    this.remember(index, f);
  }

  /** One PRTY chunk: time, phase, captive bits, members, corridor metres; then x, y and bits per member. */
  addParty(raw, n) {
    if (!this.party) return;
    const m = this.party.members.length;
    if (raw.length !== 16 + 9 * m) this.fail(`PRTY #${n} is ${raw.length} bytes; ${m} members need ${16 + 9 * m}`);
    if (raw.byteOffset % 8) raw = raw.slice();
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.length);
    const time = dv.getFloat64(0, true);
    if (dv.getUint16(10, true) !== m) this.fail(`PRTY #${n} has ${dv.getUint16(10, true)} members, HEAD.party has ${m}`);
    const at = raw.byteOffset + 16;
    this.partyTimes.push(time);
    this.partyFrames.push({
      time,
      phase: raw[8],
      captiveHeld: (raw[9] & 1) !== 0,
      secretBroken: (raw[9] & 2) !== 0,
      corridor: dv.getFloat32(12, true),
      x: new Float32Array(raw.buffer.slice(at, at + 4 * m)),
      y: new Float32Array(raw.buffer.slice(at + 4 * m, at + 8 * m)),
      bits: new Uint8Array(raw.buffer.slice(at + 8 * m, at + 9 * m)),
    });
  }

  /** The party's frame at (or just before) time t; null without a party. */
  partyAt(t) {
    const k = lastAtOrBefore(this.partyTimes, t);
    return k < 0 ? null : this.partyFrames[k];
  }

  /** One FRNT chunk: time, units, flags (bit 0: broken); then each unit's strength (f32) and bits (u8). */
  addFront(raw, n) {
    if (!this.front) return;
    const g = this.front.units.length;
    if (raw.length !== 12 + 5 * g) this.fail(`FRNT #${n} is ${raw.length} bytes; ${g} units need ${12 + 5 * g}`);
    if (raw.byteOffset % 8) raw = raw.slice();
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.length);
    const time = dv.getFloat64(0, true);
    if (dv.getUint16(8, true) !== g) this.fail(`FRNT #${n} has ${dv.getUint16(8, true)} units, HEAD.front has ${g}`);
    const at = raw.byteOffset + 12;
    const strength = new Float32Array(raw.buffer.slice(at, at + 4 * g));
    if (!Number.isFinite(time) || !strength.every((v) => Number.isFinite(v) && v >= 0)) {
      this.fail(`FRNT #${n} holds a time or strength that is not a finite number (the file is damaged)`);
    }
    const k = this.frontTimes.n;
    if (k > 0 && time < this.frontTimes.a[k - 1]) this.fail(`FRNT #${n} at ${time} s comes after one at ${this.frontTimes.a[k - 1]} s`);
    this.frontTimes.push(time);
    this.frontFrames.push({ index: k, time, broken: (raw[10] & 1) !== 0, strength, bits: new Uint8Array(raw.buffer.slice(at + 4 * g, at + 5 * g)) });
  }

  /** The front's frame at (or just before) time t; null without a front. */
  frontAt(t) {
    const k = lastAtOrBefore(this.frontTimes, t);
    return k < 0 ? null : this.frontFrames[k];
  }

  /** The front's unit an event's actor names (its index in HEAD.front.units), or -1. */
  groundUnit(actor) {
    if (!this.front || this.frontBase < 0) return -1;
    const k = actor - this.frontBase;
    return k >= 0 && k < this.front.units.length ? k : -1;
  }

  remember(index, f) {
    this.cache.set(index, f);
    while (this.cache.size > this.cacheCap) this.cache.delete(this.cache.keys().next().value);
  }

  getFrame(index) {
    let f = this.cache.get(index);
    if (f) {
      this.cache.delete(index);
      this.cache.set(index, f);
      return f;
    }
    f = this.decode(unzlibSync(this.payloads[index]), index);
    this.remember(index, f);
    return f;
  }

  /** Index of the last frame with time <= t (0 if t is before the first). */
  frameAt(t, hint = 0) {
    const a = this.times.a, n = this.times.n;
    if (n === 0) return -1;
    if (hint >= 0 && hint < n && a[hint] <= t && (hint + 1 >= n || a[hint + 1] > t)) return hint;
    let lo = 0, hi = n - 1;
    if (t < a[0]) return 0;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (a[mid] <= t) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** {a, b, f}: the frames around t and the fraction of the way from a to b. */
  pair(t, hint) {
    const i = this.frameAt(t, hint);
    const n = this.times.n;
    const j = Math.min(i + 1, n - 1);
    const ta = this.times.a[i], tb = this.times.a[j];
    const f = j === i || tb <= ta ? 0 : Math.max(0, Math.min(1, (t - ta) / (tb - ta)));
    return { ia: i, ib: j, f, span: tb - ta };
  }

  /** Index of the first event with time > t. */
  eventsUpTo(t) {
    const ev = this.events;
    let lo = 0, hi = ev.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ev[mid].t <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The lost aircraft whose cross is still on the map at time t. */
  lostAround(t) {
    const out = [];
    for (let k = this.lost.length - 1; k >= 0; k--) {
      const L = this.lost[k];
      if (L.t > t) continue;
      if (L.t < t - LOST_SHOW_S) break;
      out.push(L);
    }
    return out;
  }

  async checkEnd(end) {
    if (!end || typeof end !== 'object') this.fail('END is not a JSON object');
    this.end = end;
    if (typeof end.events === 'number' && end.events !== this.events.length) {
      this.fail(`the file is damaged or incomplete: END says ${end.events} events but the file holds ${this.events.length}`);
    }
    if (typeof end.party_frames === 'number' && end.party_frames !== this.partyTimes.n) {
      this.fail(`the file is damaged or incomplete: END says ${end.party_frames} party frames but the file holds ${this.partyTimes.n}`);
    }
    if (typeof end.front_frames === 'number' && end.front_frames !== this.frontTimes.n) {
      this.fail(`the file is damaged or incomplete: END says ${end.front_frames} front frames but the file holds ${this.frontTimes.n}`);
    }
    if (typeof end.frames === 'number' && end.frames !== this.frameCount) {
      this.fail(`the file is damaged or incomplete: END says ${end.frames} frames but the file holds ${this.frameCount}`);
    }
    this.digestChecked = false;
    if (end.digest && globalThis.crypto?.subtle) {
      const bytes = new TextEncoder().encode(this.eventText.join(''));
      const d = await crypto.subtle.digest('SHA-256', bytes);
      const hex = [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
      if (hex !== end.digest) this.fail(`the event log's digest ${hex.slice(0, 12)}… does not match END's ${String(end.digest).slice(0, 12)}…`);
      this.digestChecked = true;
    }
  }
}
