// The wizard's "Calling rules" part: what a dial answered by a machine does (hang up, or leave a message).
// The wizard mounts `el`, merges `body()` into the campaign it sends and lists `review()` on its last step.
import { h, field } from '../dom.js';

/** Human wording of a campaign's voicemail setting (also used by the config panel). */
export function voicemailLabel(voicemail) {
  if (voicemail?.action === 'message') return `Leave a message: “${voicemail.message ?? ''}”`;
  return 'Hang up';
}

/** The config panel's rows for these settings. */
export function complianceRows(cfg) {
  return [['Answering Machines', voicemailLabel(cfg?.voicemail)]];
}

export function complianceFields(cfg, onChange) {
  const voicemail = cfg?.voicemail ?? { action: 'hangup' };
  const state = {
    action: voicemail.action === 'message' ? 'message' : 'hangup',
    message: voicemail.message ?? '',
  };
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
    onChange?.();
  }

  const el = h(
    'div',
    { class: 'stack', dataset: { part: 'calling-rules' } },
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

  return {
    el,
    body: () => ({
      voicemail:
        state.action === 'message'
          ? { action: 'message', message: state.message.trim() }
          : { action: 'hangup' },
    }),
    review: () => [
      ['Answering machines', voicemailLabel(state.action === 'message' ? state : { action: 'hangup' })],
    ],
    valid: () => state.action !== 'message' || state.message.trim() !== '',
  };
}
