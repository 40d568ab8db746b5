import { sql } from 'kysely';
import type { Db } from '../connection';
import type { Campaign, CampaignRun, CampaignStatus, RunSetup } from '../schema';
import { resolveCampaignConfig } from '../../policy/campaign-config';
import { conflict, invalid, notFound, type ErrorDetail } from '../../policy/errors';
import { logActivity } from './activity-log.repository';
import { lockCampaignClaims } from './attempts.repository';

/**
 * A campaign's runs and the operator's lifecycle actions (docs/api.md, docs/rules.md "Operating a campaign"):
 * start, pause, resume, stop, restart, cancel-restart. Each is one transaction that checks the status it
 * expects while holding the row (or updates conditionally on it), so two concurrent actions cannot both
 * win; each writes the activity log in the same transaction. The engine is told afterwards, by the caller.
 */

export const workflowIdFor = (campaignId: string, runNo: number): string =>
  `campaign-${campaignId}-run-${runNo}`;

function stateConflict(action: string, allowed: string, status: CampaignStatus): Error {
  return conflict('invalid_state', `Only ${allowed} campaign can be ${action}. Current status: ${status}.`);
}

async function lockCampaign(db: Db, id: string): Promise<Campaign> {
  const campaign = await db
    .selectFrom('campaigns')
    .selectAll()
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  if (!campaign) throw notFound('campaign', id);
  return campaign;
}

export async function findRun(db: Db, campaignId: string, runNo: number): Promise<CampaignRun | undefined> {
  return db
    .selectFrom('campaign_runs')
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .where('run_no', '=', runNo)
    .executeTakeFirst();
}

/** The raw setup snapshot of a run: bot, number pool with gateways, config, who and when. */
export async function buildRunSetup(
  db: Db,
  campaign: Campaign,
  runNo: number,
  createdBy: string | null,
  createdAt: Date,
  startedAt: Date | null,
): Promise<RunSetup> {
  const bot = campaign.bot_id
    ? await db
        .selectFrom('bots')
        .select(['id', 'name', 'callback_enabled', 'endpoint'])
        .where('id', '=', campaign.bot_id)
        .executeTakeFirst()
    : undefined;
  const pool = await db
    .selectFrom('campaign_numbers as cn')
    .innerJoin('numbers as n', 'n.id', 'cn.number_id')
    .innerJoin('carriers as k', 'k.id', 'n.carrier_id')
    .select(['n.id', 'n.e164', 'n.label', 'n.carrier_id', 'k.gateway'])
    .where('cn.campaign_id', '=', campaign.id)
    .orderBy('cn.position')
    .execute();
  return {
    bot: bot ?? null,
    number_pool: pool,
    config: campaign.config,
    run_no: runNo,
    created_by: createdBy,
    created_at: createdAt.toISOString(),
    started_at: startedAt ? startedAt.toISOString() : null,
  };
}

/**
 * What a start must have; one detail per gap (bot, number pool, contacts, window, working days). The start
 * refuses with these, and the diagnosis shows them.
 */
export async function startGaps(db: Db, campaign: Campaign): Promise<ErrorDetail[]> {
  const gaps: ErrorDetail[] = [];
  if (!campaign.bot_id) gaps.push({ field: 'bot_id', message: 'a bot is required' });
  const outbound = await db
    .selectFrom('campaign_numbers as cn')
    .innerJoin('numbers as n', 'n.id', 'cn.number_id')
    .select('n.id')
    .where('cn.campaign_id', '=', campaign.id)
    .where('n.inbound_only', '=', false)
    .limit(1)
    .executeTakeFirst();
  if (!outbound) gaps.push({ field: 'number_ids', message: 'at least one outbound number is required' });
  const { config, problems } = resolveCampaignConfig({}, campaign.config);
  if (!config.always_on) {
    const contact = await db
      .selectFrom('contacts')
      .select('id')
      .where('campaign_id', '=', campaign.id)
      .limit(1)
      .executeTakeFirst();
    if (!contact)
      gaps.push({
        field: 'contacts',
        message: 'upload at least one contact (only always-on campaigns may start empty)',
      });
  }
  // Stored configs were valid when written; re-checking catches rows written by older code or by hand.
  gaps.push(...problems);
  return gaps;
}

