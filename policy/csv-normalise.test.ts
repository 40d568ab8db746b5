import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  analyseHeader,
  cellSources,
  cellsOfContact,
  cleanCell,
  isBlankRecord,
  MAX_PHONE_COLUMNS,
  neutraliseFormula,
  normaliseRow,
  type CsvLayout,
} from './csv-normalise';

function layoutOf(cells: string[]): CsvLayout {
  const r = analyseHeader(cells);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.layout;
}

describe('analyseHeader', () => {
  it('finds phone_number, name, email and keeps every other column as a variable under its header', () => {
    const l = layoutOf(['phone_number', 'name', 'email', 'case number', 'Amount', 'Tax-ID']);
    expect(l.phoneIndexes).toEqual([0]);
    expect(l.nameIndex).toBe(1);
    expect(l.emailIndex).toBe(2);
    expect(l.variables).toEqual([
      { index: 3, key: 'case number' },
      { index: 4, key: 'Amount' },
      { index: 5, key: 'Tax-ID' },
    ]);
    expect(l.columns).toEqual(['phone_number', 'name', 'email', 'case number', 'Amount', 'Tax-ID']);
  });

  it('orders phone columns phone_number, phone1 … phone10 whatever their file order', () => {
    const l = layoutOf(['phone10', 'name', 'phone2', 'phone1', 'phone_number', 'x']);
    expect(l.phoneIndexes).toEqual([4, 3, 2, 0]);
    expect(l.variables.map((v) => v.key)).toEqual(['x']);
  });

  it('accepts every phone column up to phone10 and nothing beyond as a phone', () => {
    const header = [
      'phone_number',
      ...Array.from({ length: 10 }, (_, i) => `phone${i + 1}`),
      'phone11',
      'phone0',
    ];
    const l = layoutOf(header);
    expect(l.phoneIndexes).toHaveLength(MAX_PHONE_COLUMNS);
    expect(l.variables.map((v) => v.key)).toEqual(['phone11', 'phone0']);
  });

  it('matches structural headers regardless of case, spaces and punctuation', () => {
    const l = layoutOf(['Phone Number', 'NAME', 'E-mail', 'Phone_1']);
    expect(l.phoneIndexes).toEqual([0, 3]);
    expect(l.nameIndex).toBe(1);
    expect(l.emailIndex).toBe(2);
  });

  it('strips a byte-order mark and surrounding spaces from headers', () => {
    const l = layoutOf(['\uFEFFphone_number', '  city  ']);
    expect(l.columns).toEqual(['phone_number', 'city']);
    expect(l.variables).toEqual([{ index: 1, key: 'city' }]);
  });

  it('ignores columns with an empty header', () => {
    const l = layoutOf(['phone_number', '', 'city', '  ']);
    expect(l.variables.map((v) => v.key)).toEqual(['city']);
  });

  it('refuses a header without any phone column, naming the columns it found', () => {
    const r = analyseHeader(['mobile', 'name', 'phone']);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problems[0]?.field).toBe('phone_number');
      expect(r.problems[0]?.message).toContain('"mobile"');
    }
  });

  it('refuses duplicate columns', () => {
    const a = analyseHeader(['phone_number', 'Phone Number']);
    expect(a.ok).toBe(false);
    const b = analyseHeader(['phone_number', 'city', 'city']);
    expect(b.ok).toBe(false);
    if (!b.ok)
      expect(b.problems).toEqual([{ field: 'columns', message: 'column "city" appears more than once' }]);
    // Variables differing in case are different keys.
    expect(analyseHeader(['phone_number', 'City', 'city']).ok).toBe(true);
  });

  it('never throws and always finds a phone column or says it is missing (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 20 }), { maxLength: 30 }), (cells) => {
        const r = analyseHeader(cells);
        if (r.ok) expect(r.layout.phoneIndexes.length).toBeGreaterThan(0);
        else expect(r.problems.length).toBeGreaterThan(0);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('normaliseRow', () => {
  const layout = layoutOf(['phone1', 'phone2', 'phone3', 'name', 'email', 'case number', 'amount']);

  it('normalises phones to E.164 in dialling order, dropping duplicates and blanks', () => {
    const r = normaliseRow(
      ['98765 43210', '', '+91 98765 43210', ' Asha ', 'a@x.io', 'C-1', ' 500 '],
      layout,
      'IN',
    );
    expect(r).toEqual({
      ok: true,
      contact: { phones: ['+919876543210'], name: 'Asha', email: 'a@x.io', values: ['C-1', '500'] },
    });
  });

  it('keeps the good numbers of a row that also has a bad one', () => {
    const r = normaliseRow(['nope', '+14155550101', '9876543210', '', '', '', ''], layout, 'IN');
    expect(r).toEqual({
      ok: true,
      contact: { phones: ['+14155550101', '+919876543210'], name: null, email: null, values: ['', ''] },
    });
  });

  it('skips a row with no valid number, quoting the first bad one', () => {
    expect(normaliseRow(['', 'abc', '12', 'A', '', '', ''], layout, 'IN')).toEqual({
      ok: false,
      reason: 'invalid phone number "abc"',
    });
    expect(normaliseRow(['', '', '', 'A', '', '', ''], layout, 'IN')).toEqual({
      ok: false,
      reason: 'missing phone number',
    });
  });

  it('reads short rows as empty cells and ignores extra cells', () => {
    expect(normaliseRow(['9876543210'], layout, 'IN')).toEqual({
      ok: true,
      contact: { phones: ['+919876543210'], name: null, email: null, values: ['', ''] },
    });
    const long = normaliseRow(['9876543210', '', '', 'n', 'e', 'c', 'a', 'extra', 'more'], layout, 'IN');
    expect(long.ok && long.contact.values).toEqual(['c', 'a']);
  });

  it('removes NUL characters (Postgres text cannot hold them)', () => {
    const r = normaliseRow(['98765\u000043210', '', '', 'A\u0000sha', '', 'x\u0000', ''], layout, 'IN');
    expect(r).toEqual({
      ok: true,
      contact: { phones: ['+919876543210'], name: 'Asha', email: null, values: ['x', ''] },
    });
  });

  it('never throws on arbitrary rows (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 30 }), { maxLength: 12 }), (cells) => {
        const r = normaliseRow(cells, layout, 'IN');
        if (r.ok) {
          expect(r.contact.phones.length).toBeGreaterThan(0);
          expect(new Set(r.contact.phones).size).toBe(r.contact.phones.length);
          expect(r.contact.values).toHaveLength(layout.variables.length);
          for (const v of [...r.contact.values, r.contact.name ?? '', r.contact.email ?? '']) {
            expect(v).not.toContain('\u0000');
            expect(v).toBe(v.trim());
          }
        } else {
          expect(r.reason).toMatch(/phone number/);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('isBlankRecord and cleanCell', () => {
  it('treats empty lines and lines of empty cells as blank', () => {
    expect(isBlankRecord([''])).toBe(true);
    expect(isBlankRecord(['', ' ', '\t'])).toBe(true);
    expect(isBlankRecord(['', 'x'])).toBe(false);
    expect(isBlankRecord([])).toBe(true);
  });

  it('trims and drops NULs', () => {
    expect(cleanCell(undefined)).toBe('');
    expect(cleanCell('  a\u0000b ')).toBe('ab');
  });
});

describe('neutraliseFormula', () => {
  it.each([
    ['=1+1', "'=1+1"],
    ['+919876543210', "'+919876543210"],
    ['-2', "'-2"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tx', "'\tx"],
    ['\rx', "'\rx"],
    ['plain', 'plain'],
    ['', ''],
    ["'already", "'already"],
    ['a=b', 'a=b'],
  ])('%j → %j', (input, output) => {
    expect(neutraliseFormula(input)).toBe(output);
  });

  it('never leaves a dangerous first character (property)', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const out = neutraliseFormula(s);
        expect(out === s || out === `'${s}`).toBe(true);
        expect(['=', '+', '-', '@', '\t', '\r']).not.toContain(out.charAt(0));
      }),
    );
  });
});

describe('cellSources / cellsOfContact (a stored contact written back as its row)', () => {
  it('maps every column: phones in dialling order, name, email, variables, empty headers', () => {
    const layout = layoutOf(['name', 'phone2', ' ', 'phone1', 'E-mail', 'tier', 'phone_number']);
    const sources = cellSources(layout);
    expect(sources).toEqual([
      { kind: 'name' },
      { kind: 'phone', n: 2 },
      { kind: 'none' },
      { kind: 'phone', n: 1 },
      { kind: 'email' },
      { kind: 'variable', key: 'tier' },
      { kind: 'phone', n: 0 },
    ]);
    expect(
      cellsOfContact(sources, {
        phones: ['+14155550100', '+14155550101'],
        name: 'Asha',
        email: null,
        metadata: { tier: 'gold', other: 'x' },
      }),
    ).toEqual(['Asha', '', '', '+14155550101', '', 'gold', '+14155550100']);
  });

  it('gives back the row normaliseRow read, for any row with valid numbers', () => {
    const layout = layoutOf(['phone_number', 'phone1', 'name', 'email', 'a', 'b']);
    const sources = cellSources(layout);
    const digits = fc.integer({ min: 2_000_000, max: 9_999_999 }).map((n) => `+1415${n}`);
    const text = fc.string({ maxLength: 8 }).map(cleanCell);
    fc.assert(
      fc.property(digits, digits, text, text, text, text, (p0, p1, name, email, a, b) => {
        fc.pre(p0 !== p1);
        const cells = [p0, p1, name, email, a, b];
        const r = normaliseRow(cells, layout, 'US');
        if (!r.ok) throw new Error(r.reason);
        const metadata = Object.fromEntries(
          layout.variables.map((v, i) => [v.key, r.contact.values[i] ?? '']).filter(([, v]) => v),
        );
        expect(cellsOfContact(sources, { ...r.contact, metadata })).toEqual(cells);
      }),
    );
  });
});
