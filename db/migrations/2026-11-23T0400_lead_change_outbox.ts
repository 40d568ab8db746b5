import { Kysely, sql } from 'kysely';

/**
 * Webhooks for every contact state change, without touching the dialling path: a trigger records each
 * change of `contacts.state` in an outbox, only for campaigns someone subscribed to, and the worker's
 * dispatcher turns outbox rows into signed deliveries run by Temporal (retries, backoff).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('lead_state_changes')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('contact_id', 'uuid', (c) => c.notNull())
    .addColumn('campaign_id', 'uuid', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('changed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`clock_timestamp()`))
    .execute();
  await sql`
    create function ori_record_lead_change() returns trigger language plpgsql as $$
    begin
      if exists (select 1 from webhooks w
                 where w.active and (w.campaign_id is null or w.campaign_id = new.campaign_id)) then
        insert into lead_state_changes (contact_id, campaign_id, state) values (new.id, new.campaign_id, new.state);
      end if;
      return null;
    end $$`.execute(db);
  await sql`
    create trigger contacts_lead_state_change
    after update of state on contacts
    for each row when (old.state is distinct from new.state)
    execute function ori_record_lead_change()`.execute(db);
  await db.schema
    .createIndex('webhook_deliveries_pending_idx')
    .on('webhook_deliveries')
    .column('created_at')
    .where(sql.ref('status'), '=', 'pending')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('webhook_deliveries_pending_idx').ifExists().execute();
  await sql`drop trigger if exists contacts_lead_state_change on contacts`.execute(db);
  await sql`drop function if exists ori_record_lead_change()`.execute(db);
  await db.schema.dropTable('lead_state_changes').ifExists().execute();
}
