import type { Kysely } from 'kysely';
import type { Database } from '../schema';
import type { CheckResult } from '../../policy/diagnosis';

/**
 * The stall detector's active alerts (table campaign_alerts): a failing troubleshooting check of a running
 * campaign, kept while it fails. `syncAlerts` turns one round's verdicts into rows and says what changed, so
 * the detector logs and counts each raise and clear exactly once.
 */

type AnyDb = Kysely<Database>;

export interface ActiveAlert {
  campaign_id: string;
  run_no: number;
  check: string;
  status: 'warn' | 'escalate';
  since: Date;
  evidence: string;
  next_step: string;
}

export interface AlertChanges {
  raised: ActiveAlert[];
  /** Alerts whose condition ended (or changed status: the old one is cleared, the new one raised). */
  cleared: ActiveAlert[];
}

const toAlert = (r: {
  campaign_id: string;
  run_no: number;
  check_name: string;
  status: 'warn' | 'escalate';
  since: Date;
  evidence: string;
  next_step: string;
}): ActiveAlert => ({
  campaign_id: r.campaign_id,
  run_no: r.run_no,
  check: r.check_name,
  status: r.status,
  since: r.since,
  evidence: r.evidence,
  next_step: r.next_step,
});

/**
 * Make the campaign's alerts those of `failing` (the checks that are not ok this round). An alert that
 * keeps its status keeps its `since` and gets the latest evidence; the caller runs this in its transaction.
 */
export async function syncAlerts(
  db: AnyDb,
  campaignId: string,
  runNo: number,
  failing: readonly CheckResult[],
  now: Date,
): Promise<AlertChanges> {
  const current = (
    await db.selectFrom('campaign_alerts').selectAll().where('campaign_id', '=', campaignId).execute()
  ).map(toAlert);
  const byCheck = new Map(current.map((a) => [a.check, a]));
  const changes: AlertChanges = { raised: [], cleared: [] };
  for (const r of failing) {
    if (r.status === 'ok') continue;
    const had = byCheck.get(r.check);
    byCheck.delete(r.check);
    const kept = had && had.status === r.status && had.run_no === runNo;
    if (had && !kept) changes.cleared.push(had);
    const row = {
      campaign_id: campaignId,
      check_name: r.check,
      status: r.status,
      run_no: runNo,
      since: kept ? had.since : now,
      checked_at: now,
      evidence: r.evidence,
      next_step: r.next_step,
    };
    await db
      .insertInto('campaign_alerts')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['campaign_id', 'check_name']).doUpdateSet({
          status: row.status,
          run_no: row.run_no,
          since: row.since,
          checked_at: row.checked_at,
          evidence: row.evidence,
          next_step: row.next_step,
        }),
      )
      .execute();
    if (!kept) changes.raised.push(toAlert(row));
  }
  const ended = [...byCheck.values()];
  if (ended.length > 0) {
    await db
      .deleteFrom('campaign_alerts')
      .where('campaign_id', '=', campaignId)
      .where(
        'check_name',
        'in',
        ended.map((a) => a.check),
      )
      .execute();
    changes.cleared.push(...ended);
  }
  return changes;
}

/** Clear the alerts of every campaign not in `running` (it stopped, paused or completed). */
export async function clearAlertsOfOtherCampaigns(
  db: AnyDb,
  running: readonly string[],
): Promise<ActiveAlert[]> {
  let query = db.deleteFrom('campaign_alerts');
  if (running.length > 0) query = query.where('campaign_id', 'not in', [...running]);
  return (await query.returningAll().execute()).map(toAlert);
}

/** One campaign's active alerts, oldest first (the live panel). */
export async function activeAlerts(db: AnyDb, campaignId: string): Promise<ActiveAlert[]> {
  const rows = await db
    .selectFrom('campaign_alerts')
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .orderBy('since')
    .orderBy('check_name')
    .execute();
  return rows.map(toAlert);
}

/** Every active alert (the detector's gauge is rebuilt from these each round). */
export async function allActiveAlerts(db: AnyDb): Promise<ActiveAlert[]> {
  return (await db.selectFrom('campaign_alerts').selectAll().execute()).map(toAlert);
}
