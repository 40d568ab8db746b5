import type { Writable } from 'node:stream';
import type { Kysely } from 'kysely';
import { stringify } from 'csv-stringify/sync';
import type { Database } from '../schema';
import { skippedRowsHeader } from '../../policy/contact-import';
import { neutraliseFormula } from '../../policy/csv-normalise';
import { notFound } from '../../policy/errors';
import { findCampaignBasics } from './contacts.repository';

/**
 * The contact uploads of a campaign as kept by the import (contact-import.repository.ts): the import
 * summary, and every skipped row with its reason as a CSV an operator can fix and upload again.
 */

type AnyDb = Kysely<Database>;

export interface UploadSummary {
  id: string;
  run_no: number;
  mode: 'replace' | 'append';
  added: number;
  skipped: number;
  columns: string[];
  uploaded_by: string;
  uploaded_at: Date;
}

/** The newest `limit` uploads of the campaign, newest first, and how many it has in all. */
export async function listUploads(
  db: AnyDb,
  campaignId: string,
  limit: number,
): Promise<{ items: UploadSummary[]; total: number }> {
  await findCampaignBasics(db, campaignId);
  const items = await db
    .selectFrom('contact_uploads')
    .select(['id', 'run_no', 'mode', 'added', 'skipped', 'columns', 'uploaded_by', 'uploaded_at'])
    .where('campaign_id', '=', campaignId)
    .orderBy('uploaded_at', 'desc')
    .orderBy('id')
    .limit(limit)
    .execute();
  const count = await db
    .selectFrom('contact_uploads')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('campaign_id', '=', campaignId)
    .executeTakeFirst();
  return { items, total: Number(count?.n ?? 0) };
}

/** One upload of the campaign (404 for another campaign's upload). */
export async function findUpload(db: AnyDb, campaignId: string, uploadId: string): Promise<UploadSummary> {
  await findCampaignBasics(db, campaignId);
  const row = await db
    .selectFrom('contact_uploads')
    .select(['id', 'run_no', 'mode', 'added', 'skipped', 'columns', 'uploaded_by', 'uploaded_at'])
    .where('campaign_id', '=', campaignId)
    .where('id', '=', uploadId)
    .executeTakeFirst();
  if (!row) throw notFound('upload', uploadId);
  return row;
}

const PAGE = 5_000;

const csvLines = (records: string[][]): string =>
  stringify(
    records.map((r) => r.map(neutraliseFormula)),
    { record_delimiter: '\n' },
  );

/**
 * Write the upload's skipped rows to `out` as CSV (`row,reason,` then the upload's columns) in row
 * order, a page at a time with backpressure, and end it. Cells a spreadsheet would run as a formula are
 * neutralised, as in the attempt report; the import strips that apostrophe again on a re-upload.
 */
export async function streamSkippedRows(db: AnyDb, upload: UploadSummary, out: Writable): Promise<void> {
  const write = async (chunk: string): Promise<void> => {
    if (out.destroyed) throw new Error('the client went away');
    if (!out.write(chunk)) await new Promise((resolve) => out.once('drain', resolve));
  };
  await write(csvLines([skippedRowsHeader(upload.columns)]));
  let after = 0;
  for (;;) {
    const page = await db
      .selectFrom('contact_upload_skips')
      .select(['row_no', 'reason', 'cells'])
      .where('upload_id', '=', upload.id)
      .where('row_no', '>', after)
      .orderBy('row_no')
      .limit(PAGE)
      .execute();
    if (page.length === 0) break;
    await write(csvLines(page.map((s) => [String(s.row_no), s.reason, ...s.cells])));
    after = page[page.length - 1]?.row_no ?? after;
    if (page.length < PAGE) break;
  }
  out.end();
}
