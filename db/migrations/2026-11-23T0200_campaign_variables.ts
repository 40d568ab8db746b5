import { Kysely, sql } from 'kysely';

/**
 * The per-campaign registry of contact variables (metadata keys), in order of first appearance.
 *
 * Why a table: `contacts.metadata` is jsonb, which keeps no key order, so "one report column per variable,
 * in the order the operator uploaded them" cannot be read back from it; and finding which stored key a
 * normalised selector (`CASE_NUMBER` for `case number`) names would otherwise scan every contact's metadata.
 * CSV imports and the trigger API register keys as they store contacts; `position` only ever grows, so
 * the first appearance wins.
 *
 * Indexes for the monitoring and report queries on a 500,000-contact campaign:
 * - attempts_callback_idx: the callbacks panel's average delay only visits attempts that asked for one.
 * - attempts_campaign_answered_idx: "connected per hour" counts the answers of the last five minutes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('campaign_variables')
    .addColumn('campaign_id', 'uuid', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('position', 'bigint', (c) => c.notNull().generatedAlwaysAsIdentity())
    .addPrimaryKeyConstraint('campaign_variables_pk', ['campaign_id', 'key'])
    .execute();
  // Contacts stored before this table existed (clones, dev databases): their keys, in upload order.
  await sql`
    insert into campaign_variables (campaign_id, key)
    select campaign_id, key from (
      select c.campaign_id, k.key, min(c.seq) as first_seq
      from contacts c cross join lateral jsonb_object_keys(c.metadata) as k(key)
      group by c.campaign_id, k.key
    ) keys
    order by campaign_id, first_seq, key
    on conflict do nothing
  `.execute(db);

  await db.schema
    .createIndex('attempts_callback_idx')
    .on('attempts')
    .columns(['campaign_id', 'run_no'])
    .where(sql.ref('callback_at'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('attempts_campaign_answered_idx')
    .on('attempts')
    .columns(['campaign_id', 'answered_at'])
    .where(sql.ref('answered_at'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('attempts_campaign_answered_idx').ifExists().execute();
  await db.schema.dropIndex('attempts_callback_idx').ifExists().execute();
  await db.schema.dropTable('campaign_variables').ifExists().execute();
}
