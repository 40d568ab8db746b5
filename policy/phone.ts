/**
 * Phone numbers as the dialler stores and dials them: E.164 (`+<country code><national number>`).
 * Pure: the default region is a parameter (DEFAULT_PHONE_REGION, `IN` unless configured).
 *
 * Validity is libphonenumber's with its "min" metadata: the number must have a plausible length for its
 * country (and leading digits the country uses). We deliberately do not use the "max" metadata's
 * per-range patterns: they go stale and would reject freshly assigned ranges, and they cost three times
 * as much per number, which matters for a 500,000-row upload.
 */
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/min';

export type PhoneResult = { ok: true; e164: string } | { ok: false; reason: string };

/** Longest cell we try to read as a phone number; anything longer is data in the wrong column. */
const MAX_PHONE_INPUT = 64;

/**
 * Spreadsheet artefacts around a number: surrounding whitespace, a leading apostrophe (Excel's "keep as
 * text" marker, and what our own CSV reports prefix to neutralise formulas), and `="..."` (Excel's other
 * way of keeping leading zeros).
 */
function unwrap(raw: string): string {
  let s = raw.trim();
  if (s.startsWith("'")) s = s.slice(1).trim();
  if (s.startsWith('="') && s.endsWith('"') && s.length >= 3) s = s.slice(2, -1).trim();
  return s;
}

/** True when `region` is a two-letter region libphonenumber knows (validated once at start-up). */
export function isKnownRegion(region: string): boolean {
  return isSupportedCountry(region.toUpperCase());
}

/**
 * Normalise one number written in any common notation (`+91 98765 43210`, `098765 43210`, `0091…`,
 * `(415) 555-0101` with region US, …). A number without a `+` or international prefix is read in
 * `defaultRegion`.
 */
export function normalisePhone(raw: string, defaultRegion: string): PhoneResult {
  const input = unwrap(raw);
  if (input === '') return { ok: false, reason: 'missing phone number' };
  // Cut by characters, not UTF-16 units: half a surrogate pair is text Postgres refuses to store (the
  // reason is kept with the upload's skipped rows). At most 32 units is at most 32 characters: the split
  // is only paid for long input, not for every number of an import.
  const chars = input.length > 32 ? Array.from(input) : null;
  const shown = chars && chars.length > 32 ? `${chars.slice(0, 32).join('')}…` : input;
  if (input.length > MAX_PHONE_INPUT) return { ok: false, reason: `invalid phone number "${shown}"` };
  // Excel turns long digit strings into 9.19876543210E+11: the digits are lost, never guess them back.
  if (/^\d(\.\d+)?e\+?\d+$/i.test(input)) {
    return {
      ok: false,
      reason: `invalid phone number "${shown}" (a spreadsheet turned it into scientific notation)`,
    };
  }
  const parsed = parsePhoneNumberFromString(input, defaultRegion.toUpperCase() as CountryCode);
  if (!parsed || !parsed.isValid()) return { ok: false, reason: `invalid phone number "${shown}"` };
  return { ok: true, e164: parsed.number };
}

/** The E.164 form, or null when the input is not a valid number. */
export function toE164OrNull(raw: string, defaultRegion: string): string | null {
  const r = normalisePhone(raw, defaultRegion);
  return r.ok ? r.e164 : null;
}

/** What a call-list search for a phone number looks for: the contact's exact numbers, or a digit run. */
export type PhoneSearch =
  | { kind: 'numbers'; e164s: string[] }
  | { kind: 'digits'; digits: string }
  | { kind: 'invalid'; reason: string };

/** Fewer digits than this would match most of a list. */
export const PHONE_SEARCH_MIN_DIGITS = 3;

/**
 * A phone number as a person types it into a search box, in any notation `normalisePhone` reads. A valid
 * number is looked up exactly — as read in `defaultRegion`, and also as written with a `+` in front when it
 * was typed without one (a `+` in a URL query often arrives as a space, and "14155550123" may mean a US
 * number); anything else with enough digits matches every number containing those digits.
 */
export function phoneSearch(raw: string, defaultRegion: string): PhoneSearch {
  const input = unwrap(raw);
  const digits = input.replace(/\D/g, '');
  if (digits.length < PHONE_SEARCH_MIN_DIGITS) {
    return { kind: 'invalid', reason: `type at least ${PHONE_SEARCH_MIN_DIGITS} digits of the number` };
  }
  if (digits.length > 20) return { kind: 'invalid', reason: 'too many digits for a phone number' };
  const e164s = new Set<string>();
  const asTyped = normalisePhone(input, defaultRegion);
  if (asTyped.ok) e164s.add(asTyped.e164);
  if (!input.includes('+') && !digits.startsWith('0')) {
    const international = normalisePhone(`+${digits}`, defaultRegion);
    if (international.ok) e164s.add(international.e164);
  }
  return e164s.size > 0 ? { kind: 'numbers', e164s: [...e164s] } : { kind: 'digits', digits };
}
