import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  buildCampaign,
  callsTo,
  digits,
  eventually,
  NumberPlan,
  sleep,
  startStack,
  waitForCompletion,
  type Stack,
} from './stack';

/**
 * Dependencies that blink, on the real stack: Postgres restarted with `pg_ctl -m immediate` mid-campaign,
 * the API away for 30 s while calls end, longer than the worker's result grace (the bot platform's results
 * must still land: the wait does not count the outage), and the Temporal
 * dev server restarted with dials in flight. After each: no process exited, the campaign completed, every
 * contact is final, every number reached the switch once, and what Postgres recorded is what the switch saw.
 *
 * One stack with a Postgres cluster of its own (restarting the shared one would disturb every other file)
 * and Temporal state on disk (so a restart keeps every workflow). The tests run one after the other.
 */

const TIME_SCALE = 0.1;
const RESULT_GRACE_S = 10;
const plan = new NumberPlan('+9195');
// 40 s of talk at 0.1: a 4-second conversation.
const DURING_PG_RESTART = plan.many(30, ['answer:40']);
const DURING_API_OUTAGE = plan.many(6, ['answer:50:INTERESTED']);
// 120 s at 0.1: 12-second conversations, in flight while Temporal is away.
const DURING_TEMPORAL_RESTART = plan.many(6, ['answer:120']);

let stack: Stack;
let temporalDir: string;
beforeAll(async () => {
  temporalDir = await mkdtemp(path.join(os.tmpdir(), 'ori-outages-'));
  stack = await startStack({
    scenario: { time_scale: TIME_SCALE, default: { 'sip:503': 1 }, numbers: plan.numbers },
    ownPostgres: true,
    temporalDataDir: temporalDir,
    // A grace shorter than the API outage below: the results still count, because the time the API could
    // not take them does not use it up (policy/result-wait.ts).
    workerEnv: { ORI_RESULT_GRACE_S: String(RESULT_GRACE_S) },
  });
  await stack.startWorker();
});
afterAll(async () => {
  await stack?.stop();
  if (temporalDir) await rm(temporalDir, { recursive: true, force: true });
});

async function attemptsOf(campaignId: string) {
  return stack.db.db
    .selectFrom('attempts')
    .select(['attempt_id', 'phone', 'outcome', 'hangup_cause', 'disposition', 'ended_at', 'answered_at'])
    .where('campaign_id', '=', campaignId)
    .execute();
}

/** Every contact final, each number originated exactly once, each attempt the switch's own call. */
async function expectAllFinalAndTrue(campaignId: string, phones: string[]): Promise<void> {
  const contacts = await stack.db.db
    .selectFrom('contacts')
    .select(['phone', 'state', 'final_at'])
    .where('campaign_id', '=', campaignId)
    .execute();
  expect(contacts).toHaveLength(phones.length);
  expect(contacts.filter((c) => c.final_at === null)).toEqual([]);
  const calls = callsTo(stack, phones);
  for (const phone of phones) expect(calls.filter((c) => digits(c.number) === digits(phone))).toHaveLength(1);
  const attempts = await attemptsOf(campaignId);
  expect(attempts).toHaveLength(phones.length);
  for (const a of attempts) {
    const call = calls.find((c) => c.uuid === a.attempt_id);
    expect(call, `the switch's call of attempt ${a.attempt_id}`).toBeDefined();
    expect(call?.ended_at).not.toBeNull();
    // Every call of these numbers was answered and talked to its end: recorded so, not reconciled blind.
    expect(a).toMatchObject({ outcome: 'completed', hangup_cause: 'NORMAL_CLEARING' });
    expect(a.answered_at).not.toBeNull();
  }
}

describe('outages', () => {
  it('a Postgres immediate restart mid-campaign: no process exits, the campaign completes, every contact final', async () => {
    const campaign = await buildCampaign(stack, {
      phones: DURING_PG_RESTART,
      config: { concurrency: 5 },
    });
    await eventually(
      'a third of the calls placed',
      async () => callsTo(stack, DURING_PG_RESTART).length >= 10,
    );
    await stack.restartPostgres(3_000);

    const done = await waitForCompletion(stack, campaign.id, 240_000);
    expect(done.completion_reason).toBe('all_final');
    expect(stack.worker?.exitInfo).toBeUndefined();
    await expectAllFinalAndTrue(campaign.id, DURING_PG_RESTART);
    // The worker saw the restart (its connections broke) and lived through it.
    const health = await fetch(`${stack.apiUrl}/health`);
    expect(health.status).toBe(200);
  });

  it('the API down for 30 s — three times the result grace — while calls end: every result recorded', async () => {
    const campaign = await buildCampaign(stack, {
      phones: DURING_API_OUTAGE,
      config: { concurrency: 6, retry_on_custom: [] },
    });
    await eventually('every call answered', async () => {
      const calls = callsTo(stack, DURING_API_OUTAGE);
      return calls.length === DURING_API_OUTAGE.length && calls.every((c) => c.answered_at !== null);
    });
    await stack.stopApi();
    const downAt = Date.now();
    try {
      await eventually(
        'every call ended while the API is down',
        async () => callsTo(stack, DURING_API_OUTAGE).every((c) => c.ended_at !== null),
        25_000,
      );
      await sleep(Math.max(0, 30_000 - (Date.now() - downAt)));
    } finally {
      await stack.startApi();
    }
    const calls = callsTo(stack, DURING_API_OUTAGE);
    // The results had nowhere to go: every conversation ended while nothing listened.
    for (const c of calls) expect(Date.parse(c.ended_at ?? '')).toBeLessThan(downAt + 30_000);

    const done = await waitForCompletion(stack, campaign.id, 180_000);
    expect(done.completion_reason).toBe('all_final');
    await expectAllFinalAndTrue(campaign.id, DURING_API_OUTAGE);
    const attempts = await attemptsOf(campaign.id);
    expect(attempts.map((a) => a.disposition)).toEqual(DURING_API_OUTAGE.map(() => 'INTERESTED'));
  });

  it('dials in flight during a Temporal restart finish and are recorded', async () => {
    const campaign = await buildCampaign(stack, {
      phones: DURING_TEMPORAL_RESTART,
      config: { concurrency: 6 },
    });
    await eventually('every call answered', async () => {
      const calls = callsTo(stack, DURING_TEMPORAL_RESTART);
      return calls.length === DURING_TEMPORAL_RESTART.length && calls.every((c) => c.answered_at !== null);
    });
    // Away for longer than the conversations: every call ends while Temporal is down.
    await stack.restartTemporal(13_000);
    const calls = callsTo(stack, DURING_TEMPORAL_RESTART);
    expect(calls.every((c) => c.ended_at !== null)).toBe(true);

    const done = await waitForCompletion(stack, campaign.id, 240_000);
    expect(done.completion_reason).toBe('all_final');
    expect(stack.worker?.exitInfo).toBeUndefined();
    await expectAllFinalAndTrue(campaign.id, DURING_TEMPORAL_RESTART);
  });
});