export interface StartedRun {
  runNo: number;
  /** What `revertStart` needs to put the campaign back if the engine refuses the run. */
  revert: { runNo: number; wasPrepared: boolean; everStarted: boolean };
}

/**
 * draft → running, in one transaction: the run row (config and setup snapshots, workflow id), the
 * campaign's status, and the contacts made ready for this run. A restarted run (a prepared row) resets
 * every contact's run state; earlier runs' attempts stay in `attempts`, keyed by their run_no.
 */
export async function startCampaignRun(db: Db, id: string, actor: string, now: Date): Promise<StartedRun> {
  return db.transaction().execute(async (tx) => {
    const campaign = await lockCampaign(tx, id);
    if (campaign.status !== 'draft') throw stateConflict('started', 'a draft', campaign.status);
    const gaps = await startGaps(tx, campaign);
    if (gaps.length > 0) throw invalid(gaps, 'The campaign cannot start until every gap is filled');

    const runNo = campaign.run_no;
    const prepared = await findRun(tx, id, runNo);
    const isNewRun = prepared !== undefined || runNo > 1;
    const createdBy = prepared?.created_by ?? actor;
    const createdAt = prepared?.created_at ?? now;
    const setup = await buildRunSetup(tx, campaign, runNo, createdBy, createdAt, now);

    if (isNewRun) {
      // A new run starts every contact from zero. Sticky exclusion keeps excluded contacts suppressed;
      // without it an exclusion belongs to the run it was made in ("never dialled again in that run") —
      // and one made on this prepared run, before its start, is of this run (it moved the contact to it).
      const keep = campaign.config.sticky_exclusion
        ? sql<boolean>`(excluded_at is not null or state = 'excluded')`
        : sql<boolean>`(excluded_at is not null and run_no = ${runNo})`;
      await tx
        .updateTable('contacts')
        .set({
          run_no: runNo,
          state: sql`case when ${keep} then 'excluded' else 'pending' end`,
          attempts: 0,
          pass: 1,
          phone_index: 0,
          priority: 1,
          ready_at: sql`case when ${keep} then null else ${now}::timestamptz end`,
          next_due_at: null,
          workflow_started: false,
          last_outcome: null,
          last_disposition: null,
          last_sip_code: null,
          last_attempt_at: null,
          callback_at: null,
          callback_state: null,
          exhausted_retries: false,
          reached_phone_index: null,
          redials_stopped: false,
          final_at: sql`case when ${keep} then coalesce(final_at, ${now}::timestamptz) else null end`,
          excluded_at: sql`case when ${keep} then excluded_at else null end`,
          exclusion_reason: sql`case when ${keep} then exclusion_reason else null end`,
          updated_at: now,
        })
        .where('campaign_id', '=', id)
        .execute();
    } else {
      await tx
        .updateTable('contacts')
        .set({ ready_at: now, updated_at: now })
        .where('campaign_id', '=', id)
        .where('state', '=', 'pending')
        .execute();
    }

    const run = {
      status: 'running' as const,
      config: JSON.stringify(campaign.config),
      setup: JSON.stringify(setup),
      workflow_id: workflowIdFor(id, runNo),
      started_at: now,
      started_by: actor,
      ended_at: null,
      completion_reason: null,
      stopped_by: null,
    };
    if (prepared) {
      await tx
        .updateTable('campaign_runs')
        .set(run)
        .where('campaign_id', '=', id)
        .where('run_no', '=', runNo)
        .execute();
    } else {
      await tx
        .insertInto('campaign_runs')
        .values({ campaign_id: id, run_no: runNo, created_by: createdBy, created_at: createdAt, ...run })
        .execute();
    }
    await tx
      .updateTable('campaigns')
      .set({ status: 'running', ever_started: true, completion_reason: null, updated_at: now })
      .where('id', '=', id)
      .execute();
    await logActivity(tx, { campaignId: id, runNo, action: 'start', actor });
    return {
      runNo,
      revert: { runNo, wasPrepared: prepared !== undefined, everStarted: campaign.ever_started },
    };
  });
}

