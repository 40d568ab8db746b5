// Results at a glance: KPI cards (calls made, reached, interested, opted out), the disposition breakdown,
// and each pool number's dials, answers and SIP codes (a flagged DID is the first suspect), talk minutes.
import { h, patchInto } from '../../dom.js';
import { fmtInt, fmtNum, fmtPct } from '../../format.js';

export function resultsPart() {
  const el = h('section', { class: 'card', 'aria-labelledby': 'results-title' });

  function update({ results: r }) {
    if (!r) return void patchInto(el);
    const k = r.kpis;
    const maxDispo = Math.max(1, ...r.dispositions.map((d) => d.count));
    patchInto(
      el,
      h('h2', { id: 'results-title' }, 'Results'),
      h(
        'dl',
        { class: 'kpis' },
        [
          ['Calls made', k.calls_made],
          ['Reached', k.reached],
          ['Interested', k.interested],
          ['Opted out', k.opted_out],
        ].map(([label, n]) =>
          h('div', { class: 'kpi', dataset: { key: label } }, h('dt', {}, label), h('dd', {}, fmtInt(n))),
        ),
      ),
      h('h3', {}, 'Dispositions'),
      r.dispositions.length
        ? h(
            'div',
            { class: 'breakdown', role: 'list', 'aria-label': 'Dispositions' },
            r.dispositions.map((d) =>
              h(
                'div',
                { class: 'bar-row', role: 'listitem', dataset: { key: d.disposition } },
                h('span', {}, d.disposition),
                h('progress', {
                  class: 'bar',
                  max: String(maxDispo),
                  value: String(d.count),
                  'aria-hidden': 'true',
                }),
                h('span', {}, fmtInt(d.count)),
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'No dispositions yet.'),
      h('h3', {}, 'Outbound numbers'),
      r.numbers.length
        ? h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { class: 'table compact numbers' },
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  ['Number', 'Dials', 'Answered', 'Outcomes', 'SIP codes'].map((t) =>
                    h('th', { scope: 'col' }, t),
                  ),
                ),
              ),
              h(
                'tbody',
                {},
                r.numbers.map((n) =>
                  h(
                    'tr',
                    { dataset: { key: n.from_number } },
                    h('td', {}, n.from_number),
                    h('td', {}, fmtInt(n.dials)),
                    h('td', {}, `${fmtInt(n.answered)} (${fmtPct(n.dials ? n.answered / n.dials : null)})`),
                    h('td', {}, counts(n.outcomes)),
                    h('td', {}, counts(n.sip_codes) || '--'),
                  ),
                ),
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'No dials yet.'),
      r.talk_by_day.length
        ? h(
            'p',
            { class: 'muted talk-minutes' },
            'Talk minutes: ',
            r.talk_by_day.map((d) => `${d.day} ${fmtNum(d.minutes)} min`).join(' · '),
          )
        : null,
    );
  }

  return { el, update };
}

function counts(map) {
  return Object.entries(map ?? {})
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${fmtInt(v)}`)
    .join(' · ');
}
