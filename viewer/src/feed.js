// The radio feed: notable events as English lines, following the clock. The DOM holds only the
// items at or before the clock (at most MAX_ITEMS of them) and changes only when the clock crosses events.

export const FEED_KINDS = new Set([
  'launch', 'formed_up', 'course_set', 'radio', 'mayday', 'heard', 'contact', 'swarm_launch', 'swarm_recalled',
  'photo', 'kill', 'destroyed', 'crash', 'blackout', 'spin_recovered', 'force_down', 'forced_landing', 'wounded', 'killed',
  'bingo', 'cover', 'recovered', 'ditched', 'returned_to_ship', 'airborne_at_end', 'end', 'deck_cleared', 'all_clear',
  'wire_caught', 'bolter', 'hard_landing', 'refuelled', 'grounded', 'repaired', 'struck_off', 'sick_bay',
  'net_raised', 'net_opened', 'net_closed', 'net_broken', 'salvo', 'breach', 'breach_sealed',
  'party_set_out', 'party_spotted', 'firefight_over', 'party_hit', 'patched', 'wall_collapse', 'at_rubble',
  'sprint', 'through_breach', 'stripped', 'left_outside', 'captive_found', 'secret_broken', 'captive_died',
  'raid_over', 'swarm_wave', 'pounded', 'position_lost', 'battery_silenced', 'front_broken', 'front_state',
]);
const MAX_ITEMS = 1500;
const LOUD = new Set([
  'kill', 'destroyed', 'crash', 'mayday', 'ditched', 'forced_landing', 'force_down', 'net_broken', 'breach', 'killed',
  'struck_off', 'party_hit', 'wall_collapse', 'secret_broken', 'captive_died', 'stripped', 'position_lost',
  'battery_silenced', 'front_broken',
]);

export function clockText(t) {
  if (!Number.isFinite(t)) t = 0;
  const s = Math.max(0, Math.floor(t));
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  const p = (v) => String(v).padStart(2, '0');
  return `${d}+${p(h)}:${p(m)}:${p(sec)}`;
}

const km = (m) => (m >= 10000 ? `${Math.round(m / 1000)} km` : m >= 1000 ? `${(m / 1000).toFixed(1)} km` : `${Math.round(m)} m`);
const kg = (v) => `${Math.round(v)} kg`;
const words = (s) => String(s ?? '').replace(/_/g, ' ');

export class Feed {
  constructor(el, replay, { onPick }) {
    this.el = el;
    this.R = replay;
    this.items = []; // indices into replay.events of feed-worthy events, in order
    this.times = [];
    this.shown = 0; // how many of items are at or before the clock
    this.first = 0; // index into items of the first <li> in the DOM
    this.scanned = 0; // events scanned so far
    // stay pinned to the newest line (also when the panel above grows), unless the reader scrolled up
    this.pinned = true;
    el.addEventListener('scroll', () => {
      this.pinned = el.scrollTop + el.clientHeight >= el.scrollHeight - 8;
    });
    new ResizeObserver(() => {
      if (this.pinned) el.scrollTop = el.scrollHeight;
    }).observe(el);
    el.addEventListener('click', (e) => {
      const li = e.target.closest('li.event');
      if (li) onPick(this.R.events[+li.dataset.index]);
    });
  }

  name(id) {
    if (id === undefined || id === null || id < 0) return null;
    const g = this.R.groundUnit(id);
    if (g >= 0) return this.R.front.units[g].name;
    const k = this.R.byId?.get(id);
    const c = k === undefined ? null : this.R.craft[k];
    return c ? c.callsign || `craft ${id}` : `craft ${id}`;
  }

  /** Take in events that arrived since the last call. */
  ingest() {
    const ev = this.R.events;
    for (; this.scanned < ev.length; this.scanned++) {
      const e = ev[this.scanned];
      if (FEED_KINDS.has(e.kind)) {
        this.items.push(e.i);
        this.times.push(e.t);
      }
    }
  }

