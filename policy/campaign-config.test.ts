import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DEFAULT_WINDOW,
  isValidTimezone,
  minutesOfDay,
  recipientHoursOf,
  resolveCampaignConfig,
  voicemailOf,
  WEEKDAYS,
  type CampaignConfigInput,
} from './campaign-config';

const fields = (input: CampaignConfigInput) => resolveCampaignConfig(input).problems.map((p) => p.field);

describe('resolveCampaignConfig defaults (docs/rules.md, docs/api.md)', () => {
  it('an empty body gives every default', () => {
    const { config, problems, warnings } = resolveCampaignConfig({});
    expect(problems).toEqual([]);
    expect(warnings).toEqual([]);
    expect(config).toEqual({
      concurrency: 50,
      mode: 'single_day',
      always_on: false,
      window: DEFAULT_WINDOW,
      working_days: [...WEEKDAYS],
      max_attempts: 3,
      retry_delay_minutes: 30,
      retry_on_system: [],
      retry_on_custom: [],
      stop_redials_after_connect_s: null,
      redial_short_connect_s: null,
      callback_detection: false,
      sticky_exclusion: false,
      recipient_hours: null,
      voicemail: { action: 'hangup' },
    });
  });

  it.each([
    ['concurrency', null, 50],
    ['concurrency', 0, 50],
    ['concurrency', -4, 50],
    ['concurrency', 7.9, 7],
    ['max_attempts', null, 3],
    ['max_attempts', 0, 3],
    ['max_attempts', 1, 1],
    ['retry_delay_minutes', 0, 30],
    ['retry_delay_minutes', 5, 5],
  ] as Array<['concurrency' | 'max_attempts' | 'retry_delay_minutes', number | null, number]>)(
    '%s = %s → %s',
    (field, value, expected) => {
      expect(resolveCampaignConfig({ [field]: value }).config[field]).toBe(expected);
    },
  );

  it.each([
    ['stop_redials_after_connect_s', null, null],
    ['stop_redials_after_connect_s', 0, 30],
    ['stop_redials_after_connect_s', 45, 45],
    ['redial_short_connect_s', null, null],
    ['redial_short_connect_s', -1, 15],
    ['redial_short_connect_s', 10, 10],
  ] as Array<['stop_redials_after_connect_s' | 'redial_short_connect_s', number | null, number | null]>)(
    'redial threshold %s = %s → %s (null keeps the rule off)',
    (field, value, expected) => {
      expect(resolveCampaignConfig({ [field]: value }).config[field]).toBe(expected);
    },
  );

  it('keeps working days in calendar order without repeats, and system outcomes in canonical order', () => {
    const { config } = resolveCampaignConfig({
      working_days: ['fri', 'mon', 'fri'],
      retry_on_system: ['timeout', 'no_answer'],
    });
    expect(config.working_days).toEqual(['mon', 'fri']);
    expect(config.retry_on_system).toEqual(['no_answer', 'timeout']);
  });

  it('trims custom dispositions and drops blanks and repeats', () => {
    expect(
      resolveCampaignConfig({ retry_on_custom: [' callback_requested ', '', 'x', 'x'] }).config
        .retry_on_custom,
    ).toEqual(['callback_requested', 'x']);
  });

  it('merges over a stored config (PATCH)', () => {
    const base = resolveCampaignConfig({
      concurrency: 10,
      window: { start: '08:00', end: '20:00', timezone: 'Asia/Kolkata' },
    }).config;
    const { config } = resolveCampaignConfig({ max_attempts: 5, window: { end: '19:00' } }, base);
    expect(config.concurrency).toBe(10);
    expect(config.max_attempts).toBe(5);
    expect(config.window).toEqual({ start: '08:00', end: '19:00', timezone: 'Asia/Kolkata' });
  });
});

describe('resolveCampaignConfig validation', () => {
  it.each([
    [{ window: { start: '18:00', end: '09:00' } }, ['window.end']],
    [{ window: { start: '09:00', end: '09:00' } }, ['window.end']],
    [{ window: { start: '9:00' } }, ['window.start']],
    [{ window: { end: '24:00' } }, ['window.end']],
    [{ window: { timezone: 'Mars/Base' } }, ['window.timezone']],
    [{ working_days: [] }, ['working_days']],
    [{ working_days: ['mon', 'funday'] as never }, ['working_days']],
    [{ retry_on_system: ['busy'] as never }, ['retry_on_system']],
    [{ mode: 'weekly' as never }, ['mode']],
    [{ always_on: true }, ['always_on']],
    [{ always_on: true, mode: 'multi_day' }, []],
  ] as Array<[CampaignConfigInput, string[]]>)('%j → problems %j', (input, expected) => {
    expect(fields(input)).toEqual(expected);
  });

  it('warns when the stop threshold is below the short-connect threshold (the stop rule wins between them)', () => {
    expect(
      resolveCampaignConfig({ stop_redials_after_connect_s: 10, redial_short_connect_s: 15 }).warnings,
    ).toHaveLength(1);
    expect(
      resolveCampaignConfig({ stop_redials_after_connect_s: 15, redial_short_connect_s: 15 }).warnings,
    ).toEqual([]);
    expect(resolveCampaignConfig({ stop_redials_after_connect_s: 10 }).warnings).toEqual([]);
  });
});

