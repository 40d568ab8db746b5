import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  addLocalDays,
  isDialAllowed,
  localDateOf,
  localDayWindow,
  msUntilOpening,
  nextOpening,
  weekdayOf,
  windowCloseAt,
} from './calendar';
import { WEEKDAYS, type CallingWindow, type Weekday } from './campaign-config';

const ALL: Weekday[] = [...WEEKDAYS];
const MON_FRI: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri'];
const d = (iso: string) => new Date(iso);
const win = (start: string, end: string, timezone: string): CallingWindow => ({ start, end, timezone });

/** An independent reading of the local wall clock, for checking the module against. */
const testFormatters = new Map<string, Intl.DateTimeFormat>();
function wall(at: Date, timezone: string): { date: string; minutes: number; weekday: Weekday } {
  let f = testFormatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone: timezone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    testFormatters.set(timezone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(at).map((p) => [p.type, p.value]));
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    minutes: (Number(parts.hour) % 24) * 60 + Number(parts.minute),
    weekday: String(parts.weekday).toLowerCase().slice(0, 3) as Weekday,
  };
}
const hhmm = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));

describe('local date helpers', () => {
  it.each([
    [{ year: 2024, month: 1, day: 1 }, 'mon'],
    [{ year: 2024, month: 3, day: 10 }, 'sun'],
    [{ year: 2024, month: 2, day: 29 }, 'thu'],
    [{ year: 2023, month: 12, day: 30 }, 'sat'],
    [{ year: 2025, month: 6, day: 3 }, 'tue'],
  ] as const)('weekdayOf(%j) = %s', (date, weekday) => {
    expect(weekdayOf(date)).toBe(weekday);
  });

  it.each([
    [{ year: 2024, month: 2, day: 28 }, 1, { year: 2024, month: 2, day: 29 }],
    [{ year: 2023, month: 2, day: 28 }, 1, { year: 2023, month: 3, day: 1 }],
    [{ year: 2024, month: 12, day: 31 }, 1, { year: 2025, month: 1, day: 1 }],
    [{ year: 2024, month: 1, day: 1 }, -1, { year: 2023, month: 12, day: 31 }],
    [{ year: 2024, month: 3, day: 9 }, 8, { year: 2024, month: 3, day: 17 }],
  ])('addLocalDays(%j, %i)', (date, n, expected) => {
    expect(addLocalDays(date, n)).toEqual(expected);
  });

  it.each([
    ['2024-01-01T20:00:00Z', 'Asia/Kolkata', { year: 2024, month: 1, day: 2 }],
    ['2024-01-01T18:29:59Z', 'Asia/Kolkata', { year: 2024, month: 1, day: 1 }],
    ['2024-01-01T18:30:00Z', 'Asia/Kolkata', { year: 2024, month: 1, day: 2 }],
    ['2024-01-01T03:00:00Z', 'America/New_York', { year: 2023, month: 12, day: 31 }],
    ['2024-07-01T03:59:59Z', 'America/New_York', { year: 2024, month: 6, day: 30 }],
    ['2024-07-01T04:00:00Z', 'America/New_York', { year: 2024, month: 7, day: 1 }],
    ['2024-07-01T23:30:00Z', 'Europe/London', { year: 2024, month: 7, day: 2 }],
    ['2024-12-31T23:59:59Z', 'UTC', { year: 2024, month: 12, day: 31 }],
  ])('localDateOf(%s, %s)', (iso, tz, expected) => {
    expect(localDateOf(d(iso), tz)).toEqual(expected);
  });

  it('rejects an unknown timezone', () => {
    expect(() => localDateOf(d('2024-01-01T00:00:00Z'), 'Mars/Olympus')).toThrow(RangeError);
  });
});