  describe(e) {
    const d = e.details || {};
    const who = d.callsign || this.name(e.actor) || '';
    const tgt = this.name(e.target);
    switch (e.kind) {
      case 'radio':
        return { who, text: `“${d.text ?? ''}”${d.cut ? ' —' : ''}` };
      case 'mayday':
        return { who, text: `MAYDAY: “${d.text ?? 'mayday, mayday'}”${d.cut ? ' —' : ''}` };
      case 'heard':
        return { who, text: `heard on the radio by the mother ship${d.range_m ? `, ${km(d.range_m)} off` : ''}` };
      case 'launch':
        return { who, text: `launches${d.base ? ` from ${d.base}` : ''}${d.pilot ? ` (${d.pilot}${d.nickname ? `, “${d.nickname}”` : ''})` : ''}` };
      case 'formed_up':
        return { who: d.squadron ? words(d.squadron) : who, text: 'formed up' };
      case 'course_set':
        return { who: d.squadron ? words(d.squadron) : who, text: `course set${d.toward ? ` for ${words(d.toward)}` : ''}` };
      case 'contact':
        return { who: d.squadron ? words(d.squadron) : who, text: `contact: ${d.sighted ?? 'bandits'}${d.range_m ? ` at ${km(d.range_m)}` : ''}` };
      case 'swarm_launch':
        return { who: 'mother ship', text: `the swarm pours out${d.craft ? `: ${d.craft} LGFs` : ''}${d.door !== undefined ? ` from door ${d.door}` : ''}` };
      case 'swarm_recalled':
        return { who: 'mother ship', text: `the swarm is called home${d.craft ? `: ${d.craft} LGFs out` : ''}` };
      case 'photo':
        return { who, text: `photo ${d.number ?? ''}${d.range_m ? ` at ${km(d.range_m)}` : ''}` };
      case 'kill':
        return { who, text: `shoots down ${tgt ?? 'a target'}${d.weapon ? ` (${words(d.weapon)})` : ''}` };
      case 'destroyed':
        if (d.cause === 'anti-aircraft fire') return { who, text: `brought down by anti-aircraft fire${d.battery ? ` from ${d.battery}` : ''}` };
        return { who, text: `destroyed${d.cause ? ` (${words(d.cause)})` : ''}` };
      case 'crash':
        return { who, text: `crashes${d.cause ? ` (${words(d.cause)})` : ''}` };
      case 'blackout':
        return { who, text: `blacks out${d.seconds ? ` for ${Math.round(d.seconds)} s` : ''}` };
      case 'spin_recovered':
        return { who, text: `recovers from a spin${d.altitude_m ? ` at ${Math.round(d.altitude_m * 3.28084)} ft` : ''}` };
      case 'force_down':
        return { who, text: `forced down${d.escorts ? ` by ${d.escorts} LGFs` : ''}` };
      case 'forced_landing':
        return { who, text: `forced landing${d.where ? ` ${words(d.where)}` : ''}${d.outcome ? `: ${words(d.outcome)}` : ''}${d.captured ? ', pilot captured' : ''}` };
      case 'wounded':
        return { who, text: 'pilot wounded' };
      case 'killed':
        return { who, text: 'pilot killed' };
      case 'bingo':
        return { who, text: `bingo${d.reason ? ` (${words(d.reason)})` : ''}${d.fuel_kg !== undefined ? `, ${kg(d.fuel_kg)} fuel` : ''}: heading home` };
      case 'cover':
        return { who, text: `covers ${tgt ?? 'a squadron mate'} out of the fight` };
      case 'recovered':
        return { who, text: `recovered aboard ${d.carrier ?? 'the carrier'}${d.fuel_kg !== undefined ? ` with ${kg(d.fuel_kg)} fuel` : ''}${d.photos ? `, ${d.photos} photos` : ''}` };
      case 'ditched':
        return { who, text: `ditches${d.cause ? ` (${words(d.cause)})` : ''}` };
      case 'returned_to_ship':
        return { who, text: 'back aboard the mother ship' };
      case 'airborne_at_end':
        return { who, text: `still airborne at the end${d.fuel_kg !== undefined ? ` (${kg(d.fuel_kg)} fuel)` : ''}` };
      case 'end':
        return { who: '', text: `END: ${d.reason ?? 'the battle is over'}` };
      case 'deck_cleared':
        return { who: d.carrier ?? '', text: 'deck cleared' };
      case 'all_clear':
        return { who: d.carrier ?? '', text: 'all clear: launches follow' };
      case 'wire_caught':
        return { who, text: `traps on ${d.carrier ?? 'deck'}${d.wire ? `, wire ${d.wire}` : ''}` };
      case 'bolter':
        return { who, text: `bolter on ${d.carrier ?? 'deck'}${d.go_around ? ': going around' : ''}` };
      case 'hard_landing':
        return { who, text: `hard landing on ${d.carrier ?? 'deck'}` };
      case 'refuelled':
        return { who, text: 'refuelled and rearmed' };
      case 'grounded':
        return { who, text: `struck below for repairs${d.hours ? ` (${Number(d.hours).toFixed(1)} h)` : ''}` };
      case 'repaired':
        return { who, text: 'repaired, ready again' };
      case 'struck_off':
        return { who, text: `struck off${d.reason ? ` (${words(d.reason)})` : ''}` };
      case 'sick_bay':
        return { who: d.pilot ?? who, text: `to sick bay${d.days ? ` for ${d.days} days` : ''}` };
      case 'net_raised':
        return { who: 'net', text: `raised${d.radius_m ? `, radius ${km(d.radius_m)}` : ''}` };
      case 'net_opened':
        return { who: 'net', text: `opens${d.bearing_deg !== undefined ? ` at ${Math.round(d.bearing_deg)}°` : ''}${d.reason ? ` (${words(d.reason)})` : ''}` };
      case 'net_closed':
        return { who: 'net', text: 'closes' };
      case 'net_broken':
        return { who: 'net', text: 'THE NET GIVES WAY' };
      case 'salvo':
        return { who: d.bombardment ? words(d.bombardment) : 'battle line', text: `salvo ${d.salvo ?? ''}${d.shells ? `: ${d.shells} shells` : ''}` };
      case 'breach':
        return { who: 'mother ship', text: 'hull breached' };
      case 'breach_sealed':
        return { who: 'mother ship', text: 'breach sealed' };
      case 'party_set_out':
        return { who: 'the party', text: `${(d.members ?? []).length} set out on foot at dusk` };
      case 'party_spotted':
        return { who: 'the party', text: d.by === 'patrol' ? `spotted by a patrol of ${d.foes}: firefight` : `${d.foes} guards in a corridor: firefight` };
      case 'firefight_over':
        return { who: 'the party', text: `firefight over, ${d.foes_down} down (${Math.round(d.seconds ?? 0)} s)` };
      case 'party_hit':
        return { who: d.name ?? who, text: `${d.outcome} (${words(d.cause ?? '')})` };
      case 'patched':
        return { who: d.name ?? who, text: 'wound dressed' };
      case 'wall_collapse':
        return { who: 'the party', text: 'a wall comes down on them' };
      case 'at_rubble':
        return { who: 'the party', text: `in the rubble by the hull, ${d.alive} of them` };
      case 'sprint':
        return { who: 'the party', text: `sprints for a breach ${Math.round(d.range_m ?? 0)} m away` };
      case 'through_breach':
        return { who: d.name ?? who, text: d.way === 'in' ? 'into the ship' : 'out of the ship' };
      case 'stripped':
        return { who: d.name ?? who, text: 'the plate tears away pack and gun' };
      case 'left_outside':
        return { who: d.name ?? who, text: 'left outside' };
      case 'captive_found':
        return { who: 'the party', text: `reaches ${d.captive}'s cell` };
      case 'secret_broken':
        return { who: d.captive ?? 'the captive', text: 'her secret is broken' };
      case 'captive_died':
        return { who: d.captive ?? 'the captive', text: 'dies in her cell' };
      case 'raid_over':
        return { who: 'the raid', text: `over: the captive ${d.captive}, her secret ${d.secret_kept ? 'kept' : 'broken'}` };
      case 'swarm_wave':
        return { who: 'mother ship', text: `wave ${d.wave ?? ''} of the swarm leaves${this.R.front ? ' for the front' : ''}${d.craft ? `: ${d.craft} LGFs` : ''}` };
      case 'pounded':
        return { who: d.unit ?? who, text: `pounded by blue fire: ${this.strengthLeft(e, d.strength_left)} left${this.garrison(d)}` };
      case 'position_lost':
        return { who: d.unit ?? who, text: 'LOST: pounded into dust' };
      case 'battery_silenced':
        return {
          who: d.unit ?? who,
          text: `${d.reason === 'out of shells' ? 'silenced: out of shells' : 'SILENCED: destroyed'}${d.kills !== undefined ? `, ${d.kills} LGFs brought down` : ''}`,
        };
      case 'front_broken':
        return { who: 'the front', text: `BROKEN: ${d.positions_lost ?? '?'} of ${d.positions ?? '?'} positions lost` };
      case 'front_state': {
        const battery = d.kind === 'battery';
        if (d.lost) return { who: d.unit ?? who, text: battery ? 'silenced at the end' : 'lost at the end' };
        const tally = battery && d.kills !== undefined ? `, ${d.kills} LGFs down, ${d.shells_left ?? 0} shells left` : '';
        return { who: d.unit ?? who, text: `holds at the end: ${this.strengthLeft(e, d.strength_left)}${this.garrison(d)}${tally}` };
      }
      default:
        return { who, text: words(e.kind) };
    }
  }

