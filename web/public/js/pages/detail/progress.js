// Progress: contacts processed of the total, with the ETA while running and the run's figures once over.
import { h, patchInto } from '../../dom.js';
import { fmtInt, fmtNum, fmtEta } from '../../format.js';

export function progressPart() {
  const el = h('section', { class: 'card', 'aria-labelledby': 'progress-title' });

  function update({ campaign, live }) {
    const L = live ?? {};
    const p = L.progress ?? {};
    const total = p.total ?? 0;
    const done = p.processed ?? 0;
    const pct = total ? Math.round((done / total) * 1000) / 10 : 0;
    const eta = fmtEta(L.eta_s);
    const finished = campaign.status === 'completed' || campaign.status === 'failed';
    // A finished run's figures cover the whole run (live.run): the live counters only see the last seconds.
    const run = L.run ?? {};
    const meta = finished
      ? [
          `Total connected ${fmtInt(run.connected)}`,
          `Dials ${fmtInt(run.dials)}`,
          `Dials/sec ${fmtNum(run.dials_per_sec, 2)}`,
          `Connected/hr ${fmtNum(run.connected_per_hr, 1)}`,
          `Calls/min ${fmtNum(run.calls_per_min, 1)}`,
        ].join(' · ')
      : eta
        ? `ETA ${eta}`
        : '';
    patchInto(
      el,
      h('h2', { id: 'progress-title' }, 'Progress'),
      h('progress', {
        max: String(Math.max(total, 1)),
        value: String(done),
        'aria-labelledby': 'progress-title',
        'aria-valuetext': `${pct}%`,
      }),
      h(
        'p',
        {},
        `Processed ${fmtInt(done)} of ${fmtInt(total)} (${pct}%)`,
        meta ? h('span', { class: 'muted' }, ` · ${meta}`) : null,
      ),
    );
  }

  return { el, update };
}
