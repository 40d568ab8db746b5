import { sql } from 'kysely';
import type { Db } from '../connection';
import type { UptimeSpell } from '../../policy/result-wait';

/**
 * Extend this instance's current spell of being up, or start a new one when it has none or was last seen
 * more than `maxGapMs` ago (the instance or its database was away meanwhile: only its latest spell can be
 * that fresh). Times are the database's clock.
 */
export async function recordApiUptime(db: Db, instanceId: string, maxGapMs: number): Promise<void> {
  const extended = await db
    .updateTable('api_uptime')
    .set({ seen_at: sql<Date>`now()` })
    .where('instance_id', '=', instanceId)
    .where('seen_at', '>=', sql<Date>`now() - make_interval(secs => ${maxGapMs / 1000})`)
    .returning('up_since')
    .executeTakeFirst();
  if (extended) return;
  await db
    .insertInto('api_uptime')
    .values({ instance_id: instanceId, up_since: sql<Date>`now()`, seen_at: sql<Date>`now()` })
    .onConflict((oc) => oc.columns(['instance_id', 'up_since']).doNothing())
    .execute();
}

/** Spells older than this are of no use to any wait (policy/result-wait.ts caps a wait at a day). */
export async function forgetOldApiUptime(db: Db, olderThanMs: number): Promise<void> {
  await db
    .deleteFrom('api_uptime')
    .where('seen_at', '<', sql<Date>`now() - make_interval(secs => ${olderThanMs / 1000})`)
    .execute();
}

/**
 * The spells that overlap [from, now], each reaching `slackMs` past its last sighting (the instance was
 * up until its next beat was due); null when no API instance ever recorded a spell.
 */
export async function apiUptimeSince(db: Db, from: Date, slackMs: number): Promise<UptimeSpell[] | null> {
  const rows = await db
    .selectFrom('api_uptime')
    .select(['up_since', 'seen_at'])
    .where('seen_at', '>=', new Date(from.getTime() - slackMs))
    .execute();
  if (rows.length === 0) {
    const any = await db.selectFrom('api_uptime').select('instance_id').limit(1).executeTakeFirst();
    if (!any) return null;
  }
  return rows.map((r) => ({ from: r.up_since.getTime(), to: r.seen_at.getTime() + slackMs }));
}
