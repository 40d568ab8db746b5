import type { Writable } from 'node:stream';
import { sql, type Kysely } from 'kysely';
import { from as copyFrom } from 'pg-copy-streams';
import type { Db } from '../connection';
import type { Database } from '../schema';
import { submitRaw } from '../submittable';

/**
 * Where a contact upload's accepted rows go, inside the import's transaction: a COPY … FROM STDIN stream
 * (Postgres), or batched multi-row INSERTs where COPY FROM STDIN is unavailable (PGlite). Either writes
 * straight into `contacts` (replace) or into the `import_rows` staging table (append).
 */

type AnyDb = Kysely<Database>;

// COPY text format

const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const NEEDS_ESCAPE = /[\\\n\r\t]/;

function copyText(value: string | null): string {
  if (value === null) return '\\N';
  return NEEDS_ESCAPE.test(value) ? value.replace(/[\\\n\r\t]/g, (c) => COPY_ESCAPES[c] ?? c) : value;
}

/** `{"key": "value", …}` for the non-empty variables, built without an intermediate object. */
export function metadataJson(keyPrefixes: readonly string[], values: readonly string[]): string {
  let out = '';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!v) continue;
    out += (out === '' ? '{' : ',') + keyPrefixes[i] + JSON.stringify(v);
  }
  return out === '' ? '{}' : `${out}}`;
}

/** Write `chunk`, waiting for 'drain' when the COPY socket is full; reject if the COPY fails meanwhile. */
function writeWithBackpressure(target: Writable, chunk: string): Promise<void> | null {
  if (target.write(chunk)) return null;
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => {
      target.off('drain', onDrain);
      target.off('error', done);
      target.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = (): void => done();
    const onClose = (): void => done(new Error('the COPY stream closed while writing'));
    target.on('drain', onDrain);
    target.on('error', done);
    target.on('close', onClose);
  });
}

export interface SinkRow {
  rowNo: number;
  phone: string;
  phones: string[];
  name: string | null;
  email: string | null;
  metadata: string;
  /** The zones its recipient hours are judged in (policy/contact-timezone.ts). */
  timezones: string[];
}

export interface RowSink {
  /** Take one row; a promise means "wait before the next one" (backpressure). */
  add(row: SinkRow): Promise<void> | null;
  /** Flush and close; the number of rows stored. */
  finish(): Promise<number>;
  /** Give up (the transaction is rolled back by the caller). */
  abort(err: Error): Promise<void>;
}

/** Columns of the target: straight into `contacts` (replace) or into the `import_rows` staging table. */
export interface Target {
  mode: 'replace' | 'append';
  campaignId: string;
  runNo: number;
}

const FLUSH_CHARS = 256 * 1024;

export async function copySink(tx: AnyDb, t: Target): Promise<RowSink> {
  const copySql =
    t.mode === 'replace'
      ? 'copy contacts (campaign_id, phone, phones, name, email, metadata, timezones, source, added_in_run, run_no) from stdin'
      : 'copy import_rows (row_no, phone, phones, name, email, metadata, timezones) from stdin';
  const copy = await submitRaw(tx, copyFrom(copySql));
  const done = new Promise<void>((resolve, reject) => {
    copy.on('finish', resolve);
    copy.on('error', reject);
  });
  // An early COPY failure must not become an unhandled rejection while rows are still being read.
  done.catch(() => undefined);
  const suffix = t.mode === 'replace' ? `\tcsv\t${t.runNo}\t${t.runNo}\n` : '\n';
  let buffer = '';
  return {
    add(r) {
      const head = t.mode === 'replace' ? t.campaignId : String(r.rowNo);
      buffer +=
        `${head}\t${r.phone}\t{${r.phones.join(',')}}\t${copyText(r.name)}\t${copyText(r.email)}\t` +
        `${copyText(r.metadata)}\t{${r.timezones.join(',')}}${suffix}`;
      if (buffer.length < FLUSH_CHARS) return null;
      const chunk = buffer;
      buffer = '';
      return writeWithBackpressure(copy, chunk);
    },
    async finish() {
      if (buffer) await (writeWithBackpressure(copy, buffer) ?? Promise.resolve());
      copy.end();
      await done;
      return copy.rowCount;
    },
    async abort(err) {
      // CopyFail: the server aborts the COPY; the caller's transaction then rolls back.
      if (!copy.destroyed) copy.destroy(err);
      await done.catch(() => undefined);
    },
  };
}

const INSERT_BATCH = 2_000;

/**
 * PGlite (the last-resort embedded database) cannot take COPY FROM STDIN over its socket: the same rows
 * go in as multi-row INSERTs of INSERT_BATCH rows, one array parameter per column.
 */
export function insertSink(tx: AnyDb, t: Target): RowSink {
  let batch: SinkRow[] = [];
  let stored = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const rows = batch;
    batch = [];
    const col = <K extends keyof SinkRow>(k: K) => rows.map((r) => r[k]);
    const phones = rows.map((r) => r.phones.join(','));
    const zones = rows.map((r) => r.timezones.join(','));
    const r =
      t.mode === 'replace'
        ? await sql`
            insert into contacts (campaign_id, phone, phones, name, email, metadata, timezones, source, added_in_run, run_no)
            select ${t.campaignId}::uuid, p, string_to_array(ps, ','), n, e, m::jsonb, string_to_array(z, ','), 'csv',
                   ${t.runNo}::int, ${t.runNo}::int
            from unnest(${col('phone')}::text[], ${phones}::text[], ${col('name')}::text[], ${col('email')}::text[],
                        ${col('metadata')}::text[], ${zones}::text[]) with ordinality as x(p, ps, n, e, m, z, o)
            order by o`.execute(tx)
        : await sql`
            insert into import_rows (row_no, phone, phones, name, email, metadata, timezones)
            select r, p, string_to_array(ps, ','), n, e, m::jsonb, string_to_array(z, ',')
            from unnest(${col('rowNo')}::int[], ${col('phone')}::text[], ${phones}::text[], ${col('name')}::text[],
                        ${col('email')}::text[], ${col('metadata')}::text[], ${zones}::text[]) as x(r, p, ps, n, e, m, z)`.execute(
            tx,
          );
    stored += Number(r.numAffectedRows ?? 0);
  };
  return {
    add(row) {
      batch.push(row);
      return batch.length >= INSERT_BATCH ? flush() : null;
    },
    async finish() {
      await flush();
      return stored;
    },
    async abort() {
      batch = [];
    },
  };
}

const copySupport = new WeakMap<object, Promise<boolean>>();

/** Make imports on this database use batched INSERTs instead of COPY (tests of the PGlite path). */
export function preferInserts(db: Db): void {
  copySupport.set(db, Promise.resolve(false));
}

/** COPY FROM STDIN works on every real Postgres; PGlite's socket server loses protocol sync on it. */
export function supportsCopyFrom(db: Db): Promise<boolean> {
  let known = copySupport.get(db);
  if (!known) {
    known = sql<{ version: string }>`select version() as version`
      .execute(db)
      .then(({ rows }) => !/pglite/i.test(rows[0]?.version ?? ''));
    copySupport.set(db, known);
  }
  return known;
}
