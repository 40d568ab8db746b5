// The wizard's state: what the operator has chosen so far, read from the campaign being edited (or the
// defaults of docs/rules.md "Campaign configuration"), the checks on it, and the POST/PATCH body it becomes.
import { WEEKDAYS, SYSTEM_OUTCOMES, botIdOf, numberIdsOf } from '../../format.js';

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

export const intOr = (value, fallback) => {
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

/** The state of a new campaign, or of the one being edited. */
export function formState(campaign) {
  const cfg = campaign?.config ?? {};
  return {
    name: campaign?.name ?? '',
    bot_id: botIdOf(campaign) ?? '',
    number_ids: new Set(numberIdsOf(campaign)),
    concurrency: String(cfg.concurrency ?? 50),
    mode: cfg.mode ?? 'single_day',
    always_on: Boolean(cfg.always_on),
    start: cfg.window?.start ?? '09:00',
    end: cfg.window?.end ?? '18:00',
    timezone: cfg.window?.timezone ?? displayTimezone(),
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
}

export function windowProblem(s) {
  const a = minutes(s.start);
  const b = minutes(s.end);
  if (a === null || b === null) return 'Enter the window start and end as 24-hour HH:MM.';
  if (b <= a) return 'The window end must be later than its start on the same day.';
  if (!s.timezone) return 'Choose a timezone.';
  return null;
}

/** The warning when both redial rules are on and they overlap (the stop rule wins), or null. */
export function overlap(s) {
  if (!s.stop_on || !s.redial_on) return null;
  const stop = intOr(s.stop_s, 30);
  const redial = intOr(s.redial_s, 15);
  return stop < redial
    ? `Stop-after (${stop}s) is below redial-under (${redial}s): connects between ${stop}s and ${redial}s are ambiguous and the stop rule wins, so those contacts will not be redialled. Set the stop-after value at or above the redial-under value.`
    : null;
}

/**
 * The POST/PATCH body, docs/api.md names; defaults made explicit so the review shows what is sent.
 * locked: identity fields (name, bot) are left out after the first run; callingRules: the compliance
 * fields' part (compliance-settings.js).
 */
export function requestBody(s, { numbers, locked, callingRules }) {
  const b = {};
  if (!locked) {
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
