import { sql, type Transaction } from 'kysely';
import type { Db } from '../connection';
import type { Database } from '../schema';
import type { CompletionReason } from '../../policy/completion';
import type { CampaignConfig } from '../../policy/campaign-config';

/** The engine's view of a run: what it reads each round and how it ends the run. */

export interface RunView {
  status: string;
  runNo: number;
  config: CampaignConfig;
}

export async function loadRunView(db: Db, campaignId: string): Promise<RunView | null> {
  const row = await db
    .selectFrom('campaigns')
    .select(['status', 'run_no', 'config'])
    .where('id', '=', campaignId)
    .executeTakeFirst();
  return row ? { status: row.status, runNo: row.run_no, config: row.config } : null;
}

export interface RunCounts {
  total: number;
  final: number;
  exhaustedRetries: number;
  dialled: number;
  callable: number;
}

/** Counts for the completion reason; run once, when nothing is left open. */
export async function runCounts(db: Db, campaignId: string): Promise<RunCounts> {
  const row = await db
    .selectFrom('contacts')
    .select([
      sql<number>`count(*)`.as('total'),
      sql<number>`count(*) filter (where final_at is not null)`.as('final'),
      sql<number>`count(*) filter (where attempts > 0)`.as('dialled'),
      sql<number>`count(*) filter (where state not in ('excluded'))`.as('callable'),
      sql<number>`count(*) filter (where exhausted_retries)`.as('exhausted'),
    ])
    .where('campaign_id', '=', campaignId)
    .executeTakeFirstOrThrow();
  return {
    total: Number(row.total),
    final: Number(row.final),
    exhaustedRetries: Number(row.exhausted),
    dialled: Number(row.dialled),
    callable: Number(row.callable),
  };
}

/**
 * End the run with its reason: the campaign, its run row and the activity log, in the caller's transaction.
 * Conditional on the campaign still running (or paused in) this run, so a run an operator stopped meanwhile
 * keeps `manually_stopped`. Returns whether it ended the run.
 */
async function endRun(
  tx: Transaction<Database>,
  campaignId: string,
  runNo: number,
  reason: CompletionReason,
  now: Date,
): Promise<boolean> {
  const updated = await tx
    .updateTable('campaigns')
    .set({ status: 'completed', completion_reason: reason, updated_at: now })
    .where('id', '=', campaignId)
    .where('run_no', '=', runNo)
    .where('status', 'in', ['running', 'paused'])
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) return false;
  await tx
    .updateTable('campaign_runs')
    .set({ status: 'completed', completion_reason: reason, ended_at: now })
    .where('campaign_id', '=', campaignId)
    .where('run_no', '=', runNo)
    .execute();
  await tx
    .insertInto('activity_log')
    .values({
      campaign_id: campaignId,
      run_no: runNo,
      action: 'complete',
      actor: 'dialler',
      details: { reason },
    })
    .execute();
  return true;
}

/** Nothing is left to dial: the run completes with its reason. */
export async function completeRun(
  db: Db,
  campaignId: string,
  runNo: number,
  reason: CompletionReason,
  now: Date,
): Promise<boolean> {
  return db.transaction().execute((tx) => endRun(tx, campaignId, runNo, reason, now));
}

/**
 * A single-day campaign's window ended: the run completes with `window_ended`, every contact not final and
 * not on a call becomes `window_closed`, and pending callbacks are cancelled. Calls in flight finish; their
 * workflows see the ended run and close the contact as `window_closed` unless the call settled it.
 */
export async function closeWindow(db: Db, campaignId: string, runNo: number, now: Date): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    if (!(await endRun(tx, campaignId, runNo, 'window_ended', now))) return false;
    await tx
      .updateTable('contacts')
      .set({
        state: 'window_closed',
        ready_at: null,
        final_at: now,
        updated_at: now,
        callback_state: sql`case when callback_state = 'pending' then 'cancelled' else callback_state end`,
      })
      .where('campaign_id', '=', campaignId)
      .where('final_at', 'is', null)
      .where('state', 'in', ['pending', 'retry_scheduled', 'callback_scheduled'])
      .execute();
    return true;
  });
}
