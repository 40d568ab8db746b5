import { Kysely, sql } from 'kysely';

/**
 * Spells during which an API instance was up and taking post-call results: each instance extends its
 * current spell every few seconds, and starts a new one after a gap (it was down, or its database was).
 * A contact's wait for a post-call result counts only time inside these spells (policy/result-wait.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('api_uptime')
    .addColumn('instance_id', 'text', (c) => c.notNull())
    .addColumn('up_since', 'timestamptz', (c) => c.notNull())
    .addColumn('seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('api_uptime_pkey', ['instance_id', 'up_since'])
    .execute();
  await db.schema.createIndex('api_uptime_seen_idx').on('api_uptime').column('seen_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('api_uptime').ifExists().execute();
}
