import { Kysely, sql } from 'kysely';

/**
 * A carrier's optional per-minute rate: the results price each day's talk minutes with it (null: the
 * carrier's minutes are shown without a cost). A rate is never negative.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('carriers')
    .addColumn('cost_per_minute', sql`numeric(14, 6)`, (c) => c.check(sql`cost_per_minute >= 0`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('carriers').dropColumn('cost_per_minute').execute();
}