describe('isDialAllowed', () => {
  const cases: Array<[string, CallingWindow, Weekday[], string, boolean]> = [
    // UTC edges: start inclusive, end exclusive.
    ['UTC just before start', win('09:00', '18:00', 'UTC'), ALL, '2024-05-15T08:59:59.999Z', false],
    ['UTC at start', win('09:00', '18:00', 'UTC'), ALL, '2024-05-15T09:00:00.000Z', true],
    ['UTC mid-window', win('09:00', '18:00', 'UTC'), ALL, '2024-05-15T12:34:56Z', true],
    ['UTC last millisecond', win('09:00', '18:00', 'UTC'), ALL, '2024-05-15T17:59:59.999Z', true],
    ['UTC at end', win('09:00', '18:00', 'UTC'), ALL, '2024-05-15T18:00:00.000Z', false],
    ['UTC midnight outside', win('09:00', '18:00', 'UTC'), ALL, '2024-05-15T00:00:00Z', false],
    // Asia/Kolkata is UTC+05:30, no DST.
    ['IST 09:00 = 03:30Z', win('09:00', '18:00', 'Asia/Kolkata'), ALL, '2024-05-15T03:30:00Z', true],
    ['IST 08:59 = 03:29Z', win('09:00', '18:00', 'Asia/Kolkata'), ALL, '2024-05-15T03:29:59Z', false],
    ['IST 18:00 = 12:30Z', win('09:00', '18:00', 'Asia/Kolkata'), ALL, '2024-05-15T12:30:00Z', false],
    ['IST 17:59 = 12:29Z', win('09:00', '18:00', 'Asia/Kolkata'), ALL, '2024-05-15T12:29:59Z', true],
    // Working day is the LOCAL date: Monday 00:30 IST is Sunday 19:00Z.
    [
      'IST Monday 00:30 (Sunday in UTC), mon only',
      win('00:00', '06:00', 'Asia/Kolkata'),
      ['mon'],
      '2024-05-12T19:00:00Z',
      true,
    ],
    [
      'IST Sunday 23:30 (Sunday in UTC), mon only',
      win('00:00', '23:59', 'Asia/Kolkata'),
      ['mon'],
      '2024-05-12T18:00:00Z',
      false,
    ],
    // New York standard and daylight time.
    [
      'NY winter 09:00 EST = 14:00Z',
      win('09:00', '18:00', 'America/New_York'),
      ALL,
      '2024-01-10T14:00:00Z',
      true,
    ],
    ['NY winter 08:59 EST', win('09:00', '18:00', 'America/New_York'), ALL, '2024-01-10T13:59:59Z', false],
    [
      'NY summer 09:00 EDT = 13:00Z',
      win('09:00', '18:00', 'America/New_York'),
      ALL,
      '2024-07-10T13:00:00Z',
      true,
    ],
    ['NY summer 08:59 EDT', win('09:00', '18:00', 'America/New_York'), ALL, '2024-07-10T12:59:59Z', false],
    [
      'NY summer 18:00 EDT = 22:00Z',
      win('09:00', '18:00', 'America/New_York'),
      ALL,
      '2024-07-10T22:00:00Z',
      false,
    ],
    [
      'NY winter 17:59 EST = 22:59Z',
      win('09:00', '18:00', 'America/New_York'),
      ALL,
      '2024-01-10T22:59:00Z',
      true,
    ],
    // Europe/London: GMT in winter, BST in summer.
    ['London winter 09:00 GMT', win('09:00', '17:00', 'Europe/London'), ALL, '2024-01-10T09:00:00Z', true],
    [
      'London summer 09:00 BST = 08:00Z',
      win('09:00', '17:00', 'Europe/London'),
      ALL,
      '2024-07-10T08:00:00Z',
      true,
    ],
    [
      'London summer 08:00Z+… 07:59Z',
      win('09:00', '17:00', 'Europe/London'),
      ALL,
      '2024-07-10T07:59:59Z',
      false,
    ],
    [
      'London summer 17:00 BST = 16:00Z',
      win('09:00', '17:00', 'Europe/London'),
      ALL,
      '2024-07-10T16:00:00Z',
      false,
    ],
    // Working days.
    ['Saturday skipped', win('09:00', '18:00', 'UTC'), MON_FRI, '2024-05-18T10:00:00Z', false],
    ['Sunday skipped', win('09:00', '18:00', 'UTC'), MON_FRI, '2024-05-19T10:00:00Z', false],
    ['Friday allowed', win('09:00', '18:00', 'UTC'), MON_FRI, '2024-05-17T10:00:00Z', true],
    ['no working days', win('09:00', '18:00', 'UTC'), [], '2024-05-17T10:00:00Z', false],
    // 00:00–23:59: the last minute of the day is outside (end exclusive).
    ['00:00–23:59 at 00:00', win('00:00', '23:59', 'UTC'), ALL, '2024-05-15T00:00:00Z', true],
    ['00:00–23:59 at 23:58:59.999', win('00:00', '23:59', 'UTC'), ALL, '2024-05-15T23:58:59.999Z', true],
    ['00:00–23:59 at 23:59', win('00:00', '23:59', 'UTC'), ALL, '2024-05-15T23:59:00Z', false],
    ['00:00–23:59 at 23:59:59', win('00:00', '23:59', 'UTC'), ALL, '2024-05-15T23:59:59Z', false],
    // Invalid windows never allow a dial.
    ['end before start', win('18:00', '09:00', 'UTC'), ALL, '2024-05-15T12:00:00Z', false],
    ['end equal to start', win('09:00', '09:00', 'UTC'), ALL, '2024-05-15T09:00:00Z', false],
    ['bad time format', win('9:00', '18:00', 'UTC'), ALL, '2024-05-15T12:00:00Z', false],
    ['24:00 is not a time', win('09:00', '24:00', 'UTC'), ALL, '2024-05-15T12:00:00Z', false],
    ['unknown timezone', win('09:00', '18:00', 'Nowhere/Land'), ALL, '2024-05-15T12:00:00Z', false],
  ];
  it.each(cases)('%s', (_name, window, days, iso, expected) => {
    expect(isDialAllowed(window, days, d(iso))).toBe(expected);
  });
});

