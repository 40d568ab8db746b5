import { Kysely, sql } from 'kysely';

/**
 * One row per running worker, upserted about every second: who is alive, and whether its ESL connection
 * to the switch is up. Admission leases nothing while no live worker has the switch; the diagnosis reads
 * the same rows; a dial whose worker stopped refreshing its row is taken over without waiting for the
 * activity's heartbeat timeout.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('worker_presence')
    .addColumn('worker_id', 'text', (c) => c.primaryKey())
    .addColumn('hostname', 'text', (c) => c.notNull())
    .addColumn('pid', 'integer', (c) => c.notNull())
    .addColumn('task_queue', 'text', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('esl_connected', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('esl_changed_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('worker_presence_seen_idx').on('worker_presence').column('seen_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('worker_presence').ifExists().execute();
}
