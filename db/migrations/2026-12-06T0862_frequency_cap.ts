import { Kysely, sql } from 'kysely';

/**
 * The organisation's settings (one row) with its frequency cap; the index that counts the dials placed to
 * a number in the cap's rolling window; and `contacts.held_by`, what holds a waiting contact back besides
 * its own schedule (the frequency cap; recipient hours), shown by the live panel and the call list.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('organisation_settings')
    .addColumn('id', 'boolean', (c) =>
      c
        .primaryKey()
        .defaultTo(true)
        .check(sql`id`),
    )
    .addColumn('frequency_cap', 'jsonb')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_by', 'text')
    .execute();
  await sql`insert into organisation_settings (id) values (true) on conflict do nothing`.execute(db);
  await db.schema
    .createIndex('attempts_phone_sent_idx')
    .on('attempts')
    .columns(['phone', 'originate_sent_at'])
    .where(sql<boolean>`originate_sent_at is not null`)
    .execute();
  await db.schema.alterTable('contacts').addColumn('held_by', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('contacts').dropColumn('held_by').execute();
  await db.schema.dropIndex('attempts_phone_sent_idx').ifExists().execute();
  await db.schema.dropTable('organisation_settings').ifExists().execute();
}
