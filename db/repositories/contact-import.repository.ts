import type { Readable } from 'node:stream';
import { sql, type Kysely } from 'kysely';
import type { Db } from '../connection';
import type { CampaignStatus, Database } from '../schema';
import {
  analyseHeader,
  cellSources,
  cellsOfContact,
  cleanCell,
  isBlankRecord,
  normaliseRow,
  type CellSource,
  type CsvLayout,
} from '../../policy/csv-normalise';
import {
  DATABASE_SKIP_REASONS,
  DEFAULT_IMPORT_LIMITS,
  MAX_REPORTED_ERRORS,
  RowCollector,
  lockedError,
  modeFor,
  type ImportLimits,
  type RowError,
  type SkippedRow,
} from '../../policy/contact-import';
import { conflict, invalid, notFound, tooLarge } from '../../policy/errors';
import { csvError, forEachRecord, ImportLimitError, isTooLarge } from './contact-import.stream';
import { CONTACT_TIMEZONE_KEY, timezonesToStore } from '../../policy/contact-timezone';
import { numberTimezones } from '../../telephony/number-timezones';
import { copySink, insertSink, metadataJson, supportsCopyFrom, type Target } from './contact-import.sink';
import { INSERT_FENCE_PREFIX, registerVariables } from './contacts.repository';

/**
 * CSV contact upload (docs/api.md): one streamed pass over the file, one transaction, all or nothing.
 *
 *   request bytes ─► byte limit ─► csv-parse ─► header/row policy ─► COPY … FROM STDIN ─► finalise ─► commit
 *
 * (PGlite, the last-resort embedded database, gets batched INSERTs instead of the COPY.)
 *
 * The file is never held in memory: each parsed row is normalised (E.164, variables) and written to a
 * Postgres COPY at once, with backpressure from the database socket back to the request socket. What a
 * row can be skipped for that the file alone decides (no valid number, a duplicate earlier in the file)
 * is decided here; what needs the database (already in the campaign, opted out, sticky-excluded) is
 * decided by set-based SQL after the COPY. Any failure, a limit included, rolls the whole upload back.
 *
 * Two targets, chosen by the campaign's state:
 * - replace (a draft that never ran): the campaign's contacts are deleted and rows are COPYed straight
 *   into `contacts`. That is the big first upload, and COPY into the table costs the same as the `\copy`
 *   an engineer would run by hand: index maintenance dominates and our parsing overlaps with it. The
 *   campaign row is held for the duration (a Start waits for the list it will dial), and so is the
 *   campaign's insert fence: the trigger API takes it shared, for microseconds, so it cannot race the
 *   COPY on the (campaign, phone) unique index.
 * - append (running or paused): rows go to a temporary table and are merged with INSERT … SELECT … ON
 *   CONFLICT DO NOTHING, so the dialler and the trigger API keep working on the live campaign meanwhile.
 *
 * Every skipped row is kept with the upload (`contact_uploads`, `contact_upload_skips`): its number, its
 * reason and its cells, for the import summary and the skipped-rows download. Rows the file alone skips
 * are held until the COPY ends (the transaction's connection is busy with it), as their cells: at most
 * the file's own size. A replace drops the earlier uploads of the draft with the contacts they added.
 *
 * Row numbers in `errors` are spreadsheet rows: the header is row 1, the first data row is row 2, and an
 * empty line still takes a row number (a spreadsheet shows it as a blank row); a quoted cell spanning
 * several lines is one row. That is the number an operator finds when opening the file.
 */

export interface ImportResult {
  /** The upload as kept: its summary and skipped rows are read back with this id. */
  uploadId: string;
  added: number;
  skipped: number;
  errors: RowError[];
  /** The header as uploaded (BOM and surrounding spaces removed). */
  columns: string[];
  /** The columns stored as per-contact variables. */
  variables: string[];
  mode: 'replace' | 'append';
  status: CampaignStatus;
  runNo: number;
}

export interface ImportOptions {
  campaignId: string;
  source: Readable;
  defaultRegion: string;
  now: Date;
  /** Who uploaded (the API key's actor), kept with the upload. */
  uploadedBy: string;
  limits?: Partial<ImportLimits>;
}

