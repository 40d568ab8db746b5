import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildCampaign,
  callsTo,
  createCarrier,
  NumberPlan,
  perSecondMax,
  startStack,
  waitForCompletion,
  type Stack,
} from './stack';

/**
 * The carrier's calls-per-second cap, against the switch: the simulator enforces the same cap (a dial
 * above it gets SIP 429, as a carrier answers), so a single 429 in its log is a breach, and the call log's
 * receive times must never hold more than 5 originates in any 1-second window. Concurrency (50) is far
 * above what 5 calls/s can fill with 1-second calls, so the rate is the binding limit.
 */

const CPS = 5;

const plan = new NumberPlan('+9199');
const SOLO = plan.many(30, ['answer:10']);
const SHARED_A = plan.many(25, ['answer:10']);
const SHARED_B = plan.many(25, ['answer:10']);

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    scenario: { time_scale: 0.1, cps_limit: CPS, default: { 'sip:503': 1 }, numbers: plan.numbers },
  });
  await stack.startWorker();
});
afterAll(async () => {
  await stack?.stop();
});

describe('carrier dial rate', () => {
  it('cps_limit 5 with concurrency 50: never more than 5 originates in any second, no 429', async () => {
    const { numberIds } = await createCarrier(stack, { cpsLimit: CPS, count: 2 });
    const campaign = await buildCampaign(stack, { phones: SOLO, numberIds, config: { concurrency: 50 } });
    await waitForCompletion(stack, campaign.id, 60_000);

    const calls = callsTo(stack, SOLO);
    expect(calls).toHaveLength(SOLO.length);
    expect(calls.filter((c) => c.outcome === 'sip:429')).toEqual([]);
    expect(perSecondMax(calls)).toBeLessThanOrEqual(CPS);
    // The cap, not something slower, paced it: 30 dials at 5/s take about 6 s.
    const span = Date.parse(calls.at(-1)?.received_at ?? '') - Date.parse(calls[0]?.received_at ?? '');
    expect(span).toBeGreaterThanOrEqual(((SOLO.length - CPS) / CPS) * 1000);
    expect(span).toBeLessThan((SOLO.length / CPS) * 1000 * 2);
  });

  it('two campaigns on the same carrier share its 5 calls/s', async () => {
    const { numberIds } = await createCarrier(stack, { cpsLimit: CPS, count: 2 });
    const [a, b] = await Promise.all([
      buildCampaign(stack, {
        phones: SHARED_A,
        numberIds: [numberIds[0] ?? ''],
        config: { concurrency: 50 },
      }),
      buildCampaign(stack, {
        phones: SHARED_B,
        numberIds: [numberIds[1] ?? ''],
        config: { concurrency: 50 },
      }),
    ]);
    await Promise.all([waitForCompletion(stack, a.id, 60_000), waitForCompletion(stack, b.id, 60_000)]);

    const callsA = callsTo(stack, SHARED_A);
    const callsB = callsTo(stack, SHARED_B);
    expect(callsA).toHaveLength(SHARED_A.length);
    expect(callsB).toHaveLength(SHARED_B.length);
    const all = [...callsA, ...callsB];
    expect(all.filter((c) => c.outcome === 'sip:429')).toEqual([]);
    // Each alone could use all 5 per second; together they still get 5 between them.
    expect(perSecondMax(all)).toBeLessThanOrEqual(CPS);
    // They really ran side by side.
    const endA = Math.max(...callsA.map((c) => Date.parse(c.received_at)));
    const startB = Math.min(...callsB.map((c) => Date.parse(c.received_at)));
    const endB = Math.max(...callsB.map((c) => Date.parse(c.received_at)));
    const startA = Math.min(...callsA.map((c) => Date.parse(c.received_at)));
    expect(startB).toBeLessThan(endA);
    expect(startA).toBeLessThan(endB);
  });
});