describe('DST: America/New_York spring forward (2024-03-10, 02:00 EST → 03:00 EDT at 07:00Z)', () => {
  it('a 09:00–18:00 window that day uses EDT', () => {
    expect(
      localDayWindow(win('09:00', '18:00', 'America/New_York'), { year: 2024, month: 3, day: 10 }),
    ).toEqual({
      open: d('2024-03-10T13:00:00Z'),
      close: d('2024-03-10T22:00:00Z'),
    });
    // The day before is still EST.
    expect(
      localDayWindow(win('09:00', '18:00', 'America/New_York'), { year: 2024, month: 3, day: 9 }),
    ).toEqual({
      open: d('2024-03-09T14:00:00Z'),
      close: d('2024-03-09T23:00:00Z'),
    });
  });

  it('a 02:30 start (inside the gap) opens at the first valid instant after it: 03:00 EDT', () => {
    const w = win('02:30', '05:00', 'America/New_York');
    expect(localDayWindow(w, { year: 2024, month: 3, day: 10 })).toEqual({
      open: d('2024-03-10T07:00:00Z'),
      close: d('2024-03-10T09:00:00Z'),
    });
    expect(isDialAllowed(w, ALL, d('2024-03-10T06:59:59.999Z'))).toBe(false);
    expect(isDialAllowed(w, ALL, d('2024-03-10T07:00:00Z'))).toBe(true);
    expect(nextOpening(w, ALL, d('2024-03-10T05:00:00Z'))).toEqual(d('2024-03-10T07:00:00Z'));
    // The next day 02:30 exists again (EDT).
    expect(nextOpening(w, ALL, d('2024-03-10T09:00:00Z'))).toEqual(d('2024-03-11T06:30:00Z'));
  });

  it('an end inside the gap closes at the gap', () => {
    const w = win('01:00', '02:30', 'America/New_York');
    expect(windowCloseAt(w, ALL, d('2024-03-10T06:30:00Z'))).toEqual(d('2024-03-10T07:00:00Z'));
    expect(isDialAllowed(w, ALL, d('2024-03-10T06:59:59.999Z'))).toBe(true);
    expect(isDialAllowed(w, ALL, d('2024-03-10T07:00:00Z'))).toBe(false); // 03:00 EDT
  });

  it('a window entirely inside the gap is empty that day and opens the next working day', () => {
    const w = win('02:10', '02:40', 'America/New_York');
    expect(localDayWindow(w, { year: 2024, month: 3, day: 10 })).toBeNull();
    expect(isDialAllowed(w, ALL, d('2024-03-10T07:00:00Z'))).toBe(false);
    expect(nextOpening(w, ALL, d('2024-03-10T05:00:00Z'))).toEqual(d('2024-03-11T06:10:00Z'));
    // Sunday-only: the next Sunday (still within the 8-day search).
    expect(nextOpening(w, ['sun'], d('2024-03-10T05:00:00Z'))).toEqual(d('2024-03-17T06:10:00Z'));
  });

  it('a window spanning the gap is an hour shorter in real time', () => {
    const w = win('01:00', '04:00', 'America/New_York');
    const day = localDayWindow(w, { year: 2024, month: 3, day: 10 });
    expect(day).toEqual({ open: d('2024-03-10T06:00:00Z'), close: d('2024-03-10T08:00:00Z') });
  });
});

