// The wizard's step pills: one button per step, current and done steps marked, a step reachable only when
// every step before it is valid.
import { h, clear } from '../../dom.js';

export function stepPills({ labels, go }) {
  const el = h('ol', { class: 'steps', 'aria-label': 'Wizard steps' });

  /** step: the current one; valid(i), reachable(i): the wizard's checks. */
  function update({ step, valid, reachable }) {
    clear(el);
    labels.forEach((label, i) => {
      const done = i < step && valid(i);
      el.append(
        h(
          'li',
          { class: i === step ? 'current' : done ? 'done' : '' },
          h(
            'button',
            {
              type: 'button',
              'aria-current': i === step ? 'step' : null,
              disabled: !reachable(i),
              onclick: () => go(i),
            },
            `${i + 1} ${label}`,
          ),
        ),
      );
    });
  }

  return { el, update };
}
