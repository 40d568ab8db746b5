// The five-step create/edit wizard (fields: docs/rules.md "Campaign configuration"): Basics, Number Pool,
// Dialler Config, Upload CSV, Review. Next stays disabled until the step is valid; the POST/PATCH body uses
// the docs/api.md field names.
import { api, listOf } from '../api.js';
import { h, clear, field, checkbox, errorBox, showError, clearErrors, toast, uid, append } from '../dom.js';
import { previewCsv, phoneColumns, countCsvRows } from '../csv.js';
import { guardrails } from './wizard/guardrails.js';
import { fieldLabel } from '../words.js';
import { complianceFields } from './compliance-settings.js';
import {
  WEEKDAYS,
  DAY_LABEL,
  SYSTEM_OUTCOMES,
  OUTCOME_LABEL,
  TIMEZONES,
  botIdOf,
  numberIdsOf,
  hasRun,
  canEdit,
  numberLabel,
  fmtDays,
  fmtList,
  fmtBytes,
  statusBadge,
} from '../format.js';

const STEPS = ['Basics', 'Number Pool', 'Dialler Config', 'Upload CSV', 'Review'];
const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const FIELD_STEP = { name: 0, bot_id: 0, number_ids: 1, contacts: 3 };

const intOr = (value, fallback) => {
  const n = Number.parseInt(String(value ?? ''), 10);
  return Number.isFinite(n) && n >= 1 ? n : fallback;
};
const minutes = (hhmm) => (HHMM.test(hhmm) ? Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5)) : null);

function displayTimezone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

export function wizardPage(main, { id }, { navigate }) {
  const editing = Boolean(id);
  document.title = `${editing ? 'Edit campaign' : 'New campaign'} · Ori Dialler`;
  main.append(h('p', { class: 'muted' }, 'Loading…'));
  let alive = true;

  Promise.all([
    api.get('/bots'),
    api.get('/numbers'),
    editing ? api.get(`/campaigns/${encodeURIComponent(id)}`) : Promise.resolve(null),
    api.get('/carriers').catch(() => []),
  ])
    .then(([bots, numbers, campaign, carriers]) => {
      if (!alive) return;
      clear(main);
      build(main, {
        bots: listOf(bots, 'bots'),
        numbers: listOf(numbers, 'numbers'),
        carriers: listOf(carriers, 'carriers'),
        campaign,
        navigate,
      });
    })
    .catch((err) => {
      if (!alive || err.status === 401) return;
      clear(main);
      const box = errorBox();
      main.append(h('a', { class: 'back', href: '/dashboard/campaigns' }, '← Campaigns'), box);
      showError(box, err);
    });

  return () => {
    alive = false;
  };
}

