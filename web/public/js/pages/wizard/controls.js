// Form controls the wizard's steps share: a fieldset with an error slot, number and HH:MM inputs that
// write the state and refresh the wizard as the operator types.
import { h, uid } from '../../dom.js';

/** A fieldset with a legend and an error slot addressable by its API field name. */
export function group(legend, content, apiField) {
  const id = uid('grp');
  const err = h('p', { class: 'field-error', id: `${id}-error`, hidden: true });
  return h(
    'fieldset',
    { class: 'group', id, dataset: { field: apiField }, 'aria-describedby': err.id },
    h('legend', {}, legend),
    content,
    err,
  );
}

export function numberInput(value, set, refresh) {
  const input = h('input', { type: 'number', min: '1', step: '1', inputmode: 'numeric', value });
  input.addEventListener('input', () => {
    set(input.value);
    refresh();
  });
  return input;
}

export function timeInput(value, set, refresh) {
  const input = h('input', {
    type: 'text',
    value,
    required: true,
    inputmode: 'numeric',
    maxlength: '5',
    placeholder: 'HH:MM',
    pattern: '([01][0-9]|2[0-3]):[0-5][0-9]',
    autocomplete: 'off',
    class: 'time',
  });
  input.addEventListener('input', () => {
    set(input.value.trim());
    refresh();
  });
  return input;
}
