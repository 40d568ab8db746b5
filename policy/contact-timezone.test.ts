import { describe, expect, it } from 'vitest';
import { contactTimezones, explicitTimezone, localTimeIn } from './contact-timezone';

describe('contact timezone', () => {
  it('takes a valid IANA zone from the contact, else the campaign zone', () => {
    expect(contactTimezones({ timezone: 'America/Los_Angeles' }, 'UTC')).toEqual(['America/Los_Angeles']);
    expect(contactTimezones({ timezone: ' Asia/Kolkata ' }, 'UTC')).toEqual(['Asia/Kolkata']);
    expect(contactTimezones({ timezone: '' }, 'Europe/London')).toEqual(['Europe/London']);
    expect(contactTimezones({ timezone: 'Mars/Base' }, 'Europe/London')).toEqual(['Europe/London']);
    expect(contactTimezones({}, 'UTC')).toEqual(['UTC']);
    expect(contactTimezones(null, 'UTC')).toEqual(['UTC']);
    expect(explicitTimezone({ timezone: 'Nope' })).toBeNull();
  });

  it('shows the local time, DST included', () => {
    expect(localTimeIn('America/New_York', new Date('2026-12-07T14:05:00Z'))).toBe('09:05');
    expect(localTimeIn('America/New_York', new Date('2026-07-07T14:05:00Z'))).toBe('10:05');
    expect(localTimeIn('Asia/Kolkata', new Date('2026-12-07T18:40:00Z'))).toBe('00:10');
  });
});
