import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { freePort, httpStatus, waitFor } from '../../scripts/net';
import { spawnManaged, type ManagedProcess } from '../../scripts/processes';
import { REPO_ROOT } from '../../scripts/temporal';
import { apiRequest } from '../support/api-request';
import { ensureTemporalServerBinaries, startTemporalServer } from '../../scripts/temporal-server';
import { startOwnPostgres, type OwnPostgres } from '../support/own-postgres';
import {
  buildCampaign,
  callsTo,
  digits,
  eventually,
  NumberPlan,
  startStack,
  waitForCompletion,
  type Stack,
} from '../e2e/stack';

/**
 * `npm run test:cluster`: the dialler on the self-hosted Temporal server (v1.32.0 on Postgres, 4 history
 * shards) with two workers and two API instances (the second a process of its own, api/main.ts), one worker
 * killed (SIGKILL) mid-run: the campaign is paused and resumed through the second API, the switch's call log
 * shows exactly one originate per contact, every contact ends final, and both workers dialled.
 */

const plan = new NumberPlan('+9193');
const PHONES = Array.from({ length: 60 }, () => plan.add(['answer:20']));

const DATA_DIR = path.join(REPO_ROOT, '.data', `cluster-${process.pid}`);
let pg: OwnPostgres;
let stack: Stack;
let secondApi: ManagedProcess;
let secondApiUrl: string;
beforeAll(async () => {
  pg = await startOwnPostgres();
  const binaries = await ensureTemporalServerBinaries({ log: () => undefined });
  stack = await startStack({
    scenario: { time_scale: 0.1, default: { 'answer:20': 1 }, numbers: plan.numbers },
    startTemporal: () =>
      startTemporalServer({
        binaries,
        adminUrl: pg.adminUrl,
        dataDir: DATA_DIR,
        prefix: false,
        log: () => undefined,
      }),
  });
  await stack.startWorker();
  await stack.startWorker();
  const port = await freePort();
  secondApiUrl = `http://127.0.0.1:${port}`;
  secondApi = spawnManaged(
    'api-2',
    process.execPath,
    [path.join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), 'api/main.ts'],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        PORT: String(port),
        DATABASE_URL: stack.db.url,
        TEMPORAL_ADDRESS: stack.temporal.address,
        TEMPORAL_NAMESPACE: stack.temporal.namespace,
        ORI_TASK_QUEUE: stack.taskQueue,
        ORI_BOOTSTRAP_API_KEY: stack.apiKey,
      },
      prefix: false,
      stopTimeoutMs: 5_000,
    },
  );
  await waitFor(async () => (await httpStatus(`${secondApiUrl}/health`).catch(() => 0)) === 200, {
    timeoutMs: 60_000,
    what: 'the second API instance',
  });
}, 600_000);
afterAll(async () => {
  await secondApi?.stop();
  await stack?.stop();
  await pg?.stop();
  rmSync(DATA_DIR, { recursive: true, force: true });
});

const viaSecondApi = <T>(method: string, route: string) =>
  apiRequest<T>({ apiUrl: secondApiUrl, apiKey: stack.apiKey }, method, route);

describe('the self-hosted Temporal server with two workers', () => {
  it('dials every contact exactly once although one worker is killed mid-run, answers pause and resume through the second API, and both workers dialled', async () => {
    const campaign = await buildCampaign(stack, { phones: PHONES, config: { concurrency: 10 } });
    const dialledBy = async (): Promise<string[]> =>
      (
        await stack.db.db
          .selectFrom('attempts')
          .select('dialled_by')
          .distinct()
          .where('campaign_id', '=', campaign.id)
          .where('dialled_by', 'is not', null)
          .execute()
      ).map((r) => r.dialled_by as string);
    // Both workers have dialled: kill the first one while calls are up.
    await eventually('both workers to dial', async () => (await dialledBy()).length === 2, 120_000);
    const [first] = stack.workers;
    process.kill(-first!.pid, 'SIGKILL');
    await first!.exited;
    // The campaign controls (Updates) answer through the other API instance, on the self-hosted server.
    expect((await viaSecondApi('POST', `/api/v1/campaigns/${campaign.id}/pause`)).status).toBe(200);
    expect(
      (await viaSecondApi<{ status: string }>('GET', `/api/v1/campaigns/${campaign.id}`)).body.status,
    ).toBe('paused');
    expect((await viaSecondApi('POST', `/api/v1/campaigns/${campaign.id}/resume`)).status).toBe(200);

    const done = await waitForCompletion(stack, campaign.id, 300_000);
    expect(done.completion_reason).toBe('all_final');
    const calls = callsTo(stack, PHONES);
    const perPhone = new Map<string, number>();
    for (const c of calls) perPhone.set(digits(c.number), (perPhone.get(digits(c.number)) ?? 0) + 1);
    expect([...perPhone.values()].filter((n) => n !== 1)).toEqual([]);
    expect(perPhone.size).toBe(PHONES.length);
    const contacts = await stack.db.db
      .selectFrom('contacts')
      .select(['phone', 'final_at'])
      .where('campaign_id', '=', campaign.id)
      .execute();
    expect(contacts).toHaveLength(PHONES.length);
    expect(contacts.filter((c) => c.final_at === null)).toEqual([]);
    expect((await dialledBy()).length).toBe(2);
  });
});
