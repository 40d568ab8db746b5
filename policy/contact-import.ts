/**
 * The rules of a contact CSV upload that hold whatever carries the file: its limits, which campaigns take
 * contacts and how (replace or append), and how skipped rows are reported. The API's body limit, the
 * streaming import and its error report all read them here; the row rules themselves (header, phones,
 * variables) are in csv-normalise.ts.
 */
import { conflict, type ConflictError } from './errors';

const MIB = 1024 * 1024;

export interface ImportLimits {
  /** Bytes of CSV: the documented 100 MB, read as MiB. */
  maxBytes: number;
  /** Data rows, empty lines not counted (500,000). */
  maxRows: number;
  /** Longest single record: an unbalanced quote must not make one "row" swallow the whole upload. */
  maxRecordBytes: number;
}

export const DEFAULT_IMPORT_LIMITS: Readonly<ImportLimits> = {
  maxBytes: 100 * MIB,
  maxRows: 500_000,
  maxRecordBytes: MIB,
};

/** At most this many `errors` entries are returned; `skipped` still counts every skipped row. */
export const MAX_REPORTED_ERRORS = 100;

export interface RowError {
  row: number;
  reason: string;
}

/** How an upload lands: a draft that never ran is replaced, a live run is appended to, the rest refuse. */
export function modeFor(status: string, everStarted: boolean): 'replace' | 'append' | null {
  if (status === 'draft') return everStarted ? null : 'replace';
  if (status === 'running' || status === 'paused') return 'append';
  return null;
}

export function lockedError(status: string): ConflictError {
  return status === 'draft'
    ? conflict(
        'contacts_locked',
        'CSV contacts are locked for this campaign: it has already run. Use Clone if you need a different contact set.',
      )
    : conflict('invalid_state', `Contacts cannot be added to a ${status} campaign.`);
}

/** Counts and the first MAX_REPORTED_ERRORS skipped rows of an upload, in row order. */
export class RowCollector {
  added = 0;
  skipped = 0;
  readonly errors: RowError[] = [];
  /** Every phone kept so far → its row: in-file duplicates, and rows for skips the database decides. */
  readonly rowOfPhone = new Map<string, number>();

  skip(row: number, reason: string): void {
    this.skipped++;
    if (this.errors.length < MAX_REPORTED_ERRORS) this.errors.push({ row, reason });
  }

  /** Merge skips decided later (already sorted by row) into the first MAX_REPORTED_ERRORS by row. */
  addLater(more: RowError[], count: number): void {
    this.skipped += count;
    const merged = [...this.errors, ...more].sort((a, b) => a.row - b.row).slice(0, MAX_REPORTED_ERRORS);
    this.errors.splice(0, this.errors.length, ...merged);
  }
}

/** A skipped row as kept with its upload: the spreadsheet row, why, and its cells. */
export interface SkippedRow extends RowError {
  cells: string[];
}

/** The skipped-rows download: the row number and reason first, then the upload's own columns. */
export function skippedRowsHeader(columns: readonly string[]): string[] {
  return ['row', 'reason', ...columns];
}

/** Why the database refused a row after the file was read, by the import's verdict on it. */
export const DATABASE_SKIP_REASONS = {
  opted_out: 'opted out',
  sticky: 'excluded (sticky exclusion)',
  duplicate: 'already in the campaign',
} as const;
