import { Kysely, sql } from 'kysely';

/**
 * `contacts.timezones`: the zones a contact's recipient hours are judged in, decided when it is stored (its
 * own `timezone`, else the zones its number maps to; empty: the campaign's). Null for contacts stored
 * before: those whose variables carry a timezone Postgres knows get it here; the rest are judged as before
 * (the campaign's zone), at the claim. The index lets admission take the due contacts of one set of zones
 * at a time in priority order, so contacts whose local hours are closed are never read.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('contacts')
    .addColumn('timezones', sql`text[]`)
    .execute();
  await sql`
    update contacts set timezones = array[trim(metadata->>'timezone')]
    where trim(metadata->>'timezone') in (select name from pg_timezone_names)`.execute(db);
  await db.schema
    .createIndex('contacts_due_by_zone_idx')
    .on('contacts')
    .columns(['campaign_id', 'timezones', 'priority', 'pass', 'ready_at', 'seq'])
    .where(sql.ref('ready_at'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('contacts_due_by_zone_idx').ifExists().execute();
  await db.schema.alterTable('contacts').dropColumn('timezones').execute();
}
