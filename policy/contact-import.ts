/**
 * The rules of a contact CSV upload that hold whatever carries the file: its limits. The API's body limit,
 * the streaming import and the error report all read them here.
 */

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