describe('helpers', () => {
  it.each([
    ['00:00', 0],
    ['09:30', 570],
    ['23:59', 1439],
    ['24:00', null],
    ['9:30', null],
    ['09:60', null],
    ['', null],
  ])('minutesOfDay(%j) = %s', (s, expected) => {
    expect(minutesOfDay(s)).toBe(expected);
  });

  it.each([
    ['UTC', true],
    ['Asia/Kolkata', true],
    ['America/New_York', true],
    ['', false],
    ['Not/AZone', false],
  ])('isValidTimezone(%j) = %s', (tz, expected) => {
    expect(isValidTimezone(tz)).toBe(expected);
  });

  it('every resolved config has positive counts (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          concurrency: fc.option(fc.integer({ min: -10, max: 1000 }), { nil: null }),
          max_attempts: fc.option(fc.integer({ min: -10, max: 20 }), { nil: null }),
          retry_delay_minutes: fc.option(fc.integer({ min: -10, max: 600 }), { nil: null }),
        }),
        (input) => {
          const { config } = resolveCampaignConfig(input);
          expect(config.concurrency).toBeGreaterThanOrEqual(1);
          expect(config.max_attempts).toBeGreaterThanOrEqual(1);
          expect(config.retry_delay_minutes).toBeGreaterThanOrEqual(1);
        },
      ),
    );
  });
});

describe('recipient_hours and voicemail', () => {
  const resolve = (input: CampaignConfigInput) => resolveCampaignConfig(input);

  it('recipient hours are off by default, 09:00–20:00 when turned on without times, and keep given times', () => {
    expect(resolve({ recipient_hours: null }).config.recipient_hours).toBeNull();
    expect(resolve({ recipient_hours: false }).config.recipient_hours).toBeNull();
    expect(resolve({ recipient_hours: true }).config.recipient_hours).toEqual({
      start: '09:00',
      end: '20:00',
    });
    expect(resolve({ recipient_hours: {} }).config.recipient_hours).toEqual({ start: '09:00', end: '20:00' });
    expect(resolve({ recipient_hours: { start: '10:30' } }).config.recipient_hours).toEqual({
      start: '10:30',
      end: '20:00',
    });
    expect(resolve({ recipient_hours: { start: '08:00', end: '21:00' } }).problems).toEqual([]);
  });

  it.each([
    [{ start: '9am' }, ['recipient_hours.start']],
    [{ end: '24:00' }, ['recipient_hours.end']],
    [{ start: '20:00', end: '09:00' }, ['recipient_hours.end']],
    [{ start: '10:00', end: '10:00' }, ['recipient_hours.end']],
  ] as const)('recipient hours %j → problems %j', (hours, expected) => {
    expect(fields({ recipient_hours: hours })).toEqual(expected);
  });

  it('voicemail: hangup by default; message needs one line of text up to 1000 characters', () => {
    expect(resolve({ voicemail: null }).config.voicemail).toEqual({ action: 'hangup' });
    expect(resolve({ voicemail: { action: 'hangup', message: 'dropped' } }).config.voicemail).toEqual({
      action: 'hangup',
    });
    expect(
      resolve({ voicemail: { action: 'message', message: '  Call us back.  ' } }).config.voicemail,
    ).toEqual({
      action: 'message',
      message: 'Call us back.',
    });
    expect(fields({ voicemail: { action: 'message' } })).toEqual(['voicemail.message']);
    expect(fields({ voicemail: { action: 'message', message: ' ' } })).toEqual(['voicemail.message']);
    expect(fields({ voicemail: { action: 'message', message: 'x'.repeat(1001) } })).toEqual([
      'voicemail.message',
    ]);
    expect(fields({ voicemail: { action: 'message', message: 'one\ntwo' } })).toEqual(['voicemail.message']);
    expect(fields({ voicemail: { action: 'shout' as 'hangup' } })).toEqual(['voicemail.action']);
  });

  it('a PATCH keeps what it does not name; old snapshots read as off / hang up', () => {
    const base = resolve({ recipient_hours: true, voicemail: { action: 'message', message: 'Hi' } }).config;
    expect(resolveCampaignConfig({ concurrency: 3 }, base).config).toMatchObject({
      recipient_hours: { start: '09:00', end: '20:00' },
      voicemail: { action: 'message', message: 'Hi' },
    });
    expect(recipientHoursOf({})).toBeNull();
    expect(voicemailOf({})).toEqual({ action: 'hangup' });
  });
});
