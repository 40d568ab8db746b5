/**
 * The campaign's dialler configuration: its shape, the defaults of docs/rules.md / docs/api.md, and the
 * validation that turns operator input into the effective config. Pure: imported by the API (validation,
 * previews), by workflows (via their input) and by the policy functions.
 */

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const SYSTEM_RETRY_OUTCOMES = ['no_answer', 'rejected', 'rnr', 'error', 'timeout'] as const;
export type SystemRetryOutcome = (typeof SYSTEM_RETRY_OUTCOMES)[number];

export type CampaignMode = 'single_day' | 'multi_day';

export interface CallingWindow {
  /** "HH:MM", 24-hour, local to `timezone`. */
  start: string;
  /** "HH:MM", later than `start` on the same day. */
  end: string;
  /** IANA timezone name. */
  timezone: string;
}

/** Calling hours in each contact's own timezone (TCPA-style), on top of the campaign's window. */
export interface RecipientHours {
  /** "HH:MM", local to the contact. */
  start: string;
  /** "HH:MM", later than `start` on the same day. */
  end: string;
}

export const VOICEMAIL_ACTIONS = ['hangup', 'message'] as const;
export type VoicemailAction = (typeof VOICEMAIL_ACTIONS)[number];

/** What a dial answered by a machine does: hang up at once, or play `message` and then hang up. */
export interface VoicemailSetting {
  action: VoicemailAction;
  /** A recording's path or URL, or text the switch speaks; only with `message`. */
  message?: string;
}

export const DEFAULT_RECIPIENT_HOURS: RecipientHours = { start: '09:00', end: '20:00' };
export const DEFAULT_VOICEMAIL: VoicemailSetting = { action: 'hangup' };
export const MAX_VOICEMAIL_MESSAGE = 1000;

/** The effective config: every field present, defaults applied. Stored as the run's snapshot. */
export interface CampaignConfig {
  concurrency: number;
  mode: CampaignMode;
  always_on: boolean;
  window: CallingWindow;
  working_days: Weekday[];
  max_attempts: number;
  retry_delay_minutes: number;
  retry_on_system: SystemRetryOutcome[];
  retry_on_custom: string[];
  stop_redials_after_connect_s: number | null;
  redial_short_connect_s: number | null;
  callback_detection: boolean;
  sticky_exclusion: boolean;
  /** null: off. Snapshots written before the setting existed lack it: read with `recipientHoursOf`. */
  recipient_hours: RecipientHours | null;
  /** Snapshots written before the setting existed lack it: read with `voicemailOf`. */
  voicemail: VoicemailSetting;
}

/** The run's recipient hours, from any snapshot (older ones have none: off). */
export function recipientHoursOf(
  config: Partial<Pick<CampaignConfig, 'recipient_hours'>>,
): RecipientHours | null {
  return config.recipient_hours ?? null;
}

/** The run's voicemail action, from any snapshot (older ones have none: hang up). */
export function voicemailOf(config: Partial<Pick<CampaignConfig, 'voicemail'>>): VoicemailSetting {
  return config.voicemail ?? DEFAULT_VOICEMAIL;
}

export const DEFAULT_CONCURRENCY = 50;
export const DEFAULT_MAX_ATTEMPTS = 3;
export const DEFAULT_RETRY_DELAY_MINUTES = 30;
export const DEFAULT_STOP_REDIALS_AFTER_CONNECT_S = 30;
export const DEFAULT_REDIAL_SHORT_CONNECT_S = 15;
export const DEFAULT_WINDOW: CallingWindow = { start: '09:00', end: '18:00', timezone: 'UTC' };

/** What an operator or CRM may send: any field may be missing or null. */
export type CampaignConfigInput = {
  [K in keyof CampaignConfig]?: K extends 'window'
    ? Partial<CallingWindow> | null
    : K extends 'recipient_hours'
      ? Partial<RecipientHours> | boolean | null
      : K extends 'voicemail'
        ? Partial<VoicemailSetting> | null
        : CampaignConfig[K] | null;
};

export interface FieldProblem {
  field: string;
  message: string;
}

