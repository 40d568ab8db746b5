import { Kysely, sql } from 'kysely';

/**
 * What the engine needs beyond the initial model. Its hot paths: "is anything left to do?", stale-lease recovery, and whether a contact
 * ended because its retries ran out (the `max_retries` completion reason).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('contacts')
    .addColumn('exhausted_retries', 'boolean', (c) => c.notNull().defaultTo(false))
    // Breadth-first phones and the stop rule carry over between attempts of a run (policy/next-step).
    .addColumn('reached_phone_index', 'integer')
    .addColumn('redials_stopped', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  // Completion check: does this campaign still have a contact that is not final?
  await db.schema
    .createIndex('contacts_open_idx')
    .on('contacts')
    .column('campaign_id')
    .where(sql.ref('final_at'), 'is', null)
    .execute();
  // Seats held and stale leases: open attempts by lease expiry.
  await db.schema
    .createIndex('attempts_open_lease_idx')
    .on('attempts')
    .columns(['campaign_id', 'lease_expires_at'])
    .where(sql.ref('ended_at'), 'is', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('attempts_open_lease_idx').ifExists().execute();
  await db.schema.dropIndex('contacts_open_idx').ifExists().execute();
  await db.schema
    .alterTable('contacts')
    .dropColumn('exhausted_retries')
    .dropColumn('reached_phone_index')
    .dropColumn('redials_stopped')
    .execute();
}