describe('DST: America/New_York fall back (2024-11-03, 02:00 EDT → 01:00 EST at 06:00Z)', () => {
  // 01:00 EDT = 05:00Z, 01:30 EDT = 05:30Z, 01:00 EST = 06:00Z, 01:30 EST = 06:30Z.
  it('a 09:00–18:00 window that day uses EST', () => {
    expect(
      localDayWindow(win('09:00', '18:00', 'America/New_York'), { year: 2024, month: 11, day: 3 }),
    ).toEqual({
      open: d('2024-11-03T14:00:00Z'),
      close: d('2024-11-03T23:00:00Z'),
    });
    expect(
      localDayWindow(win('09:00', '18:00', 'America/New_York'), { year: 2024, month: 11, day: 2 }),
    ).toEqual({
      open: d('2024-11-02T13:00:00Z'),
      close: d('2024-11-02T22:00:00Z'),
    });
  });

  it('a start at the top of the repeated hour opens at its first occurrence (clock never drops below it)', () => {
    const w = win('01:00', '03:00', 'America/New_York');
    expect(localDayWindow(w, { year: 2024, month: 11, day: 3 })).toEqual({
      open: d('2024-11-03T05:00:00Z'),
      close: d('2024-11-03T08:00:00Z'),
    });
    expect(isDialAllowed(w, ALL, d('2024-11-03T05:45:00Z'))).toBe(true); // 01:45 EDT
    expect(isDialAllowed(w, ALL, d('2024-11-03T06:15:00Z'))).toBe(true); // 01:15 EST
  });

  it('a start inside the repeated hour opens at its second occurrence (never dials while the clock reads before start)', () => {
    const w = win('01:30', '03:00', 'America/New_York');
    expect(localDayWindow(w, { year: 2024, month: 11, day: 3 })?.open).toEqual(d('2024-11-03T06:30:00Z'));
    expect(isDialAllowed(w, ALL, d('2024-11-03T05:45:00Z'))).toBe(false); // 01:45 EDT, clock will drop to 01:00
    expect(isDialAllowed(w, ALL, d('2024-11-03T06:15:00Z'))).toBe(false); // 01:15 EST: before start
    expect(isDialAllowed(w, ALL, d('2024-11-03T06:30:00Z'))).toBe(true); // 01:30 EST
    expect(nextOpening(w, ALL, d('2024-11-03T05:00:00Z'))).toEqual(d('2024-11-03T06:30:00Z'));
  });

  it('an end inside the repeated hour closes at its first occurrence and does not reopen', () => {
    const w = win('00:00', '01:30', 'America/New_York');
    expect(windowCloseAt(w, ALL, d('2024-11-03T05:15:00Z'))).toEqual(d('2024-11-03T05:30:00Z'));
    expect(isDialAllowed(w, ALL, d('2024-11-03T05:29:59.999Z'))).toBe(true);
    expect(isDialAllowed(w, ALL, d('2024-11-03T05:30:00Z'))).toBe(false);
    expect(isDialAllowed(w, ALL, d('2024-11-03T06:15:00Z'))).toBe(false); // 01:15 EST: no reopening
    expect(nextOpening(w, ALL, d('2024-11-03T05:30:00Z'))).toEqual(d('2024-11-04T05:00:00Z')); // 00:00 EST next day
  });

  it('start and end both inside the repeated hour', () => {
    const w = win('01:10', '01:20', 'America/New_York');
    expect(localDayWindow(w, { year: 2024, month: 11, day: 3 })).toEqual({
      open: d('2024-11-03T06:10:00Z'),
      close: d('2024-11-03T06:20:00Z'),
    });
  });

  it('a window spanning the overlap is an hour longer in real time', () => {
    const day = localDayWindow(win('00:30', '03:00', 'America/New_York'), { year: 2024, month: 11, day: 3 });
    expect(day).toEqual({ open: d('2024-11-03T04:30:00Z'), close: d('2024-11-03T08:00:00Z') });
  });
});

