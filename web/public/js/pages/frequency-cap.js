// Setup › Frequency cap: the organisation's limit on calls to one number across every campaign, in a
// rolling window (GET/PATCH /settings). A contact over it waits until the cap allows a call; it is not failed.
import { api } from '../api.js';
import { h, field, checkbox, errorBox, showError, clearErrors, toast, fill } from '../dom.js';

/** Human wording of the cap. */
export function frequencyCapLabel(cap) {
  return cap
    ? `At most ${cap.max_calls} call${cap.max_calls === 1 ? '' : 's'} to a number in ${cap.per_hours} h, across every campaign`
    : 'Off: numbers are called as often as their campaigns allow';
}

/** The section element and its disposer (stops a pending load from writing into a page left behind). */
export function frequencyCapSection() {
  let alive = true;
  const box = errorBox();
  const status = h('p', { class: 'muted', 'aria-live': 'polite', dataset: { part: 'frequency-cap-status' } });
  const enabled = checkbox('Limit the calls to one number', {
    onchange: () => showInputs(),
  });
  const number = (apiField, label, hint) => {
    const input = h('input', { type: 'number', min: '1', step: '1', required: true, inputmode: 'numeric' });
    return { input, el: field(label, input, { field: apiField, hint }) };
  };
  // 3 per 24 h: the usual rule (Florida's, for one subject).
  const maxCalls = number('frequency_cap.max_calls', 'Calls', 'At most this many calls to one number');
  const perHours = number('frequency_cap.per_hours', 'In hours', 'In any window of this many hours');
  const inputs = h('div', { class: 'row' }, maxCalls.el, perHours.el);
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Save frequency cap');

  function showInputs() {
    inputs.hidden = !enabled.input.checked;
  }

  function render(cap) {
    fill(status, frequencyCapLabel(cap));
    enabled.input.checked = Boolean(cap);
    maxCalls.input.value = String(cap?.max_calls ?? 3);
    perHours.input.value = String(cap?.per_hours ?? 24);
    showInputs();
  }

  const form = h(
    'form',
    {
      novalidate: true,
      'aria-label': 'Frequency cap',
      onsubmit: async (e) => {
        e.preventDefault();
        clearErrors(box, form);
        submit.disabled = true;
        const cap = enabled.input.checked
          ? { max_calls: wholeOrNull(maxCalls.input.value), per_hours: wholeOrNull(perHours.input.value) }
          : null;
        try {
          const saved = await api.patch('/settings', { frequency_cap: cap });
          if (!alive) return;
          render(saved.frequency_cap);
          toast('Frequency cap saved');
        } catch (err) {
          if (alive && err.status !== 401) showError(box, err, form);
        } finally {
          submit.disabled = false;
        }
      },
    },
    box,
    enabled.el,
    inputs,
    h('div', {}, submit),
  );

  const el = h(
    'section',
    { class: 'card', 'aria-labelledby': 'frequency-cap-title' },
    h('h2', { id: 'frequency-cap-title' }, 'Frequency cap'),
    h(
      'p',
      { class: 'hint' },
      'Counts the calls actually placed to a number by every campaign. A contact over the cap waits until ' +
        'the cap allows its next call; it is not failed.',
    ),
    status,
    form,
  );

  async function load() {
    try {
      const settings = await api.get('/settings');
      if (alive) render(settings.frequency_cap);
    } catch (err) {
      if (alive && err.status !== 401) showError(box, err);
    }
  }
  void load();

  return {
    el,
    dispose() {
      alive = false;
    },
  };
}

/** A whole number typed by the operator, or null (the API names the field when it is missing or wrong). */
function wholeOrNull(text) {
  const n = Number(text);
  return text.trim() !== '' && Number.isFinite(n) ? n : null;
}
