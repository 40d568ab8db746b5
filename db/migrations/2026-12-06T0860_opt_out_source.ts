import { Kysely, sql } from 'kysely';

/**
 * The do-not-call list says where each entry came from (`bot`: an opt-out disposition; `api`: one number
 * added by an operator or CRM; `csv`: a list upload). Rows written before are the bot's: nothing else
 * wrote the table. The creation-time index keeps the newest-first list cheap at any length.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('opt_outs')
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('bot'))
    .execute();
  await db.schema
    .createIndex('opt_outs_created_idx')
    .on('opt_outs')
    .columns(['created_at', 'phone'])
    .execute();
  await sql`comment on column opt_outs.source is 'bot | api | csv'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('opt_outs_created_idx').ifExists().execute();
  await db.schema.alterTable('opt_outs').dropColumn('source').execute();
}
