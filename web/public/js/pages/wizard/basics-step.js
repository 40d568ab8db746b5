// Step 1, Basics: the campaign's name and bot (fixed after the first run, so attempts stay audit-safe).
import { h, field } from '../../dom.js';

export function basicsStep({ s, bots, refresh, locked }) {
  const nameInput = h('input', {
    type: 'text',
    autocomplete: 'off',
    value: s.name,
    placeholder: 'Q2 Renewal Drive',
    required: true,
    oninput: () => {
      s.name = nameInput.value;
      refresh();
    },
  });
  const botSelect = h(
    'select',
    {
      required: true,
      onchange: () => {
        s.bot_id = botSelect.value;
        refresh();
      },
    },
    h('option', { value: '' }, bots.length ? 'Choose a bot…' : 'No bots yet'),
    bots.map((b) => h('option', { value: b.id, selected: b.id === s.bot_id }, b.name)),
  );
  const lockNote = h(
    'p',
    { class: 'alert alert-info', hidden: true },
    'These fields stay fixed so old and new attempts remain audit-safe.',
  );
  const el = h(
    'section',
    { 'aria-labelledby': 'step-0-title' },
    h('h2', { id: 'step-0-title', tabindex: '-1' }, '1. Basics'),
    lockNote,
    field('Campaign Name', nameInput, { field: 'name' }),
    field('Bot', botSelect, {
      field: 'bot_id',
      hint: 'The bot that runs the conversation. Pick the one already tested.',
    }),
    bots.length
      ? null
      : h(
          'p',
          { class: 'hint' },
          'No bots yet. ',
          h('a', { href: '/dashboard/setup' }, 'Create a bot under Setup'),
          '.',
        ),
  );

  return {
    el,
    valid: () => s.name.trim().length > 0 && Boolean(s.bot_id),
    refresh() {
      nameInput.disabled = locked();
      botSelect.disabled = locked();
      lockNote.hidden = !locked();
    },
  };
}
