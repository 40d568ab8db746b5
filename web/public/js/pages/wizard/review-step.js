// Step 5, Review: every setting as it will be sent, the file's contact count and phone sample, the
// redial-rule overlap, and the guardrails (warnings that never block saving).
import { h, clear } from '../../dom.js';
import { numberLabel, fmtDays, fmtList, fmtBytes } from '../../format.js';
import { guardrails } from './guardrails.js';
import { overlap } from './form-state.js';
import { phoneSample } from './csv-step.js';

/** body(): the request body as it stands; campaign(): the campaign being edited, null while creating. */
export function reviewStep({ s, bots, numbers, carriers, locked, campaign, body, callingRules }) {
  const reviewGrid = h('dl', { class: 'grid' });
  const reviewWarning = h('p', { class: 'alert alert-warn', hidden: true });
  const guardrailBox = h('div', { class: 'guardrails' });
  const el = h(
    'section',
    { 'aria-labelledby': 'step-4-title' },
    h('h2', { id: 'step-4-title', tabindex: '-1' }, '5. Review'),
    reviewGrid,
    reviewWarning,
    guardrailBox,
  );

  function refresh() {
    const ov = overlap(s);
    reviewWarning.textContent = ov ?? '';
    reviewWarning.hidden = !ov;

    const bot = bots.find((b) => b.id === s.bot_id);
    const chosen = numbers.filter((n) => s.number_ids.has(n.id));
    const b = body();
    const rows = [
      ['Name', s.name.trim() || '--'],
      ['Bot', bot?.name ?? (s.bot_id || '--')],
      [
        'Numbers',
        `${chosen.length} selected${chosen.length ? `: ${chosen.map(numberLabel).join(', ')}` : ''}`,
      ],
      [
        'CSV',
        locked()
          ? 'Locked (existing contacts kept)'
          : s.file
            ? `${s.file.name} (${fmtBytes(s.file.size)})`
            : campaign()
              ? 'No new file (existing contacts kept)'
              : 'None',
      ],
      ...(s.file && !locked()
        ? [
            ['Contacts in file', s.rowCount === null ? 'Counting…' : s.rowCount.toLocaleString('en-US')],
            ['Phone format sample', phoneSample(s.preview) ?? '--'],
          ]
        : []),
      ['Concurrency', String(b.concurrency)],
      ['Mode', b.mode === 'multi_day' ? 'Multi Day' : 'Single Day'],
      ['Always-on', b.always_on ? 'Yes' : 'No'],
      ['Time Window', `${b.window.start}–${b.window.end} ${b.window.timezone}`],
      ['Working Days', fmtDays(b.working_days)],
      ['Max Attempts', String(b.max_attempts)],
      ['Retry Delay', `${b.retry_delay_minutes} min`],
      ['Retry on System', fmtList(b.retry_on_system)],
      ['Custom Retry Dispositions', fmtList(b.retry_on_custom)],
      [
        'Stop redials after',
        b.stop_redials_after_connect_s === null ? 'Off' : `${b.stop_redials_after_connect_s}s`,
      ],
      [
        'Redial after short connect',
        b.redial_short_connect_s === null ? 'Off' : `under ${b.redial_short_connect_s}s`,
      ],
      ['Callback Detection', b.callback_detection ? 'On' : 'Off'],
      ['Sticky Exclusion', b.sticky_exclusion ? 'On' : 'Off'],
      ...callingRules.review(),
    ];
    clear(reviewGrid);
    for (const [k, v] of rows) reviewGrid.append(h('div', {}, h('dt', {}, k), h('dd', {}, v)));
    const warnings = guardrails({ chosen, carriers, bot, body: b });
    if (guardrailBox.dataset.text !== warnings.join('|')) {
      guardrailBox.dataset.text = warnings.join('|');
      clear(guardrailBox);
      for (const w of warnings) guardrailBox.append(h('p', { class: 'alert alert-warn guardrail' }, w));
    }
  }

  return { el, valid: () => true, refresh };
}
