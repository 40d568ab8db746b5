import { describe, expect, it } from 'vitest';
import {
  contactTimezones,
  explicitTimezone,
  localClock,
  localTimeIn,
  timezonesToStore,
} from './contact-timezone';

describe('contact timezone', () => {
  it('stores the contact’s own valid zone, else the valid zones of its number, sorted and once each', () => {
    expect(timezonesToStore({ timezone: 'America/Los_Angeles' }, ['America/New_York'])).toEqual([
      'America/Los_Angeles',
    ]);
    expect(timezonesToStore({ timezone: ' Asia/Kolkata ' }, [])).toEqual(['Asia/Kolkata']);
    expect(timezonesToStore({ timezone: '' }, ['America/New_York'])).toEqual(['America/New_York']);
    expect(timezonesToStore({ timezone: 'Mars/Base' }, ['Europe/London'])).toEqual(['Europe/London']);
    expect(
      timezonesToStore(null, ['America/Los_Angeles', 'America/Boise', 'Mars/Base', 'America/Boise']),
    ).toEqual(['America/Boise', 'America/Los_Angeles']);
    expect(timezonesToStore({}, [])).toEqual([]);
    expect(explicitTimezone({ timezone: 'Nope' })).toBeNull();
  });

  it('judges in the stored zones; without any, in the contact’s own zone, else the campaign’s', () => {
    expect(contactTimezones(['America/Boise', 'America/Los_Angeles'], null, 'UTC')).toEqual([
      'America/Boise',
      'America/Los_Angeles',
    ]);
    expect(contactTimezones([], null, 'Europe/London')).toEqual(['Europe/London']);
    expect(contactTimezones(null, { timezone: 'Asia/Tokyo' }, 'UTC')).toEqual(['Asia/Tokyo']);
    expect(contactTimezones(null, { timezone: 'Mars/Base' }, 'Europe/London')).toEqual(['Europe/London']);
    expect(contactTimezones(undefined, null, 'UTC')).toEqual(['UTC']);
  });

  it('shows the local time, DST included', () => {
    expect(localTimeIn('America/New_York', new Date('2026-12-07T14:05:00Z'))).toBe('09:05');
    expect(localTimeIn('America/New_York', new Date('2026-07-07T14:05:00Z'))).toBe('10:05');
    expect(localTimeIn('Asia/Kolkata', new Date('2026-12-07T18:40:00Z'))).toBe('00:10');
  });

  it('shows one zone’s clock, or the span of several zones’ clocks', () => {
    const at = new Date('2026-12-07T14:05:00Z');
    expect(localClock(['America/New_York'], at)).toEqual({
      timezone: 'America/New_York',
      local_time: '09:05',
    });
    expect(localClock(['America/Boise', 'America/Los_Angeles'], at)).toEqual({
      timezone: 'America/Boise, America/Los_Angeles',
      local_time: '06:05–07:05',
    });
  });
});