describe('DST: Europe/London', () => {
  it('spring forward (2024-03-31, 01:00 GMT → 02:00 BST at 01:00Z): 01:30 start opens at 02:00 BST', () => {
    const w = win('01:30', '03:00', 'Europe/London');
    expect(localDayWindow(w, { year: 2024, month: 3, day: 31 })).toEqual({
      open: d('2024-03-31T01:00:00Z'),
      close: d('2024-03-31T02:00:00Z'),
    });
  });

  it('fall back (2024-10-27, 02:00 BST → 01:00 GMT at 01:00Z)', () => {
    expect(
      localDayWindow(win('01:00', '03:00', 'Europe/London'), { year: 2024, month: 10, day: 27 }),
    ).toEqual({
      open: d('2024-10-27T00:00:00Z'),
      close: d('2024-10-27T03:00:00Z'),
    });
    expect(
      localDayWindow(win('09:00', '17:00', 'Europe/London'), { year: 2024, month: 10, day: 27 }),
    ).toEqual({
      open: d('2024-10-27T09:00:00Z'),
      close: d('2024-10-27T17:00:00Z'),
    });
  });
});

describe('nextOpening', () => {
  const utc = win('09:00', '18:00', 'UTC');
  it('returns `from` itself when dialling is allowed', () => {
    const from = d('2024-05-15T10:00:00Z');
    expect(nextOpening(utc, ALL, from)).toBe(from);
  });

  it.each([
    ['before today’s window → today’s start', utc, ALL, '2024-05-15T06:00:00Z', '2024-05-15T09:00:00Z'],
    ['at the end → tomorrow’s start', utc, ALL, '2024-05-15T18:00:00Z', '2024-05-16T09:00:00Z'],
    ['late evening → tomorrow', utc, ALL, '2024-05-15T23:59:59Z', '2024-05-16T09:00:00Z'],
    ['Friday after close → Monday', utc, MON_FRI, '2024-05-17T18:00:00Z', '2024-05-20T09:00:00Z'],
    ['Saturday → Monday', utc, MON_FRI, '2024-05-18T10:00:00Z', '2024-05-20T09:00:00Z'],
    ['Sunday → Monday', utc, MON_FRI, '2024-05-19T23:00:00Z', '2024-05-20T09:00:00Z'],
    [
      'single working day, just missed → a week later',
      utc,
      ['wed'],
      '2024-05-15T18:00:00Z',
      '2024-05-22T09:00:00Z',
    ],
    ['single working day, before → same day', utc, ['wed'], '2024-05-15T08:00:00Z', '2024-05-15T09:00:00Z'],
    [
      'IST: Friday 18:30 IST → Monday 09:00 IST',
      win('09:00', '18:00', 'Asia/Kolkata'),
      MON_FRI,
      '2024-05-17T13:00:00Z',
      '2024-05-20T03:30:00Z',
    ],
    [
      'NY: Saturday before spring forward → Monday in EDT',
      win('09:00', '18:00', 'America/New_York'),
      MON_FRI,
      '2024-03-09T15:00:00Z',
      '2024-03-11T13:00:00Z',
    ],
    [
      'NY: Friday evening before fall back → Monday in EST',
      win('09:00', '18:00', 'America/New_York'),
      MON_FRI,
      '2024-11-01T23:00:00Z',
      '2024-11-04T14:00:00Z',
    ],
    [
      '00:00–23:59: inside the closed last minute → next midnight',
      win('00:00', '23:59', 'UTC'),
      ALL,
      '2024-05-15T23:59:30Z',
      '2024-05-16T00:00:00Z',
    ],
    [
      'London: Sunday of the fall back, before the window',
      win('09:00', '17:00', 'Europe/London'),
      ALL,
      '2024-10-27T00:30:00Z',
      '2024-10-27T09:00:00Z',
    ],
  ] as Array<[string, CallingWindow, Weekday[], string, string]>)(
    '%s',
    (_name, window, days, from, expected) => {
      expect(nextOpening(window, days, d(from))).toEqual(d(expected));
    },
  );

  it('throws on no working days, an invalid window or an unknown timezone', () => {
    const from = d('2024-05-15T10:00:00Z');
    expect(() => nextOpening(utc, [], from)).toThrow(RangeError);
    expect(() => nextOpening(win('18:00', '09:00', 'UTC'), ALL, from)).toThrow(RangeError);
    expect(() => nextOpening(win('09:00', '18:00', 'Nowhere/Land'), ALL, from)).toThrow(RangeError);
  });

  it('msUntilOpening is the distance to nextOpening', () => {
    expect(msUntilOpening(utc, ALL, d('2024-05-15T08:00:00Z'))).toBe(3_600_000);
    expect(msUntilOpening(utc, ALL, d('2024-05-15T10:00:00Z'))).toBe(0);
  });
});

