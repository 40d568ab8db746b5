import { Kysely, sql } from 'kysely';

/** The claim's sliding-second check of a carrier's originates (attempts.repository `carrierRateWait`). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('attempts_carrier_sent_idx')
    .on('attempts')
    .columns(['carrier_id', 'originate_sent_at'])
    .where(sql.ref('originate_sent_at'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('attempts_carrier_sent_idx').ifExists().execute();
}
