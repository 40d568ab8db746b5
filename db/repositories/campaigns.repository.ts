import { recordConfigVersion } from './config-versions.repository';
import { configChanges } from '../../policy/config-diff';
import { sql } from 'kysely';
import type { Db } from '../connection';
import type { Campaign, CampaignStatus } from '../schema';
import { FINAL_STATES, IN_FLIGHT_STATES, WAITING_STATES } from '../../policy/contact-state';
import {
  resolveCampaignConfig,
  type CallingWindow,
  type CampaignConfig,
  type CampaignConfigInput,
} from '../../policy/campaign-config';
import { conflict, invalid, notFound, type ErrorDetail } from '../../policy/errors';
import { logActivity } from './activity-log.repository';
import { findNumbersByIds } from './numbers.repository';

/**
 * Campaigns as the operator edits them: create, read (with the derived bits the API shows), edit under the
 * state and lock rules of docs/rules.md "Campaign configuration", delete, clone. Lifecycle transitions
 * (start, pause, stop, restart) live in `runs.repository.ts`.
 */

export interface CampaignCounts {
  total: number;
  pending: number;
  waiting: number;
  in_flight: number;
  final: number;
  by_state: Record<string, number>;
}

export interface CampaignView {
  campaign: Campaign;
  numberIds: string[];
  warnings: string[];
  preparedRestart: { run_no: number; created_by: string | null; created_at: Date } | null;
  stoppedBy: string | null;
  stoppedAt: Date | null;
  counts: CampaignCounts;
}

/** The config fields of a create/update body, as `resolveCampaignConfig` takes them. */
export type ConfigFields = Omit<CampaignConfigInput, 'window'> & {
  window?: { start?: string | null; end?: string | null; timezone?: string | null } | null;
};

export function toConfigInput(body: ConfigFields): CampaignConfigInput {
  const input: CampaignConfigInput = {};
  for (const key of Object.keys(body) as (keyof ConfigFields)[]) {
    if (key === 'window') {
      const w = body.window;
      // Nulls inside the window mean "default" like everywhere else; the policy reads undefined as that.
      const window: Partial<CallingWindow> | null = w
        ? { start: w.start ?? undefined, end: w.end ?? undefined, timezone: w.timezone ?? undefined }
        : null;
      input.window = window;
    } else {
      (input as Record<string, unknown>)[key] = body[key];
    }
  }
  return input;
}

function emptyCounts(): CampaignCounts {
  return { total: 0, pending: 0, waiting: 0, in_flight: 0, final: 0, by_state: {} };
}

function addCount(counts: CampaignCounts, state: string, n: number): void {
  counts.total += n;
  counts.by_state[state] = n;
  if (state === 'pending') counts.pending += n;
  if ((WAITING_STATES as readonly string[]).includes(state)) counts.waiting += n;
  if ((IN_FLIGHT_STATES as readonly string[]).includes(state)) counts.in_flight += n;
  if ((FINAL_STATES as readonly string[]).includes(state)) counts.final += n;
}