export interface ConfigResult {
  config: CampaignConfig;
  problems: FieldProblem[];
  warnings: string[];
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function minutesOfDay(hhmm: string): number | null {
  const m = HHMM.exec(hhmm);
  if (!m) return null;
  return Number(m[1]) * 60 + Number(m[2]);
}

export function isValidTimezone(tz: string): boolean {
  if (!tz) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** "missing, null or below 1" → default, as the spec says for counts. */
function positiveIntOr(value: number | null | undefined, fallback: number): number {
  if (value === null || value === undefined || !Number.isFinite(value) || value < 1) return fallback;
  return Math.floor(value);
}

/** A redial threshold: null keeps the rule off; when on, "below 1" takes the default. */
function thresholdOr(value: number | null | undefined, fallback: number): number | null {
  if (value === null || value === undefined) return null;
  if (!Number.isFinite(value) || value < 1) return fallback;
  return Math.floor(value);
}

/**
 * Merge `input` over `base` (the stored config, or the defaults for a new campaign), apply defaults and
 * validate. Problems are returned with the API field path so the route can answer 422 with one detail each.
 */
export function resolveCampaignConfig(input: CampaignConfigInput, base?: CampaignConfig): ConfigResult {
  const problems: FieldProblem[] = [];
  const warnings: string[] = [];
  const pick = <K extends keyof CampaignConfig>(
    k: K,
  ): CampaignConfigInput[K] | CampaignConfig[K] | undefined => (k in input ? input[k] : base?.[k]);

  const mode = (pick('mode') ?? 'single_day') as CampaignMode;
  if (mode !== 'single_day' && mode !== 'multi_day') {
    problems.push({ field: 'mode', message: 'must be "single_day" or "multi_day"' });
  }
  const alwaysOn = Boolean(pick('always_on') ?? false);
  if (alwaysOn && mode !== 'multi_day') {
    problems.push({ field: 'always_on', message: 'always_on is only allowed with mode "multi_day"' });
  }

  const windowIn = (input.window ?? undefined) as Partial<CallingWindow> | undefined;
  const baseWindow = base?.window ?? DEFAULT_WINDOW;
  const window: CallingWindow = {
    start: windowIn?.start ?? baseWindow.start,
    end: windowIn?.end ?? baseWindow.end,
    timezone: windowIn?.timezone ?? baseWindow.timezone,
  };
  const startMin = minutesOfDay(window.start);
  const endMin = minutesOfDay(window.end);
  if (startMin === null) problems.push({ field: 'window.start', message: 'must be a 24-hour time "HH:MM"' });
  if (endMin === null) problems.push({ field: 'window.end', message: 'must be a 24-hour time "HH:MM"' });
  if (startMin !== null && endMin !== null && endMin <= startMin) {
    problems.push({ field: 'window.end', message: 'must be later than window.start on the same day' });
  }
  if (!isValidTimezone(window.timezone)) {
    problems.push({ field: 'window.timezone', message: `unknown IANA timezone "${window.timezone}"` });
  }

  const daysIn = pick('working_days');
  let workingDays: Weekday[] = [...WEEKDAYS];
  if (daysIn !== null && daysIn !== undefined) {
    const bad = daysIn.filter((d) => !(WEEKDAYS as readonly string[]).includes(d));
    if (bad.length > 0)
      problems.push({ field: 'working_days', message: `unknown day(s): ${bad.join(', ')}` });
    if (daysIn.length === 0)
      problems.push({ field: 'working_days', message: 'at least one working day is required' });
    // Keep calendar order and drop repeats so the snapshot reads the same however it was sent.
    workingDays = WEEKDAYS.filter((d) => daysIn.includes(d));
  }

  const retryOnSystem = pick('retry_on_system') ?? [];
  const badOutcomes = retryOnSystem.filter((o) => !(SYSTEM_RETRY_OUTCOMES as readonly string[]).includes(o));
  if (badOutcomes.length > 0) {
    problems.push({ field: 'retry_on_system', message: `unknown outcome(s): ${badOutcomes.join(', ')}` });
  }
  const retryOnCustom = (pick('retry_on_custom') ?? [])
    .map((s) => String(s).trim())
    .filter((s, i, all) => s.length > 0 && all.indexOf(s) === i);

  const recipientHours = resolveRecipientHours(pick('recipient_hours'), problems);
  const voicemail = resolveVoicemail(pick('voicemail'), problems);

  const config: CampaignConfig = {
    concurrency: positiveIntOr(pick('concurrency'), DEFAULT_CONCURRENCY),
    mode,
    always_on: alwaysOn,
    window,
    working_days: workingDays,
    max_attempts: positiveIntOr(pick('max_attempts'), DEFAULT_MAX_ATTEMPTS),
    retry_delay_minutes: positiveIntOr(pick('retry_delay_minutes'), DEFAULT_RETRY_DELAY_MINUTES),
    retry_on_system: SYSTEM_RETRY_OUTCOMES.filter((o) => retryOnSystem.includes(o)),
    retry_on_custom: retryOnCustom,
    stop_redials_after_connect_s: thresholdOr(
      pick('stop_redials_after_connect_s'),
      DEFAULT_STOP_REDIALS_AFTER_CONNECT_S,
    ),
    redial_short_connect_s: thresholdOr(pick('redial_short_connect_s'), DEFAULT_REDIAL_SHORT_CONNECT_S),
    callback_detection: Boolean(pick('callback_detection') ?? false),
    sticky_exclusion: Boolean(pick('sticky_exclusion') ?? false),
    recipient_hours: recipientHours,
    voicemail,
  };

  if (
    config.stop_redials_after_connect_s !== null &&
    config.redial_short_connect_s !== null &&
    config.stop_redials_after_connect_s < config.redial_short_connect_s
  ) {
    warnings.push(
      `stop_redials_after_connect_s (${config.stop_redials_after_connect_s}s) is below redial_short_connect_s ` +
        `(${config.redial_short_connect_s}s): connects between the two are ambiguous and the stop rule wins, so they are not redialled.`,
    );
  }
  return { config, problems, warnings };
}

/**
 * `null`/`false` turns recipient hours off; `true` or an object turns them on, with 09:00–20:00 for a
 * missing time (the hours most calling-time rules allow). No wrap past midnight: `end` is after `start`.
 */
function resolveRecipientHours(
  value: Partial<RecipientHours> | boolean | null | undefined,
  problems: FieldProblem[],
): RecipientHours | null {
  if (value === null || value === undefined || value === false) return null;
  if (value === true) return { ...DEFAULT_RECIPIENT_HOURS };
  if (typeof value !== 'object') {
    problems.push({ field: 'recipient_hours', message: 'must be null or {start: "HH:MM", end: "HH:MM"}' });
    return null;
  }
  const hours: RecipientHours = {
    start: value.start ?? DEFAULT_RECIPIENT_HOURS.start,
    end: value.end ?? DEFAULT_RECIPIENT_HOURS.end,
  };
  const startMin = minutesOfDay(hours.start);
  const endMin = minutesOfDay(hours.end);
  if (startMin === null)
    problems.push({ field: 'recipient_hours.start', message: 'must be a 24-hour time "HH:MM"' });
  if (endMin === null)
    problems.push({ field: 'recipient_hours.end', message: 'must be a 24-hour time "HH:MM"' });
  if (startMin !== null && endMin !== null && endMin <= startMin) {
    problems.push({
      field: 'recipient_hours.end',
      message: 'must be later than recipient_hours.start on the same day',
    });
  }
  return hours;
}

/** `hangup` needs nothing; `message` needs the recording path or the text to speak. */
function resolveVoicemail(
  value: Partial<VoicemailSetting> | null | undefined,
  problems: FieldProblem[],
): VoicemailSetting {
  if (value === null || value === undefined) return { ...DEFAULT_VOICEMAIL };
  const action = value.action ?? DEFAULT_VOICEMAIL.action;
  if (!(VOICEMAIL_ACTIONS as readonly string[]).includes(action)) {
    problems.push({ field: 'voicemail.action', message: 'must be "hangup" or "message"' });
    return { ...DEFAULT_VOICEMAIL };
  }
  if (action === 'hangup') return { action };
  const message = typeof value.message === 'string' ? value.message.trim() : '';
  if (message === '') {
    problems.push({ field: 'voicemail.message', message: 'is required when voicemail.action is "message"' });
  } else if (message.length > MAX_VOICEMAIL_MESSAGE) {
    problems.push({
      field: 'voicemail.message',
      message: `must be at most ${MAX_VOICEMAIL_MESSAGE} characters`,
    });
  } else if (/[\r\n]/.test(message)) {
    // The switch's command line ends at a line break: a message is one line.
    problems.push({ field: 'voicemail.message', message: 'must be one line' });
  }
  return { action, message };
}