  /** A unit's strength left, as a share of its full strength (from HEAD.front) where that is known. */
  strengthLeft(e, left) {
    const g = this.R.groundUnit(e.actor);
    const full = g >= 0 ? this.R.front.units[g].full_strength : 0;
    if (!Number.isFinite(+left)) return 'some strength';
    return full > 0 ? `${Math.round((100 * left) / full)}% of its strength` : `strength ${left}`;
  }

  garrison(d) {
    if (d.garrison === undefined) return '';
    return `, ${d.garrison} ${d.kind === 'battery' ? 'of its crew' : 'men'} standing`;
  }

  li(k) {
    const e = this.R.events[this.items[k]];
    const { who, text } = this.describe(e);
    const li = document.createElement('li');
    li.className = 'event' + (LOUD.has(e.kind) ? ' loud' : '') + ` k-${e.kind}`;
    li.dataset.timeS = String(e.t);
    li.dataset.kind = e.kind;
    li.dataset.actor = String(e.actor ?? -1);
    li.dataset.index = String(e.i);
    const time = document.createElement('span');
    time.className = 't';
    time.textContent = clockText(e.t).slice(-8);
    li.append(time);
    if (who) {
      const w = document.createElement('b');
      w.textContent = who;
      li.append(w, ' ');
    }
    li.append(text);
    return li;
  }