type AnyDb = Kysely<Database>;

/** The advisory-lock keys of one campaign's imports (serialises uploads) and of its insert fence. */
export const importLockSql = (campaignId: string) => sql`hashtextextended(${'ori:import:' + campaignId}, 0)`;
export const insertFenceSql = (campaignId: string) =>
  sql`hashtextextended(${INSERT_FENCE_PREFIX + campaignId}, 0)`;

// ---------------------------------------------------------------------------------------------------------
// The import

interface Campaign {
  status: CampaignStatus;
  ever_started: boolean;
  run_no: number;
  sticky: boolean;
}

async function readCampaign(db: AnyDb, campaignId: string, lock: boolean): Promise<Campaign> {
  let q = db
    .selectFrom('campaigns')
    .select([
      'status',
      'ever_started',
      'run_no',
      sql<boolean>`coalesce((config->>'sticky_exclusion')::boolean, false)`.as('sticky'),
    ])
    .where('id', '=', campaignId);
  if (lock) q = q.forNoKeyUpdate();
  const row = await q.executeTakeFirst();
  if (!row) throw notFound('campaign', campaignId);
  return row;
}

/** Check before reading any byte: an upload that will be refused is refused at once. */
export async function assertContactsWritable(db: Db, campaignId: string): Promise<'replace' | 'append'> {
  const c = await readCampaign(db, campaignId, false);
  const mode = modeFor(c.status, c.ever_started);
  if (!mode) throw lockedError(c.status);
  return mode;
}

