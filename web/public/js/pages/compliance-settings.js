// The wizard's "Calling rules" part: calling hours on each contact's own clock, and what a dial answered by
// a machine does (hang up, or leave a message). The wizard mounts `el`, merges `body()` into the campaign it
// sends and lists `review()` on its last step; the config panel shows `complianceRows`.
import { h, field, checkbox } from '../dom.js';

/** Human wording of a campaign's recipient hours. */
export function recipientHoursLabel(hours) {
  return hours ? `${hours.start}–${hours.end} in each contact’s timezone` : 'Off';
}

/** Human wording of a campaign's voicemail setting. */
export function voicemailLabel(voicemail) {
  if (voicemail?.action === 'message') return `Leave a message: “${voicemail.message ?? ''}”`;
  return 'Hang up';
}

/** The config panel's rows for these settings. */
export function complianceRows(cfg) {
  return [
    ['Recipient Hours', recipientHoursLabel(cfg?.recipient_hours)],
    ['Answering Machines', voicemailLabel(cfg?.voicemail)],
  ];
}

export function complianceFields(cfg, onChange) {
  const voicemail = cfg?.voicemail ?? { action: 'hangup' };
  const state = {
    action: voicemail.action === 'message' ? 'message' : 'hangup',
    message: voicemail.message ?? '',
  };
  const hours = {
    on: Boolean(cfg?.recipient_hours),
    start: cfg?.recipient_hours?.start ?? '09:00',
    end: cfg?.recipient_hours?.end ?? '20:00',
  };

  const hoursToggle = checkbox('Only call inside these hours on the contact’s own clock', {
    checked: hours.on,
    onchange: (e) => ((hours.on = e.target.checked), changed()),
  });
  const timeInput = (key) => {
    const input = h('input', { type: 'time', value: hours[key], required: true });
    input.addEventListener('input', () => ((hours[key] = input.value), changed()));
    return input;
  };
  const hoursFields = h(
    'div',
    { class: 'row' },
    field('From', timeInput('start'), { field: 'recipient_hours.start', hint: '24-hour HH:MM' }),
    field('Until', timeInput('end'), { field: 'recipient_hours.end', hint: '24-hour HH:MM' }),
  );

  const message = h('textarea', {
    rows: '2',
    maxlength: '1000',
    placeholder: 'Hi, this is Ori calling about your account. Please call us back.',
    oninput: () => ((state.message = message.value), changed()),
  });
  message.value = state.message;
  const messageField = field('Voicemail message', message, {
    field: 'voicemail.message',
    hint: 'Words the switch speaks, or a recording’s path or URL (…/message.wav).',
  });
  const radio = (value, label, hint) =>
    h(
      'label',
      { class: 'check' },
      h('input', {
        type: 'radio',
        name: 'voicemail_action',
        value,
        checked: state.action === value,
        onchange: () => ((state.action = value), changed()),
      }),
      ' ',
      h('span', {}, h('strong', {}, label), h('span', { class: 'hint block' }, hint)),
    );

  function changed() {
    messageField.hidden = state.action !== 'message';
    hoursFields.hidden = !hours.on;
    onChange?.();
  }

  const el = h(
    'div',
    { class: 'stack', dataset: { part: 'calling-rules' } },
    h('h3', {}, 'Recipient hours'),
    h(
      'div',
      { class: 'field' },
      hoursToggle.el,
      h(
        'p',
        { class: 'hint' },
        'On top of the time window: each contact is called only inside these hours in its own timezone ' +
          '(a “timezone” CSV column or trigger field; otherwise the campaign’s timezone).',
      ),
    ),
    hoursFields,
    h('h3', {}, 'Answering machines'),
    h(
      'fieldset',
      { class: 'field', dataset: { field: 'voicemail.action' } },
      h('legend', {}, 'When a machine answers'),
      radio('hangup', 'Hang up', 'no message is left'),
      radio('message', 'Leave a message', 'play it, then hang up'),
    ),
    messageField,
  );
  // Not changed(): the wizard's onChange re-renders a form still being built.
  messageField.hidden = state.action !== 'message';
  hoursFields.hidden = !hours.on;

  const hoursValid = () => !hours.on || (hours.start !== '' && hours.end !== '' && hours.end > hours.start);
  return {
    el,
    body: () => ({
      recipient_hours: hours.on ? { start: hours.start, end: hours.end } : null,
      voicemail:
        state.action === 'message'
          ? { action: 'message', message: state.message.trim() }
          : { action: 'hangup' },
    }),
    review: () => [
      ['Recipient hours', recipientHoursLabel(hours.on ? hours : null)],
      ['Answering machines', voicemailLabel(state.action === 'message' ? state : { action: 'hangup' })],
    ],
    valid: () => hoursValid() && (state.action !== 'message' || state.message.trim() !== ''),
  };
}
