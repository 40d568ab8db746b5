import { Kysely, sql } from 'kysely';

/**
 * The stall detector's active alerts: one row per campaign and failing troubleshooting check, kept while
 * the condition lasts (`since` is when it was first seen in its current status) and deleted when it ends.
 * The live panel reads them; the detector's log lines and metrics record each raise and clear.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('campaign_alerts')
    .addColumn('campaign_id', 'uuid', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('check_name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('run_no', 'integer', (c) => c.notNull())
    .addColumn('since', 'timestamptz', (c) => c.notNull())
    .addColumn('checked_at', 'timestamptz', (c) => c.notNull())
    .addColumn('evidence', 'text', (c) => c.notNull())
    .addColumn('next_step', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('campaign_alerts_pk', ['campaign_id', 'check_name'])
    .execute();
  await sql`alter table campaign_alerts add constraint campaign_alerts_status_ck
    check (status in ('warn', 'escalate'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('campaign_alerts').ifExists().execute();
}
