import { cleanCell } from './csv-normalise';
import { normalisePhone } from './phone';

export interface OptOutCsvEntry {
  phone: string;
  reason: string | null;
}

export type OptOutCsvResult =
  | { ok: true; entries: OptOutCsvEntry[]; errors: { row: number; reason: string }[]; rejected: number }
  | { ok: false; message: string };

/** Most row errors an answer lists; the count covers all of them. */
export const MAX_OPT_OUT_CSV_ERRORS = 100;

const headerKey = (cell: string): string =>
  cleanCell(cell)
    .replace(/^\uFEFF/, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');

/**
 * A do-not-call CSV, already split into records: the header names a `phone` or `phone_number` column
 * (any case, a byte-order mark allowed) and optionally `reason`. Rows are numbered as a spreadsheet shows
 * them (the header is row 1); a row whose number is not valid is rejected with its reason, blank rows are
 * ignored.
 */
export function readOptOutCsv(
  records: readonly (readonly string[])[],
  defaultRegion: string,
): OptOutCsvResult {
  const header = records[0];
  if (!header) return { ok: false, message: 'the CSV is empty: it needs a header with a phone column' };
  const keys = header.map(headerKey);
  const phoneAt = keys.findIndex((k) => k === 'phone' || k === 'phonenumber');
  if (phoneAt < 0) return { ok: false, message: 'the header has no "phone" or "phone_number" column' };
  const reasonAt = keys.indexOf('reason');
  const entries: OptOutCsvEntry[] = [];
  const errors: { row: number; reason: string }[] = [];
  let rejected = 0;
  records.slice(1).forEach((cells, i) => {
    if (cells.every((c) => cleanCell(c) === '')) return;
    const phone = normalisePhone(cells[phoneAt] ?? '', defaultRegion);
    if (!phone.ok) {
      rejected++;
      if (errors.length < MAX_OPT_OUT_CSV_ERRORS) errors.push({ row: i + 2, reason: phone.reason });
      return;
    }
    const reason = reasonAt >= 0 ? cleanCell(cells[reasonAt]) : '';
    entries.push({ phone: phone.e164, reason: reason === '' ? null : reason.slice(0, 1000) });
  });
  return { ok: true, entries, errors, rejected };
}
