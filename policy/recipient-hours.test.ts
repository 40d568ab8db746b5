import { describe, expect, it } from 'vitest';
import { insideRecipientHours, nextRecipientOpening, recipientHoursCloseAt } from './recipient-hours';

const HOURS = { start: '09:00', end: '20:00' };
const at = (iso: string) => new Date(iso);

describe('insideRecipientHours', () => {
  it.each([
    // New York is UTC-5 in winter, UTC-4 in summer.
    ['America/New_York', '2026-12-07T13:59:59Z', false],
    ['America/New_York', '2026-12-07T14:00:00Z', true],
    ['America/New_York', '2026-12-08T00:59:59Z', true],
    ['America/New_York', '2026-12-08T01:00:00Z', false],
    ['America/New_York', '2026-07-07T13:00:00Z', true],
    ['America/New_York', '2026-07-08T00:00:00Z', false],
    // Los Angeles UTC-8 / UTC-7.
    ['America/Los_Angeles', '2026-12-07T16:59:00Z', false],
    ['America/Los_Angeles', '2026-12-07T17:00:00Z', true],
    ['America/Los_Angeles', '2026-07-07T16:00:00Z', true],
    // Kolkata UTC+5:30, no DST.
    ['Asia/Kolkata', '2026-12-07T03:29:00Z', false],
    ['Asia/Kolkata', '2026-12-07T03:30:00Z', true],
    ['Asia/Kolkata', '2026-12-07T14:29:59Z', true],
    ['Asia/Kolkata', '2026-12-07T14:30:00Z', false],
  ])('%s at %s → %s', (tz, iso, expected) => {
    expect(insideRecipientHours(HOURS, [tz], at(iso))).toBe(expected);
  });

  it('holds only when every zone of the number is inside', () => {
    // 15:00Z: New York 10:00 (winter), Los Angeles 07:00.
    expect(insideRecipientHours(HOURS, ['America/New_York'], at('2026-12-07T15:00:00Z'))).toBe(true);
    expect(
      insideRecipientHours(HOURS, ['America/New_York', 'America/Los_Angeles'], at('2026-12-07T15:00:00Z')),
    ).toBe(false);
    expect(insideRecipientHours(HOURS, [], at('2026-12-07T15:00:00Z'))).toBe(true);
  });
});

describe('nextRecipientOpening', () => {
  it('is now when open, else the next local 09:00', () => {
    expect(nextRecipientOpening(HOURS, ['Asia/Kolkata'], at('2026-12-07T05:00:00Z'))).toEqual(
      at('2026-12-07T05:00:00Z'),
    );
    expect(nextRecipientOpening(HOURS, ['Asia/Kolkata'], at('2026-12-07T15:00:00Z'))).toEqual(
      at('2026-12-08T03:30:00Z'),
    );
    expect(nextRecipientOpening(HOURS, ['America/New_York'], at('2026-12-07T02:00:00Z'))).toEqual(
      at('2026-12-07T14:00:00Z'),
    );
  });

  it('follows DST: the opening moves by an hour across the change', () => {
    // 2026-03-08: New York springs forward (09:00 EDT = 13:00Z); the day before, 09:00 EST = 14:00Z.
    expect(nextRecipientOpening(HOURS, ['America/New_York'], at('2026-03-07T02:00:00Z'))).toEqual(
      at('2026-03-07T14:00:00Z'),
    );
    expect(nextRecipientOpening(HOURS, ['America/New_York'], at('2026-03-08T02:00:00Z'))).toEqual(
      at('2026-03-08T13:00:00Z'),
    );
    // 2026-11-01: Los Angeles falls back (09:00 PST = 17:00Z); the day before 09:00 PDT = 16:00Z.
    expect(nextRecipientOpening(HOURS, ['America/Los_Angeles'], at('2026-10-31T10:00:00Z'))).toEqual(
      at('2026-10-31T16:00:00Z'),
    );
    expect(nextRecipientOpening(HOURS, ['America/Los_Angeles'], at('2026-11-01T10:00:00Z'))).toEqual(
      at('2026-11-01T17:00:00Z'),
    );
  });

  it('finds the hours shared by several zones, and null when they never overlap', () => {
    // New York and Los Angeles together: 12:00–20:00 New York time (winter: 17:00Z–01:00Z).
    expect(
      nextRecipientOpening(HOURS, ['America/New_York', 'America/Los_Angeles'], at('2026-12-07T14:00:00Z')),
    ).toEqual(at('2026-12-07T17:00:00Z'));
    expect(
      nextRecipientOpening(
        { start: '09:00', end: '10:00' },
        ['Asia/Kolkata', 'America/New_York'],
        at('2026-12-07T00:00:00Z'),
      ),
    ).toBeNull();
  });

  it('the close of the first zone to close', () => {
    expect(
      recipientHoursCloseAt(HOURS, ['America/New_York', 'America/Los_Angeles'], at('2026-12-07T18:00:00Z')),
    ).toEqual(at('2026-12-08T01:00:00Z'));
  });
});
