// The small building blocks the detail page's parts share: a labelled value and a live counter.
import { h } from '../../dom.js';

export function kv(label, value, note) {
  return h(
    'div',
    {},
    h('dt', {}, label),
    h('dd', {}, value, note ? h('span', { class: 'hint block' }, note) : null),
  );
}

export function counter(label, value, cls = '') {
  return h('div', { class: `counter ${cls}` }, h('dt', {}, label), h('dd', {}, value));
}
