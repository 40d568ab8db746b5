import { describe, expect, it } from 'vitest';
import {
  DEFAULT_IMPORT_LIMITS,
  lockedError,
  MAX_REPORTED_ERRORS,
  modeFor,
  RowCollector,
  skippedRowsHeader,
} from './contact-import';

describe('contact import rules', () => {
  it('replaces a draft that never ran, appends to a live run, refuses the rest', () => {
    expect(modeFor('draft', false)).toBe('replace');
    expect(modeFor('draft', true)).toBeNull();
    expect(modeFor('running', true)).toBe('append');
    expect(modeFor('paused', true)).toBe('append');
    expect(modeFor('completed', true)).toBeNull();
    expect(modeFor('failed', true)).toBeNull();
  });

  it('says why a campaign takes no contacts: locked after a run, or the wrong state', () => {
    expect(lockedError('draft')).toMatchObject({ kind: 'conflict', code: 'contacts_locked' });
    expect(lockedError('completed')).toMatchObject({ kind: 'conflict', code: 'invalid_state' });
    expect(lockedError('completed').message).toContain('completed');
  });

  it('documents 100 MB (as MiB), 500,000 rows and 1 MB records', () => {
    expect(DEFAULT_IMPORT_LIMITS).toEqual({
      maxBytes: 104_857_600,
      maxRows: 500_000,
      maxRecordBytes: 1_048_576,
    });
  });

  it('counts every skipped row and reports the first MAX_REPORTED_ERRORS by row', () => {
    const rows = new RowCollector();
    for (let r = 2; r < 2 + MAX_REPORTED_ERRORS + 5; r += 2) rows.skip(r, 'no valid phone');
    const early = MAX_REPORTED_ERRORS / 2 + 3;
    expect(rows.skipped).toBe(early);
    // Skips the database decides later (row 3, 5, …) merge in row order, and the list stays capped.
    rows.addLater(
      [
        { row: 3, reason: 'already in the campaign' },
        { row: 5, reason: 'opted out' },
      ],
      7,
    );
    expect(rows.skipped).toBe(early + 7);
    expect(rows.errors).toHaveLength(Math.min(MAX_REPORTED_ERRORS, early + 2));
    expect(rows.errors.slice(0, 4).map((e) => e.row)).toEqual([2, 3, 4, 5]);
    const sorted = [...rows.errors].sort((a, b) => a.row - b.row);
    expect(rows.errors).toEqual(sorted);
  });

  it('keeps only the first MAX_REPORTED_ERRORS entries however many rows are skipped', () => {
    const rows = new RowCollector();
    for (let r = 2; r < 2 + 3 * MAX_REPORTED_ERRORS; r++) rows.skip(r, 'x');
    expect(rows.skipped).toBe(3 * MAX_REPORTED_ERRORS);
    expect(rows.errors).toHaveLength(MAX_REPORTED_ERRORS);
    expect(rows.errors.at(-1)?.row).toBe(MAX_REPORTED_ERRORS + 1);
  });
});

describe('the skipped-rows download', () => {
  it("leads with the row number and reason, then the upload's own columns as written", () => {
    expect(skippedRowsHeader(['phone_number', 'Name', ''])).toEqual([
      'row',
      'reason',
      'phone_number',
      'Name',
      '',
    ]);
  });
});
