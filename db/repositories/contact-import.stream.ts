import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import type { ImportLimits } from '../../policy/contact-import';
import { invalid, type ValidationError } from '../../policy/errors';

/**
 * The CSV stream of a contact upload: request bytes → byte limit → csv-parse → one call per record, with
 * backpressure from whatever the records are written to. It knows nothing about contacts or the database.
 */

/** A limit of the upload was passed (bytes, rows): answered as 413. */
export class ImportLimitError extends Error {}

/**
 * Feed `source` through the byte limit into csv-parse and call `onRecord` for each record, awaiting the
 * promise it may return (COPY backpressure) with the parser paused. On any failure the source is
 * detached and drained, not destroyed, so the client still reads our 413/422 answer.
 */
export async function forEachRecord(
  source: Readable,
  limits: ImportLimits,
  onRecord: (cells: string[]) => Promise<void> | null,
): Promise<void> {
  const parser = parse({
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: false,
    max_record_size: limits.maxRecordBytes,
  });
  let bytes = 0;
  let failed: Error | null = null;
  const fail = (err: Error): void => {
    if (!failed) failed = err;
    parser.destroy(err);
  };
  const onData = (chunk: Buffer | string): void => {
    bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    if (bytes > limits.maxBytes) {
      fail(new ImportLimitError(`The CSV is larger than ${Math.round(limits.maxBytes / 1024 / 1024)} MB`));
      return;
    }
    if (!parser.write(chunk)) source.pause();
  };
  const onEnd = (): void => {
    parser.end();
  };
  const onSourceError = (err: Error): void => fail(err);
  parser.on('drain', () => {
    if (!failed) source.resume();
  });
  source.on('data', onData);
  source.on('end', onEnd);
  source.on('error', onSourceError);
  // Multipart file streams report their own size limit as an error: that is a 413 too.
  try {
    await new Promise<void>((resolve, reject) => {
      let pending: Promise<void> | null = null;
      parser.on('readable', function pump() {
        if (pending) return;
        let cells: string[] | null;
        while ((cells = parser.read() as string[] | null) !== null) {
          let wait: Promise<void> | null;
          try {
            wait = onRecord(cells);
          } catch (err) {
            fail(err as Error);
            return;
          }
          if (wait) {
            pending = wait;
            wait.then(
              () => {
                pending = null;
                pump();
              },
              (err: unknown) => fail(err as Error),
            );
            return;
          }
        }
      });
      parser.on('end', () => (failed ? reject(failed) : resolve()));
      parser.on('error', (err) => reject(failed ?? err));
      parser.on('close', () => {
        if (failed) reject(failed);
      });
    });
  } finally {
    source.off('data', onData);
    source.off('end', onEnd);
    source.off('error', onSourceError);
    if (failed && !source.destroyed && !source.readableEnded) {
      // Let the rest of the request body flow away so the answer can be written on a healthy socket.
      source.on('error', () => undefined);
      source.resume();
    }
  }
}

export function isTooLarge(err: unknown): boolean {
  if (err instanceof ImportLimitError) return true;
  const code = (err as { code?: string } | null)?.code;
  return code === 'FST_REQ_FILE_TOO_LARGE';
}

export function csvError(err: unknown): ValidationError | null {
  const e = err as { code?: string; message?: string; lines?: number } | null;
  if (!e?.code || !e.code.startsWith('CSV_')) return null;
  const message =
    e.code === 'CSV_MAX_RECORD_SIZE'
      ? `a row is longer than the 1 MB limit (often an unbalanced quote) near line ${e.lines ?? '?'}`
      : (e.message ?? 'the CSV could not be parsed');
  return invalid([{ field: 'file', message }], 'The CSV could not be read; nothing was imported');
}