/** Everything the API shows besides the row itself, for many campaigns in a fixed number of queries. */
async function toViews(db: Db, campaigns: Campaign[]): Promise<CampaignView[]> {
  if (campaigns.length === 0) return [];
  const ids = campaigns.map((c) => c.id);
  const [pool, runs, counts] = await Promise.all([
    db
      .selectFrom('campaign_numbers')
      .select(['campaign_id', 'number_id'])
      .where('campaign_id', 'in', ids)
      .orderBy('campaign_id')
      .orderBy('position')
      .execute(),
    db
      .selectFrom('campaign_runs as r')
      .innerJoin('campaigns as c', (j) =>
        j.onRef('c.id', '=', 'r.campaign_id').onRef('c.run_no', '=', 'r.run_no'),
      )
      .select([
        'r.campaign_id',
        'r.run_no',
        'r.status',
        'r.created_by',
        'r.created_at',
        'r.stopped_by',
        'r.ended_at',
      ])
      .where('r.campaign_id', 'in', ids)
      .execute(),
    db
      .selectFrom('contacts')
      .select(['campaign_id', 'state', sql<number>`count(*)::int`.as('n')])
      .where('campaign_id', 'in', ids)
      .groupBy(['campaign_id', 'state'])
      .execute(),
  ]);
  return campaigns.map((campaign) => {
    const run = runs.find((r) => r.campaign_id === campaign.id);
    const tally = emptyCounts();
    for (const row of counts) if (row.campaign_id === campaign.id) addCount(tally, row.state, Number(row.n));
    const manuallyStopped = campaign.completion_reason === 'manually_stopped' && run !== undefined;
    return {
      campaign,
      numberIds: pool.filter((p) => p.campaign_id === campaign.id).map((p) => p.number_id),
      warnings: resolveCampaignConfig({}, campaign.config).warnings,
      preparedRestart:
        campaign.status === 'draft' && run?.status === 'prepared'
          ? { run_no: run.run_no, created_by: run.created_by, created_at: run.created_at }
          : null,
      stoppedBy: manuallyStopped ? run.stopped_by : null,
      stoppedAt: manuallyStopped ? run.ended_at : null,
      counts: tally,
    };
  });
}

export async function loadCampaignView(db: Db, id: string): Promise<CampaignView> {
  const campaign = await db.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirst();
  if (!campaign) throw notFound('campaign', id);
  const [view] = await toViews(db, [campaign]);
  if (!view) throw notFound('campaign', id);
  return view;
}

export async function listCampaignViews(
  db: Db,
  filter: { status?: CampaignStatus },
): Promise<CampaignView[]> {
  let query = db.selectFrom('campaigns').selectAll().orderBy('created_at', 'desc').orderBy('id');
  if (filter.status) query = query.where('status', '=', filter.status);
  return toViews(db, await query.execute());
}

/** One detail per unknown or inbound-only number, on the `number_ids` field. */
async function numberPoolProblems(db: Db, ids: readonly string[]): Promise<ErrorDetail[]> {
  const rows = await findNumbersByIds(db, ids);
  const problems: ErrorDetail[] = [];
  for (const id of ids) {
    const row = rows.find((r) => r.id === id);
    if (!row) problems.push({ field: 'number_ids', message: `number ${id} does not exist` });
    else if (row.inbound_only) {
      problems.push({
        field: 'number_ids',
        message: `number ${row.e164} (${id}) is inbound-only and cannot place calls`,
      });
    }
  }
  return problems;
}

async function botProblems(db: Db, botId: string | null | undefined): Promise<ErrorDetail[]> {
  if (!botId) return [];
  const bot = await db.selectFrom('bots').select('id').where('id', '=', botId).executeTakeFirst();
  return bot ? [] : [{ field: 'bot_id', message: `bot ${botId} does not exist` }];
}

async function replaceNumberPool(db: Db, campaignId: string, numberIds: readonly string[]): Promise<void> {
  await db.deleteFrom('campaign_numbers').where('campaign_id', '=', campaignId).execute();
  if (numberIds.length === 0) return;
  await db
    .insertInto('campaign_numbers')
    .values(numberIds.map((number_id, position) => ({ campaign_id: campaignId, number_id, position })))
    .execute();
}

const dedupe = (ids: readonly string[]): string[] => ids.filter((id, i) => ids.indexOf(id) === i);

export interface CreateCampaignInput {
  name: string;
  botId: string;
  numberIds: readonly string[];
  config: CampaignConfigInput;
}