function build(main, { bots, numbers, carriers, campaign: initial, navigate }) {
  let campaign = initial;
  const tz = displayTimezone();
  const cfg = campaign?.config ?? {};
  const s = {
    name: campaign?.name ?? '',
    bot_id: botIdOf(campaign) ?? '',
    number_ids: new Set(numberIdsOf(campaign)),
    concurrency: String(cfg.concurrency ?? 50),
    mode: cfg.mode ?? 'single_day',
    always_on: Boolean(cfg.always_on),
    start: cfg.window?.start ?? '09:00',
    end: cfg.window?.end ?? '18:00',
    timezone: cfg.window?.timezone ?? tz,
    days: new Set(cfg.working_days ?? WEEKDAYS),
    max_attempts: String(cfg.max_attempts ?? 3),
    retry_delay_minutes: String(cfg.retry_delay_minutes ?? 30),
    retry_on_system: new Set(cfg.retry_on_system ?? []),
    retry_on_custom: (cfg.retry_on_custom ?? []).join(', '),
    stop_on: cfg.stop_redials_after_connect_s != null,
    stop_s: String(cfg.stop_redials_after_connect_s ?? 30),
    redial_on: cfg.redial_short_connect_s != null,
    redial_s: String(cfg.redial_short_connect_s ?? 15),
    callback_detection: Boolean(cfg.callback_detection),
    sticky_exclusion: Boolean(cfg.sticky_exclusion),
    file: null,
    preview: null,
    /** Data rows in the chosen file (counted in the background), null while counting. */
    rowCount: null,
  };
  let step = 0;
  let busy = false;
  const numberInput = (value, set) => {
    const input = h('input', { type: 'number', min: '1', step: '1', inputmode: 'numeric', value });
    input.addEventListener('input', () => {
      set(input.value);
      refresh();
    });
    return input;
  };
  const editable = () => !campaign || canEdit(campaign);
  const locked = () => Boolean(campaign && hasRun(campaign));

  // ---- header, notices, pills -------------------------------------------------------------------
  const backHref = campaign ? `/dashboard/campaigns/${campaign.id}` : '/dashboard/campaigns';
  const title = h('h1', {}, campaign ? `Edit ${campaign.name}` : 'New Campaign');
  const notices = h('div', {});
  const pills = h('ol', { class: 'steps', 'aria-label': 'Wizard steps' });
  const box = errorBox();
  const form = h('form', { class: 'card wizard', novalidate: true, onsubmit: (e) => e.preventDefault() });
  const fields = h('fieldset', { class: 'plain' });
  form.append(fields);

  // ---- step 1: basics ---------------------------------------------------------------------------
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
  const stepBasics = h(
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

  // ---- step 2: number pool ----------------------------------------------------------------------
  const numberChecks = numbers.map((n) => {
    const { input, el } = checkbox(
      [
        n.e164,
        n.label ? h('span', { class: 'muted' }, ` (${n.label})`) : null,
        n.inbound_only ? h('span', { class: 'muted' }, ' — inbound only') : null,
      ],
      {
        value: n.id,
        checked: s.number_ids.has(n.id),
        disabled: Boolean(n.inbound_only),
        onchange: (e) => {
          if (e.target.checked) s.number_ids.add(n.id);
          else s.number_ids.delete(n.id);
          refresh();
        },
      },
    );
    return { input, el };
  });
  const poolCount = h('p', { class: 'hint', 'aria-live': 'polite' });
  const stepPool = h(
    'section',
    { 'aria-labelledby': 'step-1-title' },
    h('h2', { id: 'step-1-title', tabindex: '-1' }, '2. Number Pool'),
    group(
      'Select outbound numbers',
      numbers.length
        ? h(
            'div',
            { class: 'scroll-list' },
            numberChecks.map((c) => c.el),
          )
        : h(
            'p',
            {},
            'No outbound numbers yet. ',
            h('a', { href: '/dashboard/setup' }, 'Add a carrier and a number under Setup'),
            '.',
          ),
      'number_ids',
    ),
    poolCount,
    h(
      'p',
      { class: 'hint' },
      'The dialler rotates across every ticked number. Carrier dial-rate (CPS) caps are set under Setup → Carriers.',
    ),
  );

  // ---- step 3: dialler config -------------------------------------------------------------------
  const concurrency = numberInput(s.concurrency, (v) => (s.concurrency = v));
  concurrency.addEventListener('blur', () => {
    s.concurrency = String(intOr(concurrency.value, 50));
    concurrency.value = s.concurrency;
    refresh();
  });
  const modeName = uid('mode');
  const modeRadio = (value, label, hint) => {
    const input = h('input', {
      type: 'radio',
      name: modeName,
      value,
      checked: s.mode === value,
      onchange: () => {
        s.mode = value;
        if (value === 'single_day') s.always_on = false;
        refresh();
      },
    });
    return h(
      'label',
      { class: 'check' },
      input,
      ' ',
      h('span', {}, h('strong', {}, label), h('span', { class: 'hint block' }, hint)),
    );
  };
  const alwaysOn = checkbox('Always-on: never auto-complete; runs until stopped. The CSV becomes optional.', {
    checked: s.always_on,
    onchange: (e) => {
      s.always_on = e.target.checked;
      refresh();
    },
  });
  alwaysOn.input.dataset.field = 'always_on';
  const timeInput = (value, set) => {
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
  };
  const startInput = timeInput(s.start, (v) => (s.start = v));
  const endInput = timeInput(s.end, (v) => (s.end = v));
  const zones = TIMEZONES.includes(s.timezone) ? TIMEZONES : [s.timezone, ...TIMEZONES];
  const tzSelect = h(
    'select',
    { onchange: () => ((s.timezone = tzSelect.value), refresh()) },
    zones.map((z) => h('option', { value: z, selected: z === s.timezone }, z)),
  );
  const windowError = h('p', { class: 'field-error', role: 'alert', hidden: true });
  const dayChecks = WEEKDAYS.map((d) =>
    checkbox(DAY_LABEL[d], {
      value: d,
      checked: s.days.has(d),
      onchange: (e) => {
        if (e.target.checked) s.days.add(d);
        else s.days.delete(d);
        refresh();
      },
    }),
  );
  const daysError = h(
    'p',
    { class: 'field-error', role: 'alert', hidden: true },
    'Tick at least one working day.',
  );
  const maxAttempts = numberInput(s.max_attempts, (v) => (s.max_attempts = v));
  const retryDelay = numberInput(s.retry_delay_minutes, (v) => (s.retry_delay_minutes = v));
  const systemChecks = SYSTEM_OUTCOMES.map((o) =>
    checkbox(OUTCOME_LABEL[o], {
      value: o,
      checked: s.retry_on_system.has(o),
      onchange: (e) => {
        if (e.target.checked) s.retry_on_system.add(o);
        else s.retry_on_system.delete(o);
        refresh();
      },
    }),
  );
  const customInput = h('input', {
    type: 'text',
    value: s.retry_on_custom,
    placeholder: 'callback_requested, not_available',
    oninput: () => ((s.retry_on_custom = customInput.value), refresh()),
  });
  const stopRule = checkbox('Stop redials after a meaningful connect', {
    checked: s.stop_on,
    onchange: (e) => ((s.stop_on = e.target.checked), refresh()),
  });
  const stopSeconds = numberInput(s.stop_s, (v) => (s.stop_s = v));
  const stopField = field('Connected longer than (seconds)', stopSeconds, {
    field: 'stop_redials_after_connect_s',
    hint: 'Cancels remaining redials when the last connected call lasted longer than this. Blank or below 1 uses 30.',
  });
  const redialRule = checkbox('Redial after a short connect', {
    checked: s.redial_on,
    onchange: (e) => ((s.redial_on = e.target.checked), refresh()),
  });
  const redialSeconds = numberInput(s.redial_s, (v) => (s.redial_s = v));
  const redialField = field('Connected shorter than (seconds)', redialSeconds, {
    field: 'redial_short_connect_s',
    hint: 'Redials when the last connected call was shorter than this. Blank or below 1 uses 15.',
  });
  const overlapWarning = h('p', { class: 'alert alert-warn', hidden: true });
  const callbackDetection = checkbox('Callback Detection', {
    checked: s.callback_detection,
    onchange: (e) => ((s.callback_detection = e.target.checked), refresh()),
  });
  const stickyExclusion = checkbox('Sticky exclusion', {
    checked: s.sticky_exclusion,
    onchange: (e) => ((s.sticky_exclusion = e.target.checked), refresh()),
  });
  const alwaysOnWrap = h('div', { class: 'field' }, alwaysOn.el);
  const callingRules = complianceFields(cfg, () => refresh());
  const stepConfig = h(
    'section',
    { 'aria-labelledby': 'step-2-title' },
    h('h2', { id: 'step-2-title', tabindex: '-1' }, '3. Dialler Config'),
    h('h3', {}, 'Concurrency and mode'),
    field('Concurrency Limit', concurrency, {
      field: 'concurrency',
      hint: 'Calls allowed at the same time (the seat budget). Blank or below 1 uses 50.',
    }),
    group(
      'Campaign Mode',
      h(
        'div',
        { class: 'stack' },
        modeRadio('single_day', 'Single Day', 'Stops when the time window ends and does not resume.'),
        modeRadio('multi_day', 'Multi Day', 'Pauses at the cutoff and resumes the next working day.'),
      ),
      'mode',
    ),
    alwaysOnWrap,
    h('h3', {}, 'Time window and working days'),
    group(
      'Time Window',
      h(
        'div',
        { class: 'row' },
        field('Start', startInput, { field: 'window.start', hint: '24-hour HH:MM' }),
        field('End', endInput, { field: 'window.end', hint: '24-hour HH:MM' }),
        field('Timezone', tzSelect, { field: 'window.timezone' }),
      ),
      'window',
    ),
    windowError,
    group(
      'Working Days',
      h(
        'div',
        { class: 'row wrap' },
        dayChecks.map((c) => c.el),
      ),
      'working_days',
    ),
    daysError,
    h('h3', {}, 'Retries'),
    h(
      'div',
      { class: 'row' },
      field('Max Attempts', maxAttempts, {
        field: 'max_attempts',
        hint: 'Includes the first attempt. Blank or below 1 uses 3.',
      }),
      field('Retry Delay (minutes)', retryDelay, {
        field: 'retry_delay_minutes',
        hint: 'Blank or below 1 uses 30.',
      }),
    ),
    group(
      'Retry on System Dispositions',
      h(
        'div',
        { class: 'row wrap' },
        systemChecks.map((c) => c.el),
      ),
      'retry_on_system',
    ),
    field('Custom Retry Dispositions', customInput, {
      field: 'retry_on_custom',
      hint: 'Comma-separated business dispositions from post-call analysis.',
    }),
    h('h3', {}, 'Redial and stop rules'),
    h('div', { class: 'field' }, stopRule.el),
    stopField,
    h('div', { class: 'field' }, redialRule.el),
    redialField,
    overlapWarning,
    h('h3', {}, 'Callbacks and exclusion'),
    h(
      'div',
      { class: 'field' },
      callbackDetection.el,
      h(
        'p',
        { class: 'hint' },
        'The bot’s own callback setting must be on too for callbacks to be scheduled.',
      ),
    ),
    h(
      'div',
      { class: 'field' },
      stickyExclusion.el,
      h('p', { class: 'hint' }, 'An excluded contact stays suppressed even if it is re-added by CSV or API.'),
    ),
    callingRules.el,
  );

  // ---- step 4: upload CSV -----------------------------------------------------------------------
  const fileInput = h('input', {
    type: 'file',
    accept: '.csv,text/csv',
    class: 'sr-only',
    tabindex: '-1',
    onchange: () => chooseFile(fileInput.files?.[0] ?? null),
  });
  fileInput.dataset.field = 'contacts';
  const fileId = uid('csv');
  fileInput.id = fileId;
  const csvNote = h('p', { class: 'alert alert-info' });
  const csvError = h('p', { class: 'alert alert-error', role: 'alert', hidden: true });
  const previewBox = h('div', {});
  const dropzone = h(
    'div',
    {
      class: 'dropzone',
      ondragover: (e) => {
        e.preventDefault();
        dropzone.classList.add('over');
      },
      ondragleave: () => dropzone.classList.remove('over'),
      ondrop: (e) => {
        e.preventDefault();
        dropzone.classList.remove('over');
        if (!fileInput.disabled) void chooseFile(e.dataTransfer?.files?.[0] ?? null);
      },
    },
    h('label', { for: fileId }, 'Contacts CSV'),
    fileInput,
    h('p', { class: 'muted' }, 'Drag a CSV here, or'),
    h('button', { type: 'button', class: 'btn', onclick: () => fileInput.click() }, 'Browse'),
    h(
      'p',
      { class: 'hint' },
      'A phone_number column (or phone1 … phone10); other columns become per-call variables. Max 100 MB or 500,000 rows.',
    ),
  );
  const stepCsv = h(
    'section',
    { 'aria-labelledby': 'step-3-title' },
    h('h2', { id: 'step-3-title', tabindex: '-1' }, '4. Upload CSV'),
    csvNote,
    dropzone,
    csvError,
    previewBox,
  );

  async function chooseFile(file) {
    s.file = file;
    s.rowCount = null;
    s.preview = file ? await previewCsv(file) : null;
    renderPreview();
    refresh();
    if (file && !s.preview?.error) {
      const count = await countCsvRows(file).catch(() => null);
      if (s.file === file) {
        s.rowCount = count;
        refresh();
      }
    }
  }

  /** A few phone values as the file has them: what the import will read as numbers. */
  function phoneSample() {
    const p = s.preview;
    if (!p || p.error) return null;
    const col = p.header.findIndex((c) => phoneColumns([c]).length > 0);
    const values = p.rows
      .map((r) => (r[col] ?? '').trim())
      .filter(Boolean)
      .slice(0, 3);
    return values.length ? values.join(', ') : null;
  }

  function renderPreview() {
    clear(previewBox);
    csvError.hidden = true;
    if (!s.file || !s.preview) return;
    if (s.preview.error) {
      csvError.textContent = `${s.file.name}: ${s.preview.error}`;
      csvError.hidden = false;
      return;
    }
    const { header, rows, more } = s.preview;
    append(previewBox, [
      h(
        'p',
        {},
        h('strong', {}, s.file.name),
        ` · ${fmtBytes(s.file.size)} · phone column: ${phoneColumns(header).join(', ')}`,
      ),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'table preview' },
          h('caption', {}, 'CSV preview: header and first rows'),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              header.map((c) => h('th', { scope: 'col' }, c)),
            ),
          ),
          h(
            'tbody',
            {},
            rows.map((r) =>
              h(
                'tr',
                {},
                header.map((_, i) => h('td', {}, r[i] ?? '')),
              ),
            ),
          ),
        ),
      ),
      more ? h('p', { class: 'hint' }, 'Showing the first rows only.') : null,
    ]);
  }

  // ---- step 5: review ---------------------------------------------------------------------------
  const reviewGrid = h('dl', { class: 'grid' });
  const reviewWarning = h('p', { class: 'alert alert-warn', hidden: true });
  const guardrailBox = h('div', { class: 'guardrails' });
  const stepReview = h(
    'section',
    { 'aria-labelledby': 'step-4-title' },
    h('h2', { id: 'step-4-title', tabindex: '-1' }, '5. Review'),
    reviewGrid,
    reviewWarning,
    guardrailBox,
  );

  const panels = [stepBasics, stepPool, stepConfig, stepCsv, stepReview];
  fields.append(...panels);

  // ---- navigation -------------------------------------------------------------------------------
  const backBtn = h('button', { type: 'button', class: 'btn', onclick: () => go(step - 1) }, 'Back');
  const nextBtn = h(
    'button',
    { type: 'button', class: 'btn btn-primary', onclick: () => go(step + 1) },
    'Next',
  );
  const submitBtn = h(
    'button',
    { type: 'button', class: 'btn btn-primary', onclick: () => void submit() },
    '',
  );
  form.append(h('div', { class: 'wizard-nav' }, backBtn, h('span', { class: 'spacer' }), nextBtn, submitBtn));

  main.append(
    h('a', { class: 'back', href: backHref }, campaign ? '← Back to campaign' : '← Back to campaigns'),
    h('div', { class: 'page-head' }, title, campaign ? statusBadge(campaign.status) : null),
    notices,
    pills,
    box,
    form,
  );

  function windowProblem() {
    const a = minutes(s.start);
    const b = minutes(s.end);
    if (a === null || b === null) return 'Enter the window start and end as 24-hour HH:MM.';
    if (b <= a) return 'The window end must be later than its start on the same day.';
    if (!s.timezone) return 'Choose a timezone.';
    return null;
  }
  const csvRequired = () => !campaign && !(s.mode === 'multi_day' && s.always_on);

  function stepValid(i) {
    switch (i) {
      case 0:
        return s.name.trim().length > 0 && Boolean(s.bot_id);
      case 1:
        return s.number_ids.size > 0;
      case 2:
        return windowProblem() === null && s.days.size > 0 && callingRules.valid();
      case 3:
        if (locked()) return true;
        if (s.file) return Boolean(s.preview) && !s.preview.error;
        return !csvRequired();
      default:
        return true;
    }
  }
  const reachable = (i) => i <= step || [...Array(i).keys()].every(stepValid);

  function go(i) {
    if (i < 0 || i >= STEPS.length || !reachable(i)) return;
    step = i;
    refresh();
    panels[step].querySelector('h2')?.focus?.();
  }

  function overlap() {
    if (!s.stop_on || !s.redial_on) return null;
    const stop = intOr(s.stop_s, 30);
    const redial = intOr(s.redial_s, 15);
    return stop < redial
      ? `Stop-after (${stop}s) is below redial-under (${redial}s): connects between ${stop}s and ${redial}s are ambiguous and the stop rule wins, so those contacts will not be redialled. Set the stop-after value at or above the redial-under value.`
      : null;
  }

  function refresh() {
    // notices (rebuilt only when they change, so screen readers do not hear them on every keystroke)
    const notice =
      campaign && !editable()
        ? `Only draft and paused campaigns can be edited. Current status: ${campaign.status}.`
        : locked()
          ? 'Campaign name, bot, and contacts are locked after the first run. You can rotate outbound numbers and adjust dialler config before pressing Start.'
          : '';
    if (notices.dataset.text !== notice) {
      notices.dataset.text = notice;
      clear(notices);
      if (notice)
        notices.append(
          h('p', { class: `alert ${editable() ? 'alert-info' : 'alert-warn'}`, role: 'status' }, notice),
        );
    }
    fields.disabled = !editable() || busy;
    nameInput.disabled = locked();
    botSelect.disabled = locked();
    lockNote.hidden = !locked();

    // pills
    clear(pills);
    STEPS.forEach((label, i) => {
      const done = i < step && stepValid(i);
      pills.append(
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
    panels.forEach((p, i) => (p.hidden = i !== step));

    // step 2
    poolCount.textContent = `${s.number_ids.size} selected`;

    // step 3
    alwaysOnWrap.hidden = s.mode !== 'multi_day';
    alwaysOn.input.checked = s.always_on;
    const wp = windowProblem();
    windowError.textContent = wp ?? '';
    windowError.hidden = !wp;
    daysError.hidden = s.days.size > 0;
    stopField.hidden = !s.stop_on;
    redialField.hidden = !s.redial_on;
    const ov = overlap();
    for (const el of [overlapWarning, reviewWarning]) {
      el.textContent = ov ?? '';
      el.hidden = !ov;
    }

    // step 4
    if (locked())
      csvNote.textContent =
        'CSV contacts are locked for this campaign. Use Clone if you need a different contact set.';
    else if (campaign)
      csvNote.textContent =
        'Optional. Uploading a CSV on a draft campaign replaces the existing contact list.';
    else if (!csvRequired())
      csvNote.textContent =
        'Optional for an always-on campaign: contacts can be added later through the Trigger API or by appending CSVs.';
    else csvNote.textContent = 'Required. Choose the contact list for this campaign.';
    fileInput.disabled = locked();
    dropzone.hidden = locked();

    // review
    renderReview();

    // buttons
    backBtn.hidden = step === 0;
    nextBtn.hidden = step === STEPS.length - 1;
    nextBtn.disabled = !stepValid(step);
    submitBtn.hidden = step !== STEPS.length - 1;
    submitBtn.disabled = busy || !editable() || ![0, 1, 2, 3].every(stepValid);
    submitBtn.textContent = busy
      ? campaign
        ? 'Saving…'
        : 'Creating…'
      : campaign
        ? 'Save Campaign'
        : 'Create Campaign';
  }

  function renderReview() {
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
            : campaign
              ? 'No new file (existing contacts kept)'
              : 'None',
      ],
      ...(s.file && !locked()
        ? [
            ['Contacts in file', s.rowCount === null ? 'Counting…' : s.rowCount.toLocaleString('en-US')],
            ['Phone format sample', phoneSample() ?? '--'],
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

  /** The POST/PATCH body, docs/api.md names; defaults made explicit so the review shows what is sent. */
  function body() {
    const b = {};
    if (!locked()) {
      b.name = s.name.trim();
      b.bot_id = s.bot_id;
    }
    b.number_ids = numbers.filter((n) => s.number_ids.has(n.id)).map((n) => n.id);
    b.concurrency = intOr(s.concurrency, 50);
    b.mode = s.mode;
    b.always_on = s.mode === 'multi_day' && s.always_on;
    b.window = { start: s.start, end: s.end, timezone: s.timezone };
    b.working_days = WEEKDAYS.filter((d) => s.days.has(d));
    b.max_attempts = intOr(s.max_attempts, 3);
    b.retry_delay_minutes = intOr(s.retry_delay_minutes, 30);
    b.retry_on_system = SYSTEM_OUTCOMES.filter((o) => s.retry_on_system.has(o));
    b.retry_on_custom = s.retry_on_custom
      .split(',')
      .map((x) => x.trim())
      .filter((x, i, all) => x && all.indexOf(x) === i);
    b.stop_redials_after_connect_s = s.stop_on ? intOr(s.stop_s, 30) : null;
    b.redial_short_connect_s = s.redial_on ? intOr(s.redial_s, 15) : null;
    b.callback_detection = s.callback_detection;
    b.sticky_exclusion = s.sticky_exclusion;
    Object.assign(b, callingRules.body());
    return b;
  }

  async function submit() {
    if (busy) return;
    clearErrors(box, form);
    busy = true;
    refresh();
    const creating = !campaign;
    let saved = null;
    try {
      saved = creating
        ? await api.post('/campaigns', body())
        : await api.patch(`/campaigns/${encodeURIComponent(campaign.id)}`, body());
      let upload = null;
      if (s.file && !locked()) {
        try {
          upload = await api.uploadCsv(saved.id, s.file);
        } catch (err) {
          if (err.status === 401) return;
          // The campaign exists now: keep editing it instead of creating a second one.
          campaign = saved;
          window.history.replaceState({}, '', `/dashboard/campaigns/${saved.id}/edit`);
          title.textContent = `Edit ${saved.name}`;
          busy = false;
          step = 3;
          refresh();
          showError(
            box,
            {
              message: `${creating ? 'The campaign was created as a draft' : 'The settings were saved'}, but the CSV upload failed: ${err.message}`,
              details: err.details,
            },
            form,
          );
          return;
        }
      }
      toast(creating ? 'Campaign created' : 'Campaign updated');
      navigate(`/dashboard/campaigns/${saved.id}`, { flash: { upload, warnings: saved.warnings } });
    } catch (err) {
      if (err.status === 401) return;
      busy = false;
      refresh();
      showError(box, err, form, {
        listAll: true,
        label: (d) => `${STEPS[FIELD_STEP[d.field] ?? 2]} — ${fieldLabel(d.field)}`,
      });
      box.scrollIntoView({ block: 'nearest' });
    }
  }

  refresh();
}

/** A fieldset with a legend and an error slot addressable by its API field name. */
function group(legend, content, apiField) {
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
