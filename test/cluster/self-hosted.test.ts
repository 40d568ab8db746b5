import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { REPO_ROOT } from '../../scripts/temporal';
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
 * shards) with two workers, one killed (SIGKILL) mid-run: the switch's call log shows exactly one originate
 * per contact, every contact ends final, and both workers dialled.
 */

const plan = new NumberPlan('+9193');
const PHONES = Array.from({ length: 60 }, () => plan.add(['answer:20']));

let pg: OwnPostgres;
let stack: Stack;
beforeAll(async () => {
  pg = await startOwnPostgres();
  const binaries = await ensureTemporalServerBinaries({ log: () => undefined });
  stack = await startStack({
    scenario: { time_scale: 0.1, default: { 'answer:20': 1 }, numbers: plan.numbers },
    startTemporal: () =>
      startTemporalServer({
        binaries,
        adminUrl: pg.adminUrl,
        dataDir: path.join(REPO_ROOT, '.data', `cluster-${process.pid}`),
        prefix: false,
        log: () => undefined,
      }),
  });
  await stack.startWorker();
  await stack.startWorker();
}, 600_000);
afterAll(async () => {
  await stack?.stop();
  await pg?.stop();
});

describe('the self-hosted Temporal server with two workers', () => {
  it('dials every contact exactly once although one worker is killed mid-run, and both workers dialled', async () => {
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
