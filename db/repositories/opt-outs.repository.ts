import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema';
import { notFound } from '../../policy/errors';
import type { OptOutSource } from '../../policy/opt-out';

/**
 * The organisation's do-not-call list (`opt_outs`, one row per E.164 number). Admission, the claim, the
 * trigger and CSV import read it directly; this module is how operators and CRMs manage it. A number is
 * listed once: adding it again keeps the first entry (its reason and source say why it was listed).
 */

type AnyDb = Kysely<Database>;

export interface OptOutEntry {
  /** E.164, already normalised. */
  phone: string;
  reason: string | null;
}

export interface OptOutRow {
  phone: string;
  reason: string | null;
  source: string;
  created_at: Date;
}

export interface OptOutPage {
  items: OptOutRow[];
  page: number;
  per_page: number;
  total: number;
}

/**
 * List the numbers in one statement (a CSV of tens of thousands is one round trip). `added` counts the
 * numbers that were not listed before; every other entry (already listed, or repeated in `entries`) is
 * `skipped`.
 */
export async function addOptOuts(
  db: AnyDb,
  entries: readonly OptOutEntry[],
  source: OptOutSource,
  now: Date,
): Promise<{ added: number; skipped: number }> {
  if (entries.length === 0) return { added: 0, skipped: 0 };
  const { rows } = await sql<{ added: number }>`
    with incoming as (
      select distinct on (phone) phone, reason
      from unnest(${entries.map((e) => e.phone)}::text[], ${entries.map((e) => e.reason)}::text[])
        with ordinality as t(phone, reason, n)
      order by phone, n
    ), inserted as (
      insert into opt_outs (phone, reason, source, created_at)
      select phone, reason, ${source}, ${now}::timestamptz from incoming
      on conflict (phone) do nothing
      returning 1
    )
    select count(*)::int as added from inserted`.execute(db);
  const added = rows[0]?.added ?? 0;
  return { added, skipped: entries.length - added };
}

/** Newest first; `search` is matched against any part of the number, by its digits. */
export async function listOptOuts(
  db: AnyDb,
  q: { search?: string; page: number; perPage: number },
): Promise<OptOutPage> {
  const digits = (q.search ?? '').replace(/\D/g, '');
  const searched = (q.search ?? '').trim() !== '';
  // A search with no digit in it can match no number.
  if (searched && digits === '') return { items: [], page: q.page, per_page: q.perPage, total: 0 };
  let query = db.selectFrom('opt_outs');
  if (searched) query = query.where('phone', 'like', `%${digits}%`);
  const [items, total] = await Promise.all([
    query
      .select(['phone', 'reason', 'source', 'created_at'])
      .orderBy('created_at', 'desc')
      .orderBy('phone')
      .limit(q.perPage)
      .offset((q.page - 1) * q.perPage)
      .execute(),
    query.select(sql<number>`count(*)::int`.as('n')).executeTakeFirst(),
  ]);
  return { items, page: q.page, per_page: q.perPage, total: total?.n ?? 0 };
}

/** Take a number off the list; an unlisted number is `not_found`. */
export async function removeOptOut(db: AnyDb, phone: string): Promise<void> {
  const removed = await db.deleteFrom('opt_outs').where('phone', '=', phone).executeTakeFirst();
  if (Number(removed.numDeletedRows) === 0) throw notFound('do-not-call entry', phone);
}

/** The entry for a number, or undefined when it is not listed. */
export async function findOptOut(db: AnyDb, phone: string): Promise<OptOutRow | undefined> {
  return db
    .selectFrom('opt_outs')
    .select(['phone', 'reason', 'source', 'created_at'])
    .where('phone', '=', phone)
    .executeTakeFirst();
}
