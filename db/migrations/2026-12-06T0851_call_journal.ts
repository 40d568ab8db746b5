import { Kysely, sql } from 'kysely';

/**
 * The call journal: the switch's own account of how each of our calls ended (its CHANNEL_HANGUP_COMPLETE),
 * written by every worker that sees it, first writer wins. A dial whose worker died reads it instead of
 * guessing `timeout`. `attempts.dialled_by` names the worker whose dial placed the call, so a retry knows
 * whether someone is still following it. `carriers.next_originate_at` is the carrier's write cursor: the
 * earliest moment its next originate may be written to the switch.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('call_journal')
    .addColumn('call_uuid', 'text', (c) => c.primaryKey())
    .addColumn('attempt_id', 'text')
    .addColumn('core_uuid', 'text')
    .addColumn('hangup_cause', 'text')
    .addColumn('sip_code', 'integer')
    .addColumn('answered', 'boolean', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz')
    .addColumn('answered_at', 'timestamptz')
    .addColumn('ended_at', 'timestamptz', (c) => c.notNull())
    .addColumn('headers', 'jsonb', (c) => c.notNull())
    .addColumn('recorded_by', 'text', (c) => c.notNull())
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('call_journal_recorded_idx').on('call_journal').column('recorded_at').execute();
  await db.schema.alterTable('attempts').addColumn('dialled_by', 'text').execute();
  await db.schema.alterTable('carriers').addColumn('next_originate_at', 'timestamptz').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('carriers').dropColumn('next_originate_at').execute();
  await db.schema.alterTable('attempts').dropColumn('dialled_by').execute();
  await db.schema.dropTable('call_journal').ifExists().execute();
}
