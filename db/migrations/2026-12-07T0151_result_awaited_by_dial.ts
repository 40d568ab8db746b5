import { Kysely, sql } from 'kysely';

/**
 * `attempts.result_awaited`: the dial activity of an answered call is waiting, itself, for the bot's
 * post-call result (activities/dial.activity.ts). The result API then tells it through `ori_result` and
 * sends the contact workflow no signal, which would cost its history an event and a workflow task.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table attempts add column result_awaited boolean not null default false`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table attempts drop column if exists result_awaited`.execute(db);
}
