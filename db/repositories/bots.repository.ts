import type { Db } from '../connection';
import type { Bot } from '../schema';

/** Bots: the conversation side a campaign hands answered calls to. */

export interface NewBotInput {
  name: string;
  greeting?: string | null;
  system_prompt?: string | null;
  callback_enabled?: boolean | null;
  endpoint?: string | null;
}

export async function createBot(db: Db, input: NewBotInput): Promise<Bot> {
  return db
    .insertInto('bots')
    .values({
      name: input.name,
      greeting: input.greeting ?? null,
      system_prompt: input.system_prompt ?? null,
      callback_enabled: input.callback_enabled ?? false,
      endpoint: input.endpoint ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function listBots(db: Db): Promise<Bot[]> {
  return db.selectFrom('bots').selectAll().orderBy('created_at').orderBy('id').execute();
}

export async function findBot(db: Db, id: string): Promise<Bot | undefined> {
  return db.selectFrom('bots').selectAll().where('id', '=', id).executeTakeFirst();
}
