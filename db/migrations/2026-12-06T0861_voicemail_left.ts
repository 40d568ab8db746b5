import { Kysely } from 'kysely';

/** Whether the dial left the campaign's voicemail message on an answering machine (attempts.csv reports it). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('attempts')
    .addColumn('voicemail_left', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('attempts').dropColumn('voicemail_left').execute();
}
