// Passes: each pass's attempted / eligible contacts, connected share and time range.
import { h, patchInto } from '../../dom.js';
import { fmtInt, fmtPct, fmtClock } from '../../format.js';

export function passesPart() {
  const el = h('section', { class: 'card', 'aria-labelledby': 'passes-title' });

  function update({ live }) {
    const passes = live?.passes ?? [];
    patchInto(
      el,
      h('h2', { id: 'passes-title' }, 'Passes'),
      passes.length
        ? h(
            'table',
            { class: 'table compact' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['Pass #', 'Attempted / Eligible', 'Connected %', 'Time range'].map((t) =>
                  h('th', { scope: 'col' }, t),
                ),
              ),
            ),
            h(
              'tbody',
              {},
              passes.map((p) =>
                h(
                  'tr',
                  { class: p.started_at ? 'pass-started' : 'pass-waiting', dataset: { key: String(p.pass) } },
                  h('td', {}, `Pass ${p.pass}`),
                  h('td', {}, `${fmtInt(p.attempted)} / ${fmtInt(p.eligible)}`),
                  h('td', {}, fmtPct(p.connected_pct, true)),
                  h(
                    'td',
                    {},
                    p.started_at
                      ? `${fmtClock(p.started_at)} – ${p.ended_at ? fmtClock(p.ended_at) : 'still running'}`
                      : 'not started',
                  ),
                ),
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'No passes yet.'),
    );
  }

  return { el, update };
}
