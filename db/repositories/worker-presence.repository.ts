import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema';

type AnyDb = Kysely<Database>;

/** A worker that has not refreshed its row for this long is gone (it refreshes about every second). */
export const PRESENCE_STALE_MS = 5_000;
/** Rows of workers gone this long are deleted by the next refresh of any worker. */
const PRESENCE_FORGET_MS = 24 * 3600 * 1000;

export interface PresenceRow {
  workerId: string;
  hostname: string;
  pid: number;
  taskQueue: string;
  startedAt: Date;
  eslConnected: boolean;
  /** When `eslConnected` last changed (the worker's own record of it). */
  eslChangedAt: Date | null;
}

/** Upserts this worker's row: it is alive at `now`, with its switch connection in the state given. */
export async function recordPresence(db: AnyDb, row: PresenceRow, now: Date): Promise<void> {
  await db
    .insertInto('worker_presence')
    .values({
      worker_id: row.workerId,
      hostname: row.hostname,
      pid: row.pid,
      task_queue: row.taskQueue,
      started_at: row.startedAt,
      seen_at: now,
      esl_connected: row.eslConnected,
      esl_changed_at: row.eslChangedAt,
    })
    .onConflict((oc) =>
      oc.column('worker_id').doUpdateSet({
        seen_at: now,
        esl_connected: row.eslConnected,
        esl_changed_at: row.eslChangedAt,
      }),
    )
    .execute();
}

/** Removes this worker's row (a clean shutdown: it is not "gone", it left). */
export async function forgetPresence(db: AnyDb, workerId: string): Promise<void> {
  await db.deleteFrom('worker_presence').where('worker_id', '=', workerId).execute();
}

/** Deletes rows of workers gone for a day; the table stays as small as the fleet. */
export async function forgetLongGoneWorkers(db: AnyDb, now: Date): Promise<number> {
  const result = await db
    .deleteFrom('worker_presence')
    .where('seen_at', '<', new Date(now.getTime() - PRESENCE_FORGET_MS))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export interface SwitchStatus {
  /** Some worker seen in the last 5 s holds an ESL connection. */
  connected: boolean;
  /** Workers seen in the last 5 s. */
  workers: number;
  /**
   * Since when the answer holds: connected → the earliest connect among the connected live workers;
   * not connected → the last moment any worker was known connected (null when none ever was).
   */
  since: string | null;
}

/** Whether the dialler can reach a switch now, as the workers report it. */
export async function switchStatus(db: AnyDb, now: Date): Promise<SwitchStatus> {
  const liveAfter = new Date(now.getTime() - PRESENCE_STALE_MS);
  const row = await db
    .selectFrom('worker_presence')
    .select([
      sql<number>`count(*) filter (where seen_at > ${liveAfter})`.as('workers'),
      sql<number>`count(*) filter (where seen_at > ${liveAfter} and esl_connected)`.as('connected'),
      sql<Date | null>`min(coalesce(esl_changed_at, started_at)) filter (where seen_at > ${liveAfter} and esl_connected)`.as(
        'up_since',
      ),
      // A live disconnected worker knows when it lost the switch; a dead connected one was last seen so.
      sql<Date | null>`max(case when esl_connected then seen_at else esl_changed_at end)`.as('last_up'),
    ])
    .executeTakeFirstOrThrow();
  const connected = Number(row.connected) > 0;
  const since = connected ? row.up_since : row.last_up;
  return {
    connected,
    workers: Number(row.workers),
    since: since ? new Date(since).toISOString() : null,
  };
}

/** Ids of the workers seen in the last 5 s (a dial whose worker is not among them has no one following it). */
export async function liveWorkerIds(db: AnyDb, now: Date): Promise<Set<string>> {
  const rows = await db
    .selectFrom('worker_presence')
    .select('worker_id')
    .where('seen_at', '>', new Date(now.getTime() - PRESENCE_STALE_MS))
    .execute();
  return new Set(rows.map((r) => r.worker_id));
}