describe('windowCloseAt', () => {
  const utc = win('09:00', '18:00', 'UTC');
  it.each([
    ['inside → today’s end', utc, ALL, '2024-05-15T10:00:00Z', '2024-05-15T18:00:00Z'],
    ['at start → today’s end', utc, ALL, '2024-05-15T09:00:00Z', '2024-05-15T18:00:00Z'],
    ['last millisecond', utc, ALL, '2024-05-15T17:59:59.999Z', '2024-05-15T18:00:00Z'],
    ['at end → outside', utc, ALL, '2024-05-15T18:00:00Z', null],
    ['before start → outside', utc, ALL, '2024-05-15T08:00:00Z', null],
    ['non-working day → outside', utc, MON_FRI, '2024-05-18T10:00:00Z', null],
    ['IST', win('09:00', '18:00', 'Asia/Kolkata'), ALL, '2024-05-15T05:00:00Z', '2024-05-15T12:30:00Z'],
    [
      'NY summer',
      win('09:00', '18:00', 'America/New_York'),
      ALL,
      '2024-07-10T15:00:00Z',
      '2024-07-10T22:00:00Z',
    ],
    [
      'NY winter',
      win('09:00', '18:00', 'America/New_York'),
      ALL,
      '2024-01-10T15:00:00Z',
      '2024-01-10T23:00:00Z',
    ],
    ['00:00–23:59', win('00:00', '23:59', 'UTC'), ALL, '2024-05-15T00:00:00Z', '2024-05-15T23:59:00Z'],
    ['invalid window', win('18:00', '09:00', 'UTC'), ALL, '2024-05-15T10:00:00Z', null],
  ] as Array<[string, CallingWindow, Weekday[], string, string | null]>)(
    '%s',
    (_name, window, days, at, expected) => {
      expect(windowCloseAt(window, days, d(at))).toEqual(expected === null ? null : d(expected));
    },
  );
});

