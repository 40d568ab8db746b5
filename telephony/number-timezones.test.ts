import { describe, expect, it } from 'vitest';
import { parsePhoneNumber } from 'libphonenumber-js';
import { timezones } from 'libphonenumber-geo-carrier';
import { numberTimezones } from './number-timezones';

describe('numberTimezones', () => {
  it('maps a number to its country’s zone, and by area code where the country spans zones', () => {
    expect(numberTimezones('+12125550123')).toEqual(['America/New_York']);
    expect(numberTimezones('+13105550123')).toEqual(['America/Los_Angeles']);
    expect(numberTimezones('+919876543210')).toEqual(['Asia/Calcutta']);
    expect(numberTimezones('+33612345678')).toEqual(['Europe/Paris']);
    expect(numberTimezones('+61212345678')).toEqual(['Australia/Sydney']);
  });

  it('gives every zone a prefix maps to (the hours must hold in all of them)', () => {
    expect(numberTimezones('+12083012345')).toEqual(['America/Boise', 'America/Los_Angeles']);
    // An area code the map does not hold: every zone of +1, from Guam to Newfoundland.
    const unknownArea = numberTimezones('+15555550123');
    expect(unknownArea).toContain('Pacific/Guam');
    expect(unknownArea).toContain('America/St_Johns');
  });

  it('answers nothing for digits no prefix matches', () => {
    expect(numberTimezones('')).toEqual([]);
    expect(numberTimezones('+0000')).toEqual([]);
  });

  it('answers as the package’s own lookup does', async () => {
    const numbers = [
      '+12125550123',
      '+13105550123',
      '+12083012345',
      '+15555550123',
      '+14155550140',
      '+16045550123',
      '+18085550123',
      '+19075550123',
      '+442071234567',
      '+4915112345678',
      '+79161234567',
      '+74232123456',
      '+5511987654321',
      '+5568912345678',
      '+525512345678',
      '+61891234567',
      '+919876543210',
      '+8613812345678',
      '+34922123456',
      '+2348031234567',
    ];
    for (const n of numbers) {
      const theirs = (await timezones(parsePhoneNumber(n))) ?? [];
      expect([n, numberTimezones(n)]).toEqual([n, [...new Set(theirs)].sort()]);
    }
  });
});
