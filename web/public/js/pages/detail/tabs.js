// The Details / Integration tabs (arrow keys move between them).
import { h, patchInto } from '../../dom.js';

const TABS = [
  ['details', 'Details'],
  ['integration', 'Integration'],
];

/** panels: { details: element, integration: element }; shows one at a time. */
export function tabsPart(panels) {
  const el = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Campaign sections' });
  let tab = 'details';

  function select(key, focus = false) {
    tab = key;
    render();
    if (focus) document.getElementById(`tab-${tab}`)?.focus();
  }

  function render() {
    patchInto(
      el,
      TABS.map(([key, label]) =>
        h(
          'button',
          {
            type: 'button',
            role: 'tab',
            id: `tab-${key}`,
            'aria-controls': `panel-${key}`,
            'aria-selected': String(tab === key),
            tabindex: tab === key ? '0' : '-1',
            onclick: () => select(key),
            onkeydown: (e) => {
              if (e.key === 'ArrowRight' || e.key === 'ArrowLeft')
                select(tab === 'details' ? 'integration' : 'details', true);
            },
          },
          label,
        ),
      ),
    );
    for (const [key, panel] of Object.entries(panels)) panel.hidden = tab !== key;
  }

  render();
  return { el, update: render };
}
