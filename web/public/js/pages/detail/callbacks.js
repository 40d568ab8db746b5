// Callbacks (only with callback detection on): requested, pending, completed, and the average delay.
import { h, patchInto } from '../../dom.js';
import { fmtInt, fmtNum } from '../../format.js';
import { counter } from './cells.js';

export function callbacksPart() {
  const el = h('div', {});

  function update({ campaign, live }) {
    if (!campaign.config?.callback_detection) return void patchInto(el);
    const cb = live?.callbacks ?? {};
    patchInto(
      el,
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'callbacks-title' },
        h('h2', { id: 'callbacks-title' }, 'Callbacks'),
        h(
          'dl',
          { class: 'counters' },
          counter('Callbacks requested', fmtInt(cb.requested)),
          counter('Callbacks pending', fmtInt(cb.pending)),
          counter('Callbacks completed', fmtInt(cb.completed)),
          counter(
            'Avg delay',
            typeof cb.avg_delay_s === 'number' ? `${fmtNum(cb.avg_delay_s / 60)} min` : '--',
          ),
        ),
      ),
    );
  }

  return { el, update };
}