/** Create a draft: defaults applied, references checked, one 422 listing every problem. */
export async function createCampaign(
  db: Db,
  input: CreateCampaignInput,
  actor: string,
  now: Date,
): Promise<string> {
  const name = input.name.trim();
  const numberIds = dedupe(input.numberIds);
  const { config, problems } = resolveCampaignConfig(input.config);
  if (!name) problems.unshift({ field: 'name', message: 'must not be blank' });
  problems.push(...(await botProblems(db, input.botId)), ...(await numberPoolProblems(db, numberIds)));
  if (problems.length > 0) throw invalid(problems);

  return db.transaction().execute(async (tx) => {
    const { id } = await tx
      .insertInto('campaigns')
      .values({
        name,
        bot_id: input.botId,
        config: JSON.stringify(config),
        created_by: actor,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await replaceNumberPool(tx, id, numberIds);
    await logActivity(tx, { campaignId: id, runNo: 1, action: 'create', actor });
    return id;
  });
}

export interface UpdateCampaignInput {
  name?: string;
  botId?: string | null;
  numberIds?: readonly string[] | null;
  config: CampaignConfigInput;
}

export interface UpdateResult {
  status: CampaignStatus;
  runNo: number;
  changed: string[];
}

const editable = (status: CampaignStatus): boolean => status === 'draft' || status === 'paused';

/**
 * Partial edit. Order of refusals: unknown (404), wrong status (409), locked identity (409), then every
 * validation problem at once (422). A locked field sent unchanged is accepted, so a client that re-sends
 * the whole form (the wizard in edit mode does) is not refused for fields it did not change.
 */
export async function updateCampaign(
  db: Db,
  id: string,
  input: UpdateCampaignInput,
  actor: string,
  now: Date,
): Promise<UpdateResult> {
  return db.transaction().execute(async (tx) => {
    const campaign = await tx
      .selectFrom('campaigns')
      .selectAll()
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!campaign) throw notFound('campaign', id);
    if (!editable(campaign.status)) {
      throw conflict(
        'invalid_state',
        `Only draft and paused campaigns can be edited. Current status: ${campaign.status}.`,
      );
    }
    const name = input.name?.trim();
    const renames = name !== undefined && name !== campaign.name;
    const rebots = input.botId !== undefined && input.botId !== campaign.bot_id;
    if (campaign.ever_started && (renames || rebots)) {
      const fields = [renames ? 'name' : null, rebots ? 'bot_id' : null].filter(Boolean).join(' and ');
      throw conflict(
        'locked_field',
        `Campaign name, bot, and contacts are locked after the first run (${fields}). Use Clone for a different identity.`,
      );
    }

    const { config, problems } = resolveCampaignConfig(input.config, campaign.config);
    if (name === '') problems.unshift({ field: 'name', message: 'must not be blank' });
    const numberIds = input.numberIds === undefined ? undefined : dedupe(input.numberIds ?? []);
    if (rebots) problems.push(...(await botProblems(tx, input.botId)));
    if (numberIds) problems.push(...(await numberPoolProblems(tx, numberIds)));
    if (problems.length > 0) throw invalid(problems);

    const changed: string[] = [];
    if (renames) changed.push('name');
    if (rebots) changed.push('bot_id');
    // Field by field: jsonb hands the stored config back with its keys in another order.
    const configChanged = configChanges(campaign.config, config).length > 0;
    if (configChanged) changed.push('config');
    if (numberIds) {
      const current = await tx
        .selectFrom('campaign_numbers')
        .select('number_id')
        .where('campaign_id', '=', id)
        .orderBy('position')
        .execute();
      if (JSON.stringify(current.map((r) => r.number_id)) !== JSON.stringify(numberIds)) {
        changed.push('number_ids');
        await replaceNumberPool(tx, id, numberIds);
      }
    }
    if (changed.length === 0) return { status: campaign.status, runNo: campaign.run_no, changed };

    await tx
      .updateTable('campaigns')
      .set({
        ...(renames && name !== undefined ? { name } : {}),
        ...(rebots ? { bot_id: input.botId ?? null } : {}),
        config: JSON.stringify(config),
        updated_at: now,
      })
      .where('id', '=', id)
      .execute();
    if (configChanged) {
      // The current run's row shows "the settings of the current run" (config panel): a paused run and a
      // prepared restart follow the edit; the run's `setup` stays the raw snapshot taken when it started.
      await tx
        .updateTable('campaign_runs')
        .set({ config: JSON.stringify(config) })
        .where('campaign_id', '=', id)
        .where('run_no', '=', campaign.run_no)
        .where('status', 'in', ['prepared', 'paused'])
        .execute();
    }
    // A mid-run edit is a new version of the run's config (who changed what, when); the start snapshot
    // and every earlier version stay as they were.
    const version =
      campaign.status === 'paused' && (configChanged || changed.includes('number_ids'))
        ? await recordConfigVersion(tx, id, campaign.run_no, config, actor, now)
        : null;
    await logActivity(tx, {
      campaignId: id,
      runNo: campaign.run_no,
      action: 'update',
      actor,
      details: version ? { changed, config_version: version.version } : { changed },
    });
    return { status: campaign.status, runNo: campaign.run_no, changed };
  });
}

/** Only a draft that never ran and has no restart history; its contacts go with it (FK cascade). */
export async function deleteCampaign(db: Db, id: string): Promise<{ name: string; contacts: number }> {
  return db.transaction().execute(async (tx) => {
    const campaign = await tx
      .selectFrom('campaigns')
      .selectAll()
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!campaign) throw notFound('campaign', id);
    if (campaign.status !== 'draft') {
      throw conflict(
        'invalid_state',
        `Only a draft campaign can be deleted. Current status: ${campaign.status}.`,
      );
    }
    const runs = await tx
      .selectFrom('campaign_runs')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('campaign_id', '=', id)
      .executeTakeFirstOrThrow();
    if (campaign.ever_started || campaign.run_no > 1 || Number(runs.n) > 0) {
      throw conflict(
        'invalid_state',
        'This draft has already run or has restart history, so it is kept for audit. Current status: draft.',
      );
    }
    const removed = await tx.deleteFrom('contacts').where('campaign_id', '=', id).executeTakeFirst();
    await tx.deleteFrom('campaigns').where('id', '=', id).execute();
    return { name: campaign.name, contacts: Number(removed.numDeletedRows) };
  });
}