export async function importContacts(db: Db, opts: ImportOptions): Promise<ImportResult> {
  const limits: ImportLimits = { ...DEFAULT_IMPORT_LIMITS, ...opts.limits };
  const { campaignId, now } = opts;
  const first = await readCampaign(db, campaignId, false);
  const mode = modeFor(first.status, first.ever_started);
  if (!mode) throw lockedError(first.status);
  const runNo = first.run_no;
  const useCopy = await supportsCopyFrom(db);

  try {
    return await db.transaction().execute(async (tx) => {
      await sql`select pg_advisory_xact_lock(${importLockSql(campaignId)})`.execute(tx);
      if (mode === 'replace') {
        // A draft: hold the campaign row for the whole upload, so a Start waits for the list it will dial
        // (and cannot deadlock with us over the contacts being replaced). Nothing dials a draft meanwhile.
        const locked = await readCampaign(tx, campaignId, true);
        if (modeFor(locked.status, locked.ever_started) !== 'replace') throw lockedError(locked.status);
        await sql`select pg_advisory_xact_lock(${insertFenceSql(campaignId)})`.execute(tx);
        await tx.deleteFrom('contacts').where('campaign_id', '=', campaignId).execute();
        await sql`delete from campaign_variables where campaign_id = ${campaignId}`.execute(tx);
        await tx.deleteFrom('contact_uploads').where('campaign_id', '=', campaignId).execute();
      } else {
        await sql`
          create temp table import_rows (
            row_no integer not null, phone text not null, phones text[] not null,
            name text, email text, metadata jsonb not null, timezones text[], verdict text
          ) on commit drop`.execute(tx);
      }

      const upload = await tx
        .insertInto('contact_uploads')
        .values({
          campaign_id: campaignId,
          run_no: runNo,
          mode,
          added: 0,
          skipped: 0,
          columns: '[]',
          uploaded_by: opts.uploadedBy,
          uploaded_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const uploadId = upload.id;

      const target: Target = { mode, campaignId, runNo };
      const sink = useCopy ? await copySink(tx, target) : insertSink(tx, target);

      const rows = new RowCollector();
      // One JSON text per skipped row (skipJson): a file of bad rows costs about its own size.
      const fileSkips: string[] = [];
      const skip = (row: number, reason: string, cells: string[]): void => {
        rows.skip(row, reason);
        fileSkips.push(skipJson({ row, reason, cells: cells.map(cleanCell) }));
      };
      let layout: CsvLayout | null = null;
      let keyPrefixes: string[] = [];
      let timezoneColumn = -1;
      let recordNo = 0;
      let dataRows = 0;

      const onRecord = (cells: string[]): Promise<void> | null => {
        recordNo++;
        if (isBlankRecord(cells)) return null;
        if (!layout) {
          const header = analyseHeader(cells);
          if (!header.ok)
            throw invalid(header.problems, 'The CSV header is not usable; nothing was imported');
          layout = header.layout;
          keyPrefixes = layout.variables.map((v) => `${JSON.stringify(v.key)}:`);
          timezoneColumn = layout.variables.findIndex((v) => v.key === CONTACT_TIMEZONE_KEY);
          return null;
        }
        if (++dataRows > limits.maxRows) {
          throw new ImportLimitError(`The CSV has more than ${limits.maxRows.toLocaleString('en-US')} rows`);
        }
        const r = normaliseRow(cells, layout, opts.defaultRegion);
        if (!r.ok) {
          skip(recordNo, r.reason, cells);
          return null;
        }
        const c = r.contact;
        const phone = c.phones[0] as string;
        const earlier = rows.rowOfPhone.get(phone);
        if (earlier !== undefined) {
          skip(recordNo, `duplicate of row ${earlier} (${phone})`, cells);
          return null;
        }
        rows.rowOfPhone.set(phone, recordNo);
        return sink.add({
          rowNo: recordNo,
          phone,
          phones: c.phones,
          name: c.name,
          email: c.email,
          metadata: metadataJson(keyPrefixes, c.values),
          timezones: timezonesToStore(
            timezoneColumn < 0 ? null : { [CONTACT_TIMEZONE_KEY]: c.values[timezoneColumn] ?? '' },
            numberTimezones(phone),
          ),
        });
      };

      let stored: number;
      try {
        await forEachRecord(opts.source, limits, onRecord);
        stored = await sink.finish();
      } catch (err) {
        await sink.abort(err instanceof Error ? err : new Error(String(err)));
        throw err;
      }
      if (!layout) {
        throw invalid([
          { field: 'file', message: 'the CSV is empty: it needs a header row with a phone_number column' },
        ]);
      }
      const finalLayout: CsvLayout = layout;
      await storeSkips(tx, uploadId, fileSkips);
      fileSkips.length = 0;

      const kept = { uploadId, sources: cellSources(finalLayout) };
      if (mode === 'replace') {
        await finaliseReplace(tx, campaignId, first.sticky, stored, rows, kept);
      } else {
        await finaliseAppend(tx, campaignId, runNo, first.sticky, now, rows, kept);
      }
      await tx
        .updateTable('contact_uploads')
        .set({
          added: rows.added,
          skipped: rows.skipped,
          columns: JSON.stringify(finalLayout.columns),
        })
        .where('id', '=', uploadId)
        .execute();
      if (rows.added > 0) {
        await registerVariables(
          tx,
          campaignId,
          finalLayout.variables.map((v) => v.key),
        );
      }

      // A live campaign's row is not held while the file streams (admission locks it every tick): re-check
      // its state now under the row lock, which also holds any status change back until this commit.
      const last = await readCampaign(tx, campaignId, true);
      if (modeFor(last.status, last.ever_started) !== mode || last.run_no !== runNo)
        throw lockedError(last.status);

      return {
        uploadId,
        added: rows.added,
        skipped: rows.skipped,
        errors: rows.errors,
        columns: finalLayout.columns,
        variables: finalLayout.variables.map((v) => v.key),
        mode,
        status: last.status,
        runNo,
      };
    });
  } catch (err) {
    if (isTooLarge(err)) throw tooLarge(`${(err as Error).message}; nothing was imported`);
    const code = (err as { code?: string } | null)?.code;
    if (code === '40P01' || code === '40001') {
      // A lifecycle action (pause, stop) touched the same contacts at the same moment and won.
      throw conflict(
        'campaign_changed',
        'The campaign changed while the CSV was uploading; nothing was imported. Retry.',
      );
    }
    throw csvError(err) ?? err;
  }
}

/** Where this upload's skipped rows are kept, and how a stored contact is written back as its row. */
interface KeptSkips {
  uploadId: string;
  sources: CellSource[];
}

const SKIP_BATCH = 1_000;

/** Skipped rows as storeSkips takes them: one JSON text `[row, reason, cells]` each. */
function skipJson(s: SkippedRow): string {
  return JSON.stringify([s.row, s.reason, s.cells]);
}

/** Keep skipped rows with their upload, in batched INSERTs of SKIP_BATCH rows (one array parameter). */
async function storeSkips(tx: AnyDb, uploadId: string, skips: readonly string[]): Promise<void> {
  for (let i = 0; i < skips.length; i += SKIP_BATCH) {
    const batch = skips.slice(i, i + SKIP_BATCH);
    await sql`
      insert into contact_upload_skips (upload_id, row_no, reason, cells)
      select ${uploadId}::uuid, (x->>0)::int, x->>1, x->2
      from unnest(${batch}::jsonb[]) as x`.execute(tx);
  }
}

/** SQL twin of cellsOfContact over `import_rows` (phones, name, email, metadata). */
function cellsSql(sources: readonly CellSource[]) {
  const cells = sources.map((s) => {
    switch (s.kind) {
      case 'phone':
        return sql`coalesce(phones[${s.n + 1}::int], '')`;
      case 'name':
        return sql`coalesce(name, '')`;
      case 'email':
        return sql`coalesce(email, '')`;
      case 'variable':
        return sql`coalesce(metadata->>${s.key}::text, '')`;
      case 'none':
        return sql`''`;
    }
  });
  return sql`to_jsonb(array[${sql.join(cells)}]::text[])`;
}

/**
 * Replace: every row is already in `contacts`. Remove the ones the campaign may not hold: opted-out
 * numbers, and with sticky exclusion numbers excluded earlier (the exclusion outlives the deleted row).
 */
async function finaliseReplace(
  tx: AnyDb,
  campaignId: string,
  sticky: boolean,
  stored: number,
  rows: RowCollector,
  kept: KeptSkips,
): Promise<void> {
  const { rows: checks } = await sql<{ opt_outs: boolean; exclusions: boolean }>`
    select exists (select 1 from opt_outs) as opt_outs,
           ${sticky} and exists (select 1 from exclusions where campaign_id = ${campaignId} and mobile is not null)
             as exclusions`.execute(tx);
  const check = checks[0];
  type Removed = {
    phone: string;
    reason: string;
    phones: string[];
    name: string | null;
    email: string | null;
    metadata: Record<string, string>;
  };
  let removed: Removed[] = [];
  if (check?.opt_outs || check?.exclusions) {
    ({ rows: removed } = await sql<Removed>`
      delete from contacts c
      where c.campaign_id = ${campaignId}
        and (exists (select 1 from opt_outs o where o.phone = c.phone)
             or (${sticky} and exists (select 1 from exclusions e
                                       where e.campaign_id = ${campaignId} and e.mobile = c.phone)))
      returning c.phone, c.phones, c.name, c.email, c.metadata,
        case when exists (select 1 from opt_outs o where o.phone = c.phone) then ${DATABASE_SKIP_REASONS.opted_out}
             else ${DATABASE_SKIP_REASONS.sticky} end as reason`.execute(tx));
  }
  const later: SkippedRow[] = removed
    .map((r) => ({
      row: rows.rowOfPhone.get(r.phone) ?? 0,
      reason: `${r.reason} (${r.phone})`,
      cells: cellsOfContact(kept.sources, r),
    }))
    .sort((a, b) => a.row - b.row);
  await storeSkips(tx, kept.uploadId, later.map(skipJson));
  rows.added = stored - removed.length;
  rows.addLater(
    later.slice(0, MAX_REPORTED_ERRORS).map(({ row, reason }) => ({ row, reason })),
    removed.length,
  );
}

/**
 * Append: merge `import_rows` into the running campaign. A number already in the campaign is skipped,
 * except an excluded one: with sticky exclusion it stays excluded (skipped, said so), without it the
 * deliberate re-add re-activates the contact (counted as added). New contacts are ready at once.
 */
async function finaliseAppend(
  tx: AnyDb,
  campaignId: string,
  runNo: number,
  sticky: boolean,
  now: Date,
  rows: RowCollector,
  kept: KeptSkips,
): Promise<void> {
  await sql`analyze import_rows`.execute(tx);
  await sql`
    update import_rows i set verdict = v.verdict
    from (
      select i2.row_no,
        case
          when o.phone is not null then 'opted_out'
          when c.id is not null and (c.state = 'excluded' or c.excluded_at is not null)
            then case when ${sticky} then 'sticky' else 'reactivate' end
          when c.id is not null then 'duplicate'
          when ${sticky} and exists (select 1 from exclusions e where e.campaign_id = ${campaignId} and e.mobile = i2.phone)
            then 'sticky'
        end as verdict
      from import_rows i2
      left join contacts c on c.campaign_id = ${campaignId} and c.phone = i2.phone
      left join opt_outs o on o.phone = i2.phone
      where o.phone is not null or c.id is not null
         or (${sticky} and exists (select 1 from exclusions e where e.campaign_id = ${campaignId} and e.mobile = i2.phone))
    ) v
    where i.row_no = v.row_no`.execute(tx);

  const reactivated = await sql`
    update contacts c set
      state = case when c.state = 'excluded' then 'pending' else c.state end,
      ready_at = case when c.state = 'excluded' then ${now}::timestamptz else c.ready_at end,
      final_at = case when c.state = 'excluded' then null else c.final_at end,
      workflow_started = case when c.state = 'excluded' then false else c.workflow_started end,
      next_due_at = case when c.state = 'excluded' then null else c.next_due_at end,
      excluded_at = null, exclusion_reason = null,
      phones = i.phones, name = coalesce(i.name, c.name), email = coalesce(i.email, c.email),
      metadata = c.metadata || i.metadata, updated_at = ${now},
      timezones = case when i.metadata ? 'timezone' or c.timezones is null then i.timezones else c.timezones end
    from import_rows i
    where i.verdict = 'reactivate' and c.campaign_id = ${campaignId} and c.phone = i.phone`.execute(tx);

  // A row that lost a race with a concurrent trigger of the same number is a duplicate too: marked so,
  // it is kept and reported like the others.
  const { rows: merged } = await sql<{ inserted: number }>`
    with ins as (
      insert into contacts (campaign_id, phone, phones, name, email, metadata, timezones, source, added_in_run,
                            run_no, ready_at)
      select ${campaignId}::uuid, phone, phones, name, email, metadata, timezones, 'csv', ${runNo}::int,
             ${runNo}::int, ${now}::timestamptz
      from import_rows where verdict is null
      order by row_no
      on conflict (campaign_id, phone) do nothing
      returning phone
    ), raced as (
      update import_rows i set verdict = 'duplicate'
      where i.verdict is null and not exists (select 1 from ins where ins.phone = i.phone)
      returning 1
    )
    select (select count(*)::int from ins) as inserted, (select count(*)::int from raced) as raced`.execute(
    tx,
  );

  const reason = sql`case verdict
      when 'opted_out' then ${DATABASE_SKIP_REASONS.opted_out}::text
      when 'sticky' then ${DATABASE_SKIP_REASONS.sticky}::text
      else ${DATABASE_SKIP_REASONS.duplicate}::text end || ' (' || phone || ')'`;
  await sql`
    insert into contact_upload_skips (upload_id, row_no, reason, cells)
    select ${kept.uploadId}::uuid, row_no, ${reason}, ${cellsSql(kept.sources)}
    from import_rows where verdict in ('opted_out', 'sticky', 'duplicate')`.execute(tx);
  const { rows: skipped } = await sql<RowError & { n: number }>`
    select count(*) over ()::int as n, row_no as "row", ${reason} as reason
    from import_rows where verdict in ('opted_out', 'sticky', 'duplicate')
    order by row_no limit ${MAX_REPORTED_ERRORS}`.execute(tx);
  rows.added = (merged[0]?.inserted ?? 0) + Number(reactivated.numAffectedRows ?? 0);
  rows.addLater(
    skipped.map(({ row, reason }) => ({ row, reason })),
    skipped[0]?.n ?? 0,
  );
}
