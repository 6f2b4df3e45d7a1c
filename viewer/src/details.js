// The selection panel: who she is (pilot, squadron, type) and how she is (altitude, fuel, damage).
// Built once per selection; afterwards only the text of cells that changed is written.

import { FT, KNOTS, safeColour } from './scene.js';

const FIELDS = [
  ['status', 'Status'], ['mode', 'Mode'], ['altitude', 'Altitude'], ['speed', 'Speed'], ['heading', 'Heading'],
  ['fuel', 'Fuel'], ['rounds', 'Rounds'], ['rockets', 'Rockets'], ['photos', 'Photos'], ['kills', 'Kills'], ['state', 'State'],
];
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export class Details {
  constructor(el, replay) {
    this.el = el;
    this.R = replay;
    this.index = null;
    this.cells = null;
    this.empty = el.innerHTML;
  }

  show(index) {
    this.index = index;
    this.el.classList.toggle('has', index !== null);
    if (index === null) {
      this.el.innerHTML = this.empty;
      this.cells = null;
      return;
    }
    const c = this.R.craft[index];
    const sq = c.squadron >= 0 ? this.R.squadrons[c.squadron] : null;
    const colour = c.side === 'lgf' ? '#000' : safeColour(sq?.colour) ?? '#999';
    const who = c.pilot
      ? `${esc(c.pilot)}${c.nickname ? ` <span class="nick">“${esc(c.nickname)}”</span>` : ''}`
      : c.side === 'lgf' ? 'LGF (no pilot known)' : '—';
    this.el.innerHTML = `
      <div class="dhead">
        <i class="swatch${c.side === 'lgf' ? ' lgf' : ''}" style="background:${esc(colour)}"></i>
        <div><div class="callsign" data-field="callsign">${esc(c.callsign)}</div>
        <div class="pilot" data-field="pilot">${who}</div></div>
      </div>
      <table class="facts">
        <tr data-field="squadron"><th>Squadron</th><td>${esc(sq ? sq.name : c.side === 'lgf' ? 'the swarm' : '—')}</td></tr>
        <tr data-field="type"><th>Type</th><td>${esc(c.type)}${c.photo ? ' (photo)' : ''}</td></tr>
        <tr data-field="nickname"><th>Nickname</th><td>${esc(c.nickname ?? '—')}</td></tr>
        ${FIELDS.map(([k, label]) => `<tr data-field="${k}"><th>${label}</th><td></td></tr>`).join('')}
      </table>
      <table class="health"><thead><tr><th>Subsystem</th><th>Health</th><th></th></tr></thead><tbody>
        ${this.R.subsystems.map((s) => `<tr data-subsystem="${esc(s)}"><th>${esc(s.replace(/_/g, ' '))}</th><td class="pct"></td><td class="word"></td></tr>`).join('')}
      </tbody></table>`;
    this.cells = {};
    for (const [k] of FIELDS) this.cells[k] = this.el.querySelector(`tr[data-field="${k}"] td`);
    this.health = this.R.subsystems.map((s) => {
      const tr = this.el.querySelector(`tr[data-subsystem="${CSS.escape(s)}"]`);
      return { tr, pct: tr.querySelector('.pct'), word: tr.querySelector('.word'), bar: null };
    });
  }

  set(el, text) {
    if (el && el.textContent !== text) el.textContent = text;
  }

  update(scene) {
    if (this.index === null || !this.cells || !scene.pairInfo) return;
    const i = this.index, R = this.R;
    const { A, B, f } = scene.pairInfo;
    const N = f < 0.5 ? A : B; // nearest frame for the discrete columns
    const num = (a, b) => (a && b ? a[i] * (1 - f) + b[i] * f : a ? a[i] : NaN);
    const status = R.statuses[N.status[i]] ?? String(N.status[i]);
    const z = num(A.z, B.z), spd = num(A.speed, B.speed), fuel = num(A.fuel, B.fuel);
    const cells = this.cells;
    this.set(cells.status, status);
    this.set(cells.mode, N.mode ? R.modes[N.mode[i]] ?? String(N.mode[i]) : '—');
    this.set(cells.altitude, Number.isFinite(z) ? `${Math.round(z * FT).toLocaleString('en-US')} ft` : '—');
    this.set(cells.speed, Number.isFinite(spd) ? `${Math.round(spd * KNOTS)} kn` : '—');
    this.set(cells.heading, `${Math.round((((N.heading[i] * 180) / Math.PI) % 360 + 360) % 360)}°`);
    this.set(cells.fuel, Number.isFinite(fuel) ? `${Math.round(fuel).toLocaleString('en-US')} kg` : '—');
    this.set(cells.rounds, N.rounds ? String(N.rounds[i]) : '—');
    this.set(cells.rockets, N.rockets ? String(N.rockets[i]) : '—');
    this.set(cells.photos, N.photos ? String(N.photos[i]) : '—');
    this.set(cells.kills, N.kills ? String(N.kills[i]) : '—');
    if (N.state) {
      const bits = N.state[i];
      const words = R.stateBits.filter((_, k) => bits & (1 << k)).map((w) => w.replace(/_/g, ' '));
      this.set(cells.state, words.length ? words.join(', ') : '—');
    } else this.set(cells.state, '—');
    const hc = R.healthCount;
    this.health.forEach((h, k) => {
      if (!N.health || k >= hc) {
        this.set(h.pct, '—');
        this.set(h.word, '');
        return;
      }
      const v = N.health[i * hc + k];
      const pct = Math.round((v / 255) * 100);
      const word = v === 0 ? 'out' : v >= 255 ? 'ok' : 'damaged';
      this.set(h.pct, `${pct}%`);
      this.set(h.word, word);
      if (h.tr.dataset.state !== word) {
        h.tr.dataset.state = word;
        h.tr.dataset.health = String(pct);
      } else if (h.tr.dataset.health !== String(pct)) h.tr.dataset.health = String(pct);
      h.pct.style.setProperty('--h', `${pct}%`);
    });
  }
}