describe('calendar properties', () => {
  const ZONES = [
    'UTC',
    'Asia/Kolkata',
    'America/New_York',
    'Europe/London',
    'Australia/Sydney',
    'Asia/Tokyo',
  ];
  const pad = (n: number) => String(n).padStart(2, '0');
  const arbWindow = fc
    .tuple(fc.integer({ min: 0, max: 1438 }), fc.integer({ min: 1, max: 1439 }), fc.constantFrom(...ZONES))
    .map(([a, len, tz]): CallingWindow => {
      const end = Math.min(1439, a + len);
      return {
        start: `${pad(Math.floor(a / 60))}:${pad(a % 60)}`,
        end: `${pad(Math.floor(end / 60))}:${pad(end % 60)}`,
        timezone: tz,
      };
    })
    .filter((w) => w.start < w.end);
  const arbDays = fc.subarray([...WEEKDAYS], { minLength: 1 });
  // 2023–2026, biased towards DST transition days so the edge cases get exercised.
  const transitions = [
    '2024-03-10T07:00:00Z',
    '2024-11-03T06:00:00Z',
    '2024-03-31T01:00:00Z',
    '2024-10-27T01:00:00Z',
    '2024-04-06T16:00:00Z',
    '2024-10-05T16:00:00Z',
    '2025-03-09T07:00:00Z',
    '2025-11-02T06:00:00Z',
  ].map((s) => Date.parse(s));
  const arbInstant = fc
    .oneof(
      fc.integer({ min: Date.parse('2023-01-01T00:00:00Z'), max: Date.parse('2026-12-31T00:00:00Z') }),
      fc
        .tuple(fc.constantFrom(...transitions), fc.integer({ min: -30 * 3600_000, max: 30 * 3600_000 }))
        .map(([t, o]) => t + o),
    )
    .map((ms) => new Date(ms));

  const inWallWindow = (w: CallingWindow, days: readonly Weekday[], at: Date) => {
    const local = wall(at, w.timezone);
    return days.includes(local.weekday) && local.minutes >= hhmm(w.start) && local.minutes < hhmm(w.end);
  };

  it('never allows a dial while the local clock reads outside the window or on a non-working day', () => {
    fc.assert(
      fc.property(arbWindow, arbDays, arbInstant, (w, days, at) => {
        if (isDialAllowed(w, days, at)) expect(inWallWindow(w, days, at)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with the wall clock whenever no DST transition is near', () => {
    fc.assert(
      fc.property(arbWindow, arbDays, arbInstant, (w, days, at) => {
        const off = (ms: number) => {
          const l = wall(new Date(ms), w.timezone);
          return Date.parse(`${l.date}T00:00:00Z`) + l.minutes * 60_000 - Math.floor(ms / 60_000) * 60_000;
        };
        fc.pre(off(at.getTime() - 26 * 3600_000) === off(at.getTime() + 26 * 3600_000));
        expect(isDialAllowed(w, days, at)).toBe(inWallWindow(w, days, at));
      }),
      { numRuns: 2000 },
    );
  });

  it('nextOpening is the first allowed instant at or after `from`', () => {
    fc.assert(
      fc.property(
        arbWindow,
        arbDays,
        arbInstant,
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (w, days, from, frac) => {
          const next = nextOpening(w, days, from);
          expect(next.getTime()).toBeGreaterThanOrEqual(from.getTime());
          expect(isDialAllowed(w, days, next)).toBe(true);
          if (next.getTime() > from.getTime()) {
            expect(isDialAllowed(w, days, new Date(next.getTime() - 1))).toBe(false);
            const between = from.getTime() + Math.floor((next.getTime() - from.getTime()) * frac);
            if (between < next.getTime()) expect(isDialAllowed(w, days, new Date(between))).toBe(false);
          } else {
            expect(isDialAllowed(w, days, from)).toBe(true);
          }
          expect(next.getTime() - from.getTime()).toBeLessThanOrEqual(8 * 24 * 3600_000);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('windowCloseAt is the first disallowed instant after `at`, and the window is contiguous', () => {
    fc.assert(
      fc.property(
        arbWindow,
        arbDays,
        arbInstant,
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (w, days, at, frac) => {
          const close = windowCloseAt(w, days, at);
          if (!isDialAllowed(w, days, at)) {
            expect(close).toBeNull();
            return;
          }
          expect(close).not.toBeNull();
          const c = (close as Date).getTime();
          expect(c).toBeGreaterThan(at.getTime());
          expect(isDialAllowed(w, days, new Date(c - 1))).toBe(true);
          expect(isDialAllowed(w, days, new Date(c))).toBe(false);
          const between = at.getTime() + Math.floor((c - at.getTime()) * frac);
          expect(isDialAllowed(w, days, new Date(between))).toBe(true);
          expect(windowCloseAt(w, days, new Date(between))).toEqual(close);
        },
      ),
      { numRuns: 1500 },
    );
  });
});
