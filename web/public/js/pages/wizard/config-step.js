// Step 3, Dialler Config: concurrency and mode, the calling window and working days, retries, the redial
// and stop rules, callbacks and exclusion, and the calling rules of compliance-settings.js.
import { h, field, checkbox, uid } from '../../dom.js';
import { WEEKDAYS, DAY_LABEL, SYSTEM_OUTCOMES, OUTCOME_LABEL, TIMEZONES } from '../../format.js';
import { complianceFields } from '../compliance-settings.js';
import { group, numberInput as numberField, timeInput as timeField } from './controls.js';
import { intOr, overlap, windowProblem } from './form-state.js';

/** cfg: the edited campaign's config (its calling rules seed the compliance fields). */
export function configStep({ s, cfg, refresh }) {
  const numberInput = (value, set) => numberField(value, set, refresh);
  const timeInput = (value, set) => timeField(value, set, refresh);
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
  const el = h(
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

  return {
    el,
    callingRules,
    valid: () => windowProblem(s) === null && s.days.size > 0 && callingRules.valid(),
    refresh() {
      alwaysOnWrap.hidden = s.mode !== 'multi_day';
      alwaysOn.input.checked = s.always_on;
      const wp = windowProblem(s);
      windowError.textContent = wp ?? '';
      windowError.hidden = !wp;
      daysError.hidden = s.days.size > 0;
      stopField.hidden = !s.stop_on;
      redialField.hidden = !s.redial_on;
      const ov = overlap(s);
      overlapWarning.textContent = ov ?? '';
      overlapWarning.hidden = !ov;
    },
  };
}
