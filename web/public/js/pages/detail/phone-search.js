// The call list's phone search: any of a contact's numbers as a person types it ("98765 43210",
// "+1 (415) 555-0142") or a few of its digits; the API reads it with the campaign's phone rules.
import { h } from '../../dom.js';

/** onSearch(text): the operator searched (Enter, or the field was cleared); '' means no filter. */
export function phoneSearchField({ onSearch }) {
  const input = h('input', {
    id: 'phone-search',
    type: 'search',
    inputmode: 'tel',
    autocomplete: 'off',
    placeholder: 'e.g. 98765 43210',
    onchange: () => onSearch(input.value.trim()),
    onsearch: () => onSearch(input.value.trim()),
  });
  const el = h('div', { class: 'field' }, h('label', { for: 'phone-search' }, 'Phone'), input);
  return { el, value: () => input.value.trim() };
}
