import { describe, expect, it } from 'vitest';
import { MAX_OPT_OUT_CSV_ERRORS, readOptOutCsv } from './opt-out-csv';

describe('readOptOutCsv', () => {
  it('reads a phone or phone_number column in any case, with a byte-order mark, and a reason', () => {
    for (const header of ['phone', 'Phone_Number', '\uFEFFPHONE', ' phone number ']) {
      const r = readOptOutCsv(
        [
          [header, 'Reason'],
          ['+14155550100', ' spam '],
        ],
        'IN',
      );
      expect(r).toEqual({
        ok: true,
        entries: [{ phone: '+14155550100', reason: 'spam' }],
        errors: [],
        rejected: 0,
      });
    }
  });

  it('normalises numbers in the default region and rejects bad ones with their spreadsheet row', () => {
    const r = readOptOutCsv(
      [
        ['name', 'phone'],
        ['a', '98765 43210'],
        ['b', 'x'],
        ['', ''],
        ['c', ''],
      ],
      'IN',
    );
    expect(r).toEqual({
      ok: true,
      entries: [{ phone: '+919876543210', reason: null }],
      errors: [
        { row: 3, reason: 'invalid phone number "x"' },
        { row: 5, reason: 'missing phone number' },
      ],
      rejected: 2,
    });
  });

  it('lists at most MAX_OPT_OUT_CSV_ERRORS row errors but counts them all', () => {
    const rows = Array.from({ length: MAX_OPT_OUT_CSV_ERRORS + 5 }, () => ['bad']);
    const r = readOptOutCsv([['phone'], ...rows], 'IN');
    expect(r.ok && r.errors.length).toBe(MAX_OPT_OUT_CSV_ERRORS);
    expect(r.ok && r.rejected).toBe(MAX_OPT_OUT_CSV_ERRORS + 5);
  });

  it('refuses an empty file and a header without a phone column', () => {
    expect(readOptOutCsv([], 'IN')).toEqual({ ok: false, message: expect.stringContaining('empty') });
    expect(readOptOutCsv([['mobile', 'reason']], 'IN')).toEqual({
      ok: false,
      message: 'the header has no "phone" or "phone_number" column',
    });
  });
});
