// Step 2, Number Pool: the outbound numbers the dialler rotates across (inbound-only ones cannot be ticked).
import { h, checkbox } from '../../dom.js';
import { group } from './controls.js';

export function poolStep({ s, numbers, refresh }) {
  const numberChecks = numbers.map((n) =>
    checkbox(
      [
        n.e164,
        n.label ? h('span', { class: 'muted' }, ` (${n.label})`) : null,
        n.inbound_only ? h('span', { class: 'muted' }, ' — inbound only') : null,
      ],
      {
        value: n.id,
        checked: s.number_ids.has(n.id),
        disabled: Boolean(n.inbound_only),
        onchange: (e) => {
          if (e.target.checked) s.number_ids.add(n.id);
          else s.number_ids.delete(n.id);
          refresh();
        },
      },
    ),
  );
  const poolCount = h('p', { class: 'hint', 'aria-live': 'polite' });
  const el = h(
    'section',
    { 'aria-labelledby': 'step-1-title' },
    h('h2', { id: 'step-1-title', tabindex: '-1' }, '2. Number Pool'),
    group(
      'Select outbound numbers',
      numbers.length
        ? h(
            'div',
            { class: 'scroll-list' },
            numberChecks.map((c) => c.el),
          )
        : h(
            'p',
            {},
            'No outbound numbers yet. ',
            h('a', { href: '/dashboard/setup' }, 'Add a carrier and a number under Setup'),
            '.',
          ),
      'number_ids',
    ),
    poolCount,
    h(
      'p',
      { class: 'hint' },
      'The dialler rotates across every ticked number. Carrier dial-rate (CPS) caps are set under Setup → Carriers.',
    ),
  );

  return {
    el,
    valid: () => s.number_ids.size > 0,
    refresh() {
      poolCount.textContent = `${s.number_ids.size} selected`;
    },
  };
}