  /** Show exactly the feed items with time <= t (the last MAX_ITEMS of them). */
  follow(t) {
    this.ingest();
    const times = this.times;
    let lo = 0, hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (times[mid] <= t) lo = mid + 1;
      else hi = mid;
    }
    const want = lo;
    if (want === this.shown) return false;
    const el = this.el;
    const wantFirst = Math.max(0, want - MAX_ITEMS);
    if (want < this.shown) {
      // clock went back: drop the newest
      for (let k = this.shown; k > want && el.lastChild; k--) el.lastChild.remove();
      if (wantFirst < this.first || el.childElementCount === 0) this.rebuild(wantFirst, want);
    } else if (want - this.shown > MAX_ITEMS || wantFirst >= this.shown) {
      this.rebuild(wantFirst, want);
    } else {
      const frag = document.createDocumentFragment();
      for (let k = this.shown; k < want; k++) frag.append(this.li(k));
      el.append(frag);
      while (this.first < wantFirst && el.firstChild) {
        el.firstChild.remove();
        this.first++;
      }
    }
    this.shown = want;
    el.scrollTop = el.scrollHeight;
    this.pinned = true;
    return true;
  }

  rebuild(from, to) {
    const frag = document.createDocumentFragment();
    for (let k = from; k < to; k++) frag.append(this.li(k));
    this.el.replaceChildren(frag);
    this.first = from;
  }

  /** Time of the feed event after / before t (for #next-event / #prev-event). */
  next(t) {
    this.ingest();
    for (const x of this.times) if (x > t + 1e-6) return x;
    return null;
  }
  prev(t) {
    this.ingest();
    for (let k = this.times.length - 1; k >= 0; k--) if (this.times[k] < t - 1e-6) return this.times[k];
    return null;
  }
}