/**
 * A new draft with the same bot, config, number pool and contacts (fresh: no run state), named
 * "<name> (copy)". Contacts are copied by one INSERT ... SELECT in upload order, whatever their number.
 */
export async function cloneCampaign(db: Db, sourceId: string, actor: string, now: Date): Promise<string> {
  return db.transaction().execute(async (tx) => {
    const source = await tx.selectFrom('campaigns').selectAll().where('id', '=', sourceId).executeTakeFirst();
    if (!source) throw notFound('campaign', sourceId);
    const { id } = await tx
      .insertInto('campaigns')
      .values({
        name: `${source.name} (copy)`,
        bot_id: source.bot_id,
        config: JSON.stringify(source.config satisfies CampaignConfig),
        created_by: actor,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await tx
      .insertInto('campaign_numbers')
      .columns(['campaign_id', 'number_id', 'position'])
      .expression((eb) =>
        eb
          .selectFrom('campaign_numbers')
          .select([sql<string>`${id}::uuid`.as('campaign_id'), 'number_id', 'position'])
          .where('campaign_id', '=', sourceId),
      )
      .execute();
    const copied = await tx
      .insertInto('contacts')
      .columns([
        'campaign_id',
        'phone',
        'phones',
        'name',
        'email',
        'metadata',
        'timezones',
        'source',
        'created_at',
        'updated_at',
      ])
      .expression((eb) =>
        eb
          .selectFrom('contacts')
          .select([
            sql<string>`${id}::uuid`.as('campaign_id'),
            'phone',
            'phones',
            'name',
            'email',
            'metadata',
            'timezones',
            'source',
            sql<Date>`${now}::timestamptz`.as('created_at'),
            sql<Date>`${now}::timestamptz`.as('updated_at'),
          ])
          .where('campaign_id', '=', sourceId)
          .orderBy('seq'),
      )
      .executeTakeFirst();
    // The contact variables registry (report columns, in first-upload order) goes with the contacts.
    await sql`
      insert into campaign_variables (campaign_id, key)
      select ${id}::uuid, key from campaign_variables where campaign_id = ${sourceId}::uuid order by position
    `.execute(tx);
    await logActivity(tx, {
      campaignId: id,
      runNo: 1,
      action: 'clone',
      actor,
      details: { source_campaign_id: sourceId, contacts: Number(copied.numInsertedOrUpdatedRows ?? 0) },
    });
    return id;
  });
}
