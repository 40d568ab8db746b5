import type { Db } from '../connection';

/**
 * The campaign's audit trail: who did what to which run. Written inside the same transaction as the
 * change it records, so the log never claims an action that did not happen (or misses one that did).
 */

export type ActivityAction =
  | 'create'
  | 'update'
  | 'clone'
  | 'start'
  | 'pause'
  | 'resume'
  | 'stop'
  | 'restart'
  | 'cancel_restart'
  | 'start_failed';

export interface ActivityEntry {
  campaignId: string;
  runNo: number;
  action: ActivityAction;
  actor: string;
  details?: Record<string, unknown> | null;
}

export interface ActivityRow {
  action: string;
  actor: string;
  at: Date;
  run_no: number;
  details: Record<string, unknown> | null;
}

export async function logActivity(db: Db, entry: ActivityEntry): Promise<void> {
  await db
    .insertInto('activity_log')
    .values({
      campaign_id: entry.campaignId,
      run_no: entry.runNo,
      action: entry.action,
      actor: entry.actor,
      details: entry.details ? JSON.stringify(entry.details) : null,
    })
    .execute();
}

/** Newest first; the id breaks ties between entries written in one transaction (same `now()`). */
export async function listActivity(db: Db, campaignId: string): Promise<ActivityRow[]> {
  return db
    .selectFrom('activity_log')
    .select(['action', 'actor', 'at', 'run_no', 'details'])
    .where('campaign_id', '=', campaignId)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}
