import { Kysely, sql } from 'kysely';

/**
 * Config versions of a run: a mid-run edit (PATCH on a paused campaign) writes the run's new settings as a
 * new version, with who changed what and when. Version 1 is the run's own start snapshot
 * (`campaign_runs.setup`), so only edits are stored here; rows are only ever inserted (audit-safe).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('run_config_versions')
    .addColumn('campaign_id', 'uuid', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('run_no', 'integer', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('config', 'jsonb', (c) => c.notNull())
    .addColumn('number_pool', 'jsonb', (c) => c.notNull())
    .addColumn('changes', 'jsonb', (c) => c.notNull())
    .addColumn('changed_by', 'text', (c) => c.notNull())
    .addColumn('changed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('run_config_versions_pk', ['campaign_id', 'run_no', 'version'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('run_config_versions').ifExists().execute();
}
