import { Kysely, sql } from 'kysely';

/**
 * Contact uploads and every row each one skipped, so an operator can read the import summary after a
 * reload and download the skipped rows with their reasons (the upload's answer carries only the first
 * 100). `cells` is the row as the file had it (as the import read it for rows the database refused).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('contact_uploads')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('campaign_id', 'uuid', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('run_no', 'integer', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('added', 'integer', (c) => c.notNull())
    .addColumn('skipped', 'integer', (c) => c.notNull())
    .addColumn('columns', 'jsonb', (c) => c.notNull())
    .addColumn('uploaded_by', 'text', (c) => c.notNull())
    .addColumn('uploaded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('contact_uploads_campaign_idx')
    .on('contact_uploads')
    .columns(['campaign_id', 'uploaded_at'])
    .execute();
  await db.schema
    .createTable('contact_upload_skips')
    .addColumn('upload_id', 'uuid', (c) => c.notNull().references('contact_uploads.id').onDelete('cascade'))
    .addColumn('row_no', 'integer', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('cells', 'jsonb', (c) => c.notNull())
    .addPrimaryKeyConstraint('contact_upload_skips_pk', ['upload_id', 'row_no'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('contact_upload_skips').ifExists().execute();
  await db.schema.dropTable('contact_uploads').ifExists().execute();
}
