// Results at a glance: KPI cards (calls made, reached, interested, opted out), the disposition breakdown,
// each pool number's dials, answers and SIP codes (a flagged DID is the first suspect), and talk minutes per
// day with their cost at the carriers' per-minute rates.
import { h, patchInto } from '../../dom.js';
import { barChart } from '../../chart.js';
import { fmtCost, fmtInt, fmtNum, fmtPct } from '../../format.js';

// The trend the cost section draws: the last 30 days of the run (the table lists every day).
const TREND_DAYS = 30;

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
      talkSection(r),
    );
  }

  return { el, update };
}

/** Talk minutes per day (the campaign's days) and their cost; a day without a priced carrier says so. */
function talkSection(r) {
  if (!r.talk_by_day?.length) return null;
  const priced = r.talk_by_day.some((d) => d.cost !== null);
  const costCell = (t) =>
    t.cost === null
      ? 'no rate set'
      : t.unpriced_minutes > 0
        ? `${fmtCost(t.cost)} (${fmtNum(t.unpriced_minutes)} min without a rate)`
        : fmtCost(t.cost);
  const trend = r.talk_by_day.slice(-TREND_DAYS);
  return [
    h('h3', { id: 'talk-title' }, 'Talk time and cost'),
    barChart({
      id: 'chart-talk',
      title:
        trend.length < r.talk_by_day.length
          ? `Talk minutes, last ${TREND_DAYS} days`
          : 'Talk minutes per day',
      summary:
        `${fmtNum(r.talk.minutes)} minutes talked over ${fmtInt(r.talk_by_day.length)} ` +
        `${r.talk_by_day.length === 1 ? 'day' : 'days'}` +
        (r.talk.cost === null ? ', no rate set.' : `, costing ${fmtCost(r.talk.cost)}.`),
      bars: trend.map((d) => ({
        label: d.day.slice(5),
        value: d.minutes,
        note: d.cost === null ? 'no rate set' : `cost ${fmtCost(d.cost)}`,
      })),
      yLabel: 'Minutes',
      xLabel: `Day (${r.timezone})`,
      yFormat: (v) => fmtNum(v, 2),
    }),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'table compact talk', 'aria-labelledby': 'talk-title' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, `Day (${r.timezone})`),
            h('th', { scope: 'col', class: 'num' }, 'Talk minutes'),
            h('th', { scope: 'col', class: 'num' }, 'Cost'),
          ),
        ),
        h(
          'tbody',
          {},
          r.talk_by_day.map((d) =>
            h(
              'tr',
              { dataset: { key: d.day } },
              h('td', {}, d.day),
              h('td', { class: 'num' }, fmtNum(d.minutes)),
              h('td', { class: 'num cost' }, costCell(d)),
            ),
          ),
        ),
        r.talk
          ? h(
              'tfoot',
              {},
              h(
                'tr',
                {},
                h('th', { scope: 'row' }, 'Whole run'),
                h('td', { class: 'num' }, fmtNum(r.talk.minutes)),
                h('td', { class: 'num cost' }, costCell(r.talk)),
              ),
            )
          : null,
      ),
    ),
    priced
      ? null
      : h(
          'p',
          { class: 'hint' },
          'Set a rate per minute on the carrier (Setup) to see what the talk time costs.',
        ),
  ];
}

function counts(map) {
  return Object.entries(map ?? {})
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${fmtInt(v)}`)
    .join(' · ');
}