/**
 * The engine would not take the run: put the campaign back to the draft it was. Contacts keep the reset
 * of a restarted run (the next start resets them again); the log keeps the start and records its failure.
 */
export async function revertStart(
  db: Db,
  id: string,
  revert: StartedRun['revert'],
  actor: string,
  reason: string,
  now: Date,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const reverted = await tx
      .updateTable('campaigns')
      .set({ status: 'draft', ever_started: revert.everStarted, updated_at: now })
      .where('id', '=', id)
      .where('run_no', '=', revert.runNo)
      .where('status', '=', 'running')
      .executeTakeFirst();
    if (Number(reverted.numUpdatedRows) === 0) return;
    const run = tx
      .updateTable('campaign_runs')
      .where('campaign_id', '=', id)
      .where('run_no', '=', revert.runNo);
    if (revert.wasPrepared) {
      await run.set({ status: 'prepared', started_at: null, started_by: null, workflow_id: null }).execute();
    } else {
      await tx
        .deleteFrom('campaign_runs')
        .where('campaign_id', '=', id)
        .where('run_no', '=', revert.runNo)
        .execute();
    }
    await logActivity(tx, {
      campaignId: id,
      runNo: revert.runNo,
      action: 'start_failed',
      actor,
      details: { reason },
    });
  });
}

/** A conditional status change: only one of two concurrent actions can see the status it expects. */
async function transition(
  db: Db,
  id: string,
  from: CampaignStatus[],
  to: CampaignStatus,
  describe: { action: string; allowed: string },
  extra: { completion_reason?: 'manually_stopped' },
  now: Date,
): Promise<Campaign> {
  const updated = await db
    .updateTable('campaigns')
    .set({ status: to, updated_at: now, ...extra })
    .where('id', '=', id)
    .where('status', 'in', from)
    .returningAll()
    .executeTakeFirst();
  if (updated) return updated;
  const current = await db.selectFrom('campaigns').select('status').where('id', '=', id).executeTakeFirst();
  if (!current) throw notFound('campaign', id);
  throw stateConflict(describe.action, describe.allowed, current.status);
}

/** running → paused: no new dials; calls in flight finish. */
export async function pauseCampaignRun(db: Db, id: string, actor: string, now: Date): Promise<number> {
  return db.transaction().execute(async (tx) => {
    await lockCampaignClaims(tx, id);
    const c = await transition(
      tx,
      id,
      ['running'],
      'paused',
      { action: 'paused', allowed: 'a running' },
      {},
      now,
    );
    await tx
      .updateTable('campaign_runs')
      .set({ status: 'paused' })
      .where('campaign_id', '=', id)
      .where('run_no', '=', c.run_no)
      .execute();
    await logActivity(tx, { campaignId: id, runNo: c.run_no, action: 'pause', actor });
    return c.run_no;
  });
}

/** paused → running. */
export async function resumeCampaignRun(db: Db, id: string, actor: string, now: Date): Promise<number> {
  return db.transaction().execute(async (tx) => {
    const c = await transition(
      tx,
      id,
      ['paused'],
      'running',
      { action: 'resumed', allowed: 'a paused' },
      {},
      now,
    );
    await tx
      .updateTable('campaign_runs')
      .set({ status: 'running' })
      .where('campaign_id', '=', id)
      .where('run_no', '=', c.run_no)
      .execute();
    await logActivity(tx, { campaignId: id, runNo: c.run_no, action: 'resume', actor });
    return c.run_no;
  });
}

/**
 * running/paused → completed (manually_stopped). Waiting contacts become final now; contacts on a call
 * are finalised by the engine when their call ends, so a stop never cuts a conversation.
 */
