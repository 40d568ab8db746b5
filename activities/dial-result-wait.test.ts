import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { useTestDatabase } from '../test/support/db';
import { seedRunningCampaign } from '../test/fixtures/seed';
import { admit } from '../db/repositories/admission.repository';
import { claimAttempt, getAttempt } from '../db/repositories/attempts.repository';
import { recordAttemptResult } from '../db/repositories/results.repository';
import { createDialActivities, type DialResult, type SwitchControl } from './dial.activity';
import { SeatNotifier } from './seat-notifier';

const test = useTestDatabase();

/** No call is placed in these tests: the dial finds its attempt already ended (a retried try). */
const noSwitch: SwitchControl = {
  connected: true,
  originate: () => Promise.reject(new Error('no call is placed here')),
  kill: async () => false,
  exists: async () => false,
  api: async () => '-ERR',
  watch: () => () => undefined,
  onReconnect: () => () => undefined,
};

let notifier: SeatNotifier;
beforeAll(async () => {
  notifier = new SeatNotifier(test.url);
  await notifier.start();
});
afterAll(async () => {
  await notifier.close();
});

/** An attempt whose call a bot answered and finished (`completed`), with no post-call result yet. */
async function answeredCall() {
  const s = await seedRunningCampaign(test.db, { contacts: 1 });
  const admitted = await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: new Date() });
  const handoff = admitted.handoffs[0]!;
  expect(await claimAttempt(test.db, handoff.attemptId, new Date())).toMatchObject({ kind: 'claimed' });
  const at = new Date();
  await test.db
    .updateTable('attempts')
    .set({
      originate_sent_at: at,
      originate_written_at: at,
      started_at: at,
      answered_at: at,
      ended_at: new Date(at.getTime() + 30_000),
      status: 'ended',
      outcome: 'completed',
      talk_s: 30,
    })
    .where('attempt_id', '=', handoff.attemptId)
    .execute();
  return { input: { campaignId: s.campaignId, runNo: 1, contactId: handoff.contactId, handoff }, handoff };
}

const result = { disposition: 'INTERESTED', callbackAt: null, turns: 4, summary: null, raw: {} };

describe('the dial waits itself for an answered call’s post-call result', () => {
  it('returns with the result when it is stored during the wait; the result API is told not to signal', async () => {
    const { input, handoff } = await answeredCall();
    const { dial } = createDialActivities({
      db: test.db,
      switch: noSwitch,
      seats: notifier,
      timings: { ringTimeoutS: 1, maxCallS: 3, graceS: 1, resultGraceS: 600, resultWaitInDialMs: 60_000 },
    });
    const dialled = new MockActivityEnvironment().run(dial, input) as Promise<DialResult>;
    // Stored once the dial waits for it (it says so on the attempt).
    for (let i = 0; !(await getAttempt(test.db, handoff.attemptId))?.result_awaited; i++) {
      expect(i).toBeLessThan(500);
      await new Promise((r) => setTimeout(r, 20));
    }
    const stored = await recordAttemptResult(test.db, handoff.attemptId, result, new Date());
    expect(stored.awaitedByDial).toBe(true);
    const answer = await dialled;
    expect(answer).toMatchObject({ kind: 'ended', outcome: 'completed', answered: true, hasResult: true });
    // The facts the contact decides with come along, the result in them.
    expect(answer.kind === 'ended' && answer.facts?.last?.disposition).toBe('INTERESTED');
    expect((await getAttempt(test.db, handoff.attemptId))?.result_awaited).toBe(false);
  });

  it('gives the wait back to the contact workflow when no result comes in time, which is then signalled', async () => {
    const { input, handoff } = await answeredCall();
    const { dial } = createDialActivities({
      db: test.db,
      switch: noSwitch,
      seats: notifier,
      timings: { ringTimeoutS: 1, maxCallS: 3, graceS: 1, resultGraceS: 600, resultWaitInDialMs: 300 },
    });
    const answer = (await new MockActivityEnvironment().run(dial, input)) as DialResult;
    expect(answer).toMatchObject({ kind: 'ended', answered: true, hasResult: false, resultWaitS: 600 });
    expect(answer.kind === 'ended' && answer.facts).toBeUndefined();
    const stored = await recordAttemptResult(test.db, handoff.attemptId, result, new Date());
    expect(stored.awaitedByDial).toBe(false);
  });

  it('reports a result stored while the call is still up with the call’s end; the result API sends no signal', async () => {
    const { input, handoff } = await answeredCall();
    await test.db
      .updateTable('attempts')
      .set({ ended_at: null, status: 'in_progress' })
      .where('attempt_id', '=', handoff.attemptId)
      .execute();
    const stored = await recordAttemptResult(test.db, handoff.attemptId, result, new Date());
    expect(stored.awaitedByDial).toBe(true);
    // The call ends (as finishAttempt records it): the dial that finds it ended reports the result.
    await test.db
      .updateTable('attempts')
      .set({ ended_at: new Date(), status: 'ended' })
      .where('attempt_id', '=', handoff.attemptId)
      .execute();
    const { dial } = createDialActivities({
      db: test.db,
      switch: noSwitch,
      seats: notifier,
      timings: { ringTimeoutS: 1, maxCallS: 3, graceS: 1, resultGraceS: 600, resultWaitInDialMs: 300 },
    });
    const answer = (await new MockActivityEnvironment().run(dial, input)) as DialResult;
    expect(answer).toMatchObject({ kind: 'ended', answered: true, hasResult: true });
    expect(answer.kind === 'ended' && answer.facts?.last?.disposition).toBe('INTERESTED');
  });
});
