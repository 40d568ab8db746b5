// The metrics strip: answer, completion and abandon rates and the average handle time.
import { h, patchInto } from '../../dom.js';
import { fmtNum, fmtPct } from '../../format.js';
import { counter } from './cells.js';

export function metricsPart() {
  const el = h('section', { class: 'metrics', 'aria-label': 'Call metrics' });

  function update({ live }) {
    const m = live?.metrics ?? {};
    patchInto(
      el,
      h(
        'dl',
        {},
        counter('Answer Rate %', fmtPct(m.answer_rate)),
        counter('Completion Rate %', fmtPct(m.completion_rate)),
        counter('Abandon Rate %', fmtPct(m.abandon_rate)),
        counter('AHT (seconds)', fmtNum(m.aht_s)),
      ),
    );
  }

  return { el, update };
}