export async function stopCampaignRun(db: Db, id: string, actor: string, now: Date): Promise<number> {
  return db.transaction().execute(async (tx) => {
    // No claim between the status change and the finalising of waiting contacts (see lockCampaignClaims).
    await lockCampaignClaims(tx, id);
    const c = await transition(
      tx,
      id,
      ['running', 'paused'],
      'completed',
      { action: 'stopped', allowed: 'a running or paused' },
      { completion_reason: 'manually_stopped' },
      now,
    );
    await tx
      .updateTable('campaign_runs')
      .set({ status: 'completed', completion_reason: 'manually_stopped', ended_at: now, stopped_by: actor })
      .where('campaign_id', '=', id)
      .where('run_no', '=', c.run_no)
      .execute();
    await tx
      .updateTable('contacts')
      .set({
        state: 'manually_stopped',
        final_at: now,
        ready_at: null,
        next_due_at: null,
        callback_state: sql`case when callback_state in ('requested', 'pending') then 'cancelled' else callback_state end`,
        updated_at: now,
      })
      .where('campaign_id', '=', id)
      .where('state', 'in', ['pending', 'retry_scheduled', 'callback_scheduled'])
      .execute();
    await logActivity(tx, { campaignId: id, runNo: c.run_no, action: 'stop', actor });
    return c.run_no;
  });
}

/**
 * completed/failed → draft with run_no + 1 and a `prepared` run row. Nothing else changes until Start:
 * the contacts keep the previous run's outcome, so Cancel Restart can restore it exactly.
 */
export async function prepareRestart(db: Db, id: string, actor: string, now: Date): Promise<number> {
  return db.transaction().execute(async (tx) => {
    const campaign = await lockCampaign(tx, id);
    if (campaign.status !== 'completed' && campaign.status !== 'failed') {
      throw stateConflict('restarted', 'a completed or failed', campaign.status);
    }
    const runNo = campaign.run_no + 1;
    const setup = await buildRunSetup(tx, campaign, runNo, actor, now, null);
    await tx
      .insertInto('campaign_runs')
      .values({
        campaign_id: id,
        run_no: runNo,
        status: 'prepared',
        config: JSON.stringify(campaign.config),
        setup: JSON.stringify(setup),
        created_by: actor,
        created_at: now,
      })
      .execute();
    await tx
      .updateTable('campaigns')
      .set({ status: 'draft', run_no: runNo, completion_reason: null, updated_at: now })
      .where('id', '=', id)
      .execute();
    await logActivity(tx, {
      campaignId: id,
      runNo,
      action: 'restart',
      actor,
      details: { previous_run_no: campaign.run_no },
    });
    return runNo;
  });
}

/**
 * Discard a prepared (never started) run: the campaign goes back to the previous run's number, status
 * and completion reason; contacts that arrived for the discarded run (API triggers on the draft) go too.
 */
export async function cancelRestart(db: Db, id: string, actor: string, now: Date): Promise<number> {
  return db.transaction().execute(async (tx) => {
    const campaign = await lockCampaign(tx, id);
    const prepared = await findRun(tx, id, campaign.run_no);
    const previous = campaign.run_no > 1 ? await findRun(tx, id, campaign.run_no - 1) : undefined;
    if (campaign.status !== 'draft' || prepared?.status !== 'prepared' || !previous) {
      throw conflict(
        'invalid_state',
        `There is no prepared restart to cancel: a restart can only be cancelled before it starts. Current status: ${campaign.status}.`,
      );
    }
    await tx
      .deleteFrom('contacts')
      .where('campaign_id', '=', id)
      .where('added_in_run', '=', prepared.run_no)
      .execute();
    await tx
      .deleteFrom('campaign_runs')
      .where('campaign_id', '=', id)
      .where('run_no', '=', prepared.run_no)
      .execute();
    const status: CampaignStatus = previous.status === 'failed' ? 'failed' : 'completed';
    await tx
      .updateTable('campaigns')
      .set({
        status,
        run_no: previous.run_no,
        completion_reason: previous.completion_reason,
        updated_at: now,
      })
      .where('id', '=', id)
      .execute();
    await logActivity(tx, {
      campaignId: id,
      runNo: prepared.run_no,
      action: 'cancel_restart',
      actor,
      details: { restored_run_no: previous.run_no },
    });
    return previous.run_no;
  });
}
