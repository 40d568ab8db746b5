import type { Kysely } from 'kysely';
import type { Database, RunSetup } from '../schema';
import type { CampaignConfig } from '../../policy/campaign-config';
import { configChanges, type FieldChange } from '../../policy/config-diff';

/**
 * Config versions of a run (migration 2026-12-06T0870). Version 1 is the snapshot the run started with
 * (`campaign_runs.setup`); each mid-run edit that changes the settings or the number pool adds the next
 * version with its changes, who made them and when. Nothing here updates or deletes a version.
 */

type AnyDb = Kysely<Database>;
type Pool = RunSetup['number_pool'];

export interface ConfigVersion {
  version: number;
  config: CampaignConfig;
  number_pool: Pool;
  changes: FieldChange[];
  changed_by: string | null;
  changed_at: string | null;
}

async function currentPool(db: AnyDb, campaignId: string): Promise<Pool> {
  return db
    .selectFrom('campaign_numbers as cn')
    .innerJoin('numbers as n', 'n.id', 'cn.number_id')
    .innerJoin('carriers as k', 'k.id', 'n.carrier_id')
    .select(['n.id', 'n.e164', 'n.label', 'n.carrier_id', 'k.gateway'])
    .where('cn.campaign_id', '=', campaignId)
    .orderBy('cn.position')
    .execute();
}

/** Every version of a run that has started, oldest first; empty for a run that never started. */
export async function listConfigVersions(
  db: AnyDb,
  campaignId: string,
  runNo: number,
): Promise<ConfigVersion[]> {
  const run = await db
    .selectFrom('campaign_runs')
    .select(['setup', 'started_at', 'started_by', 'created_by'])
    .where('campaign_id', '=', campaignId)
    .where('run_no', '=', runNo)
    .executeTakeFirst();
  if (!run || run.started_at === null) return [];
  const edits = await db
    .selectFrom('run_config_versions')
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .where('run_no', '=', runNo)
    .orderBy('version')
    .execute();
  return [
    {
      version: 1,
      config: run.setup.config,
      number_pool: run.setup.number_pool,
      changes: [],
      changed_by: run.started_by ?? run.created_by,
      changed_at: run.started_at.toISOString(),
    },
    ...edits.map((v) => ({
      version: v.version,
      config: v.config,
      number_pool: v.number_pool,
      changes: v.changes,
      changed_by: v.changed_by,
      changed_at: v.changed_at.toISOString(),
    })),
  ];
}

/**
 * After an edit of a campaign whose current run has started (a paused run): record the run's settings and
 * pool as a new version when they differ from the version in force. Runs inside the edit's transaction.
 */
export async function recordConfigVersion(
  tx: AnyDb,
  campaignId: string,
  runNo: number,
  config: CampaignConfig,
  actor: string,
  now: Date,
): Promise<ConfigVersion | null> {
  const versions = await listConfigVersions(tx, campaignId, runNo);
  const inForce = versions.at(-1);
  if (!inForce) return null;
  const pool = await currentPool(tx, campaignId);
  const changes = configChanges(inForce.config, config);
  const poolBefore = inForce.number_pool.map((n) => n.e164);
  const poolAfter = pool.map((n) => n.e164);
  if (JSON.stringify(poolBefore) !== JSON.stringify(poolAfter))
    changes.push({ field: 'number_pool', from: poolBefore, to: poolAfter });
  if (changes.length === 0) return null;
  const version = inForce.version + 1;
  await tx
    .insertInto('run_config_versions')
    .values({
      campaign_id: campaignId,
      run_no: runNo,
      version,
      config: JSON.stringify(config),
      number_pool: JSON.stringify(pool),
      changes: JSON.stringify(changes),
      changed_by: actor,
      changed_at: now,
    })
    .execute();
  return {
    version,
    config,
    number_pool: pool,
    changes,
    changed_by: actor,
    changed_at: now.toISOString(),
  };
}
