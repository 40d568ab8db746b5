import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isKnownRegion, normalisePhone, phoneSearch, toE164OrNull } from './phone';

describe('normalisePhone', () => {
  it.each([
    ['+919876543210', 'IN', '+919876543210'],
    ['+91 98765 43210', 'IN', '+919876543210'],
    ['+91-98765-43210', 'IN', '+919876543210'],
    ['9876543210', 'IN', '+919876543210'],
    ['09876543210', 'IN', '+919876543210'],
    ['919876543210', 'IN', '+919876543210'],
    ['0091 98765 43210', 'IN', '+919876543210'],
    ['(415) 555-0101', 'US', '+14155550101'],
    ['+1 415 555 0101', 'IN', '+14155550101'],
    ['+1 (415) 555-0101 ext 5', 'IN', '+14155550101'],
    ['0044 20 7946 0958', 'IN', '+442079460958'],
    ['020 7946 0958', 'GB', '+442079460958'],
    ['  +919876543210  ', 'IN', '+919876543210'],
    // Spreadsheet artefacts: the "keep as text" apostrophe (also our report's formula guard) and ="…".
    ["'+919876543210", 'IN', '+919876543210'],
    ['="09876543210"', 'IN', '+919876543210'],
    // The region is case-insensitive.
    ['9876543210', 'in', '+919876543210'],
  ])('%s in %s → %s', (raw, region, e164) => {
    expect(normalisePhone(raw, region)).toEqual({ ok: true, e164 });
  });

  it.each([
    ['', 'missing phone number'],
    ['   ', 'missing phone number'],
    ["'", 'missing phone number'],
    ['abc', 'invalid phone number "abc"'],
    ['12345', 'invalid phone number "12345"'],
    ['+10000000000', 'invalid phone number "+10000000000"'],
    ['+999123456789', 'invalid phone number "+999123456789"'],
    ['+12223333333', 'invalid phone number "+12223333333"'],
  ])('%j is refused: %s', (raw, reason) => {
    expect(normalisePhone(raw, 'IN')).toEqual({ ok: false, reason });
  });

  it('refuses numbers a spreadsheet turned into scientific notation, saying so', () => {
    const r = normalisePhone('9.19876543E+11', 'IN');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain('scientific notation');
  });

  it('refuses overlong input and shortens it in the reason', () => {
    const r = normalisePhone('9'.repeat(200), 'IN');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason.length).toBeLessThan(80);
  });

  it('a national number in an unknown region is invalid, not an exception', () => {
    expect(normalisePhone('9876543210', 'XX').ok).toBe(false);
    expect(normalisePhone('+919876543210', 'XX')).toEqual({ ok: true, e164: '+919876543210' });
  });

  it('never throws and only ever answers E.164 (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 80 }),
        fc.constantFrom('IN', 'US', 'GB', 'XX', ''),
        (raw, region) => {
          const r = normalisePhone(raw, region);
          if (r.ok) expect(r.e164).toMatch(/^\+[1-9]\d{6,14}$/);
          else expect(r.reason.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('is idempotent: an E.164 answer normalises to itself in any region (property)', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^\+?[0-9 ()-]{6,20}$/),
        fc.constantFrom('IN', 'US', 'GB'),
        (raw, region) => {
          const r = normalisePhone(raw, region);
          if (!r.ok) return;
          expect(normalisePhone(r.e164, 'US')).toEqual(r);
          expect(normalisePhone(r.e164, 'IN')).toEqual(r);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('toE164OrNull and isKnownRegion', () => {
  it('answers the number or null', () => {
    expect(toE164OrNull('98765 43210', 'IN')).toBe('+919876543210');
    expect(toE164OrNull('nope', 'IN')).toBeNull();
  });

  it('knows ISO regions case-insensitively', () => {
    expect(isKnownRegion('IN')).toBe(true);
    expect(isKnownRegion('gb')).toBe(true);
    expect(isKnownRegion('XX')).toBe(false);
  });
});

describe('phoneSearch', () => {
  it('reads a number in any notation a person types, in the default region', () => {
    for (const typed of [
      '+91 98765 43210',
      '098765 43210',
      '9876543210',
      '0091 9876543210',
      '(987) 654-3210',
    ])
      expect(phoneSearch(typed, 'IN')).toMatchObject({
        kind: 'numbers',
        e164s: expect.arrayContaining(['+919876543210']),
      });
  });
  it('a "+" lost to URL decoding (a leading space) still finds the international number', () => {
    expect(phoneSearch(' 14155550123', 'IN')).toEqual({
      kind: 'numbers',
      e164s: expect.arrayContaining(['+14155550123']),
    });
    expect(phoneSearch('14155550123', 'IN')).toMatchObject({ kind: 'numbers' });
    expect((phoneSearch('14155550123', 'IN') as { e164s: string[] }).e164s).toContain('+14155550123');
  });
  it('an explicit + number is looked up exactly, without guessing a region', () => {
    expect(phoneSearch('+1 (415) 555-0123', 'IN')).toEqual({ kind: 'numbers', e164s: ['+14155550123'] });
  });
  it('a partial number searches by its digits', () => {
    expect(phoneSearch('43210', 'IN')).toEqual({ kind: 'digits', digits: '43210' });
    expect(phoneSearch('555-01', 'US')).toEqual({ kind: 'digits', digits: '55501' });
  });
  it('too few or too many digits is invalid, with a reason', () => {
    expect(phoneSearch('12', 'IN')).toMatchObject({
      kind: 'invalid',
      reason: expect.stringContaining('3 digits'),
    });
    expect(phoneSearch('abc', 'IN').kind).toBe('invalid');
    expect(phoneSearch('1'.repeat(21), 'IN').kind).toBe('invalid');
  });

  it('shortens a long bad number in its reason by characters, never splitting a surrogate pair', () => {
    const script = '𝓣𝓱𝓮 𝓺𝓾𝓲𝓬𝓴 𝓫𝓻𝓸𝔀𝓷 𝓯𝓸𝔁 𝓳𝓾𝓶𝓹𝓼 𝓸𝓿𝓮𝓻 𝓽𝓱𝓮 𝓵𝓪𝔃𝔂 𝓭𝓸𝓰';
    const r = normalisePhone(script, 'IN');
    expect(r).toEqual({
      ok: false,
      reason: `invalid phone number "${Array.from(script).slice(0, 32).join('')}…"`,
    });
    // No lone surrogate (U+D800–U+DFFF without its pair) anywhere in the reason.
    expect(r.ok ? '' : r.reason).not.toMatch(
      /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/,
    );
  });
});
