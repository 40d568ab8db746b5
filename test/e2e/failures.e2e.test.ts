import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildCampaign,
  callsTo,
  digits,
  eventually,
  NumberPlan,
  startStack,
  waitForCompletion,
  type Stack,
} from './stack';

/**
 * How each kind of call ends, proved against the switch's own call log and Postgres: the dialler's ring
 * timeout (`rnr`), a failed originate (`error`, no channel), an answering machine, a bot fleet with no free
 * worker (`abandoned`), a call that never ends (killed by stale-state recovery: `timeout`, seat freed), and
 * an ESL connection lost mid-call (reconnect, reconcile, no second originate).
 *
 * One stack: the worker's ring timeout is 3 s and its longest call 2 s, so a `ring` ends as `rnr` and a
 * `stall` is killed after ring + max call + the 30 s grace.
 */

const RING_TIMEOUT_S = 3;
const MAX_CALL_S = 2;
const TIME_SCALE = 0.1;

const plan = new NumberPlan('+9196');
const OUTCOMES = {
  ring: plan.add(['ring']),
  error: plan.add(['error']),
  machine: plan.add(['machine:20']),
  fleetBusy: plan.add(['fleet_busy']),
  rejected: plan.add(['sip:486']),
};
const STALL = plan.add(['stall']);
const AFTER_STALL = plan.add(['answer:10']);
const DROP = plan.add(['drop']);
const DROP_GONE = plan.add(['drop']);

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    scenario: { time_scale: TIME_SCALE, default: { 'sip:503': 1 }, numbers: plan.numbers },
    workerEnv: { ORI_RING_TIMEOUT_S: String(RING_TIMEOUT_S), ORI_MAX_CALL_S: String(MAX_CALL_S) },
  });
  await stack.startWorker();
});
afterAll(async () => {
  await stack?.stop();
});

async function attemptsOf(campaignId: string) {
  return stack.db.db
    .selectFrom('attempts')
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .orderBy('created_at')
    .execute();
}

async function contactsOf(campaignId: string) {
  return stack.db.db
    .selectFrom('contacts')
    .select(['phone', 'state', 'attempts', 'final_at'])
    .where('campaign_id', '=', campaignId)
    .execute();
}

describe.concurrent('call outcomes against the switch', () => {
  it('ring → rnr by our own timeout, error → no channel, machine, fleet_busy → abandoned', async () => {
    const phones = Object.values(OUTCOMES);
    const campaign = await buildCampaign(stack, { phones, config: { concurrency: 10 } });
    const done = await waitForCompletion(stack, campaign.id, 60_000);
    expect(done.completion_reason).toBe('all_final');

    const calls = callsTo(stack, phones);
    expect(calls).toHaveLength(phones.length);
    const call = (phone: string) => calls.find((c) => digits(c.number) === digits(phone));
    const attempts = await attemptsOf(campaign.id);
    expect(attempts).toHaveLength(phones.length);
    const attempt = (phone: string) => attempts.find((a) => a.phone === phone);
    const contacts = await contactsOf(campaign.id);
    const state = (phone: string) => contacts.find((c) => c.phone === phone)?.state;

    // The dialler's ring timeout travels in the dial string and ends the ringing call: `rnr`.
    const ring = call(OUTCOMES.ring);
    expect(ring?.vars.originate_timeout).toBe(String(RING_TIMEOUT_S));
    expect(ring?.outcome).toBe('rnr');
    expect(ring?.answered_at).toBeNull();
    expect(attempt(OUTCOMES.ring)).toMatchObject({
      outcome: 'rnr',
      answered_at: null,
      hangup_cause: 'NO_ANSWER',
    });
    expect(state(OUTCOMES.ring)).toBe('failed');

    // `-ERR` from the originate job: nothing rang, no channel ever existed.
    const error = call(OUTCOMES.error);
    expect(error).toMatchObject({ outcome: 'error', answered_at: null, ended_at: null });
    expect(attempt(OUTCOMES.error)).toMatchObject({
      outcome: 'error',
      answered_at: null,
      sip_code: null,
      ring_s: null,
      talk_s: null,
    });
    expect(attempt(OUTCOMES.error)?.ended_at).not.toBeNull();
    expect(state(OUTCOMES.error)).toBe('failed');

    expect(call(OUTCOMES.machine)?.answered_at).not.toBeNull();
    expect(attempt(OUTCOMES.machine)?.outcome).toBe('machine');
    expect(attempt(OUTCOMES.machine)?.answered_at).not.toBeNull();
    expect(state(OUTCOMES.machine)).toBe('machine');

    expect(call(OUTCOMES.fleetBusy)?.answered_at).not.toBeNull();
    expect(attempt(OUTCOMES.fleetBusy)?.outcome).toBe('abandoned');
    expect(state(OUTCOMES.fleetBusy)).toBe('abandoned');

    expect(attempt(OUTCOMES.rejected)).toMatchObject({ outcome: 'rejected', sip_code: 486 });
    expect(state(OUTCOMES.rejected)).toBe('failed');
  });

  it('stall: the call that never ends is killed, closed as timeout, and its seat goes to the next contact', async () => {
    const campaign = await buildCampaign(stack, {
      phones: [STALL, AFTER_STALL],
      config: { concurrency: 1 },
    });
    const done = await waitForCompletion(stack, campaign.id, 90_000);
    expect(done.completion_reason).toBe('all_final');

    const [stall, next] = callsTo(stack, [STALL, AFTER_STALL]);
    expect(digits(stall?.number)).toBe(digits(STALL));
    expect(stall?.answered_at).not.toBeNull();
    // The switch saw the call end: we hung it up (a stall never ends by itself) after ring + max call.
    expect(stall?.ended_at).not.toBeNull();
    const lived = Date.parse(stall?.ended_at ?? '') - Date.parse(stall?.received_at ?? '');
    expect(lived).toBeGreaterThanOrEqual((RING_TIMEOUT_S + MAX_CALL_S) * 1000);

    const attempts = await attemptsOf(campaign.id);
    const stalled = attempts.find((a) => a.phone === STALL);
    expect(stalled?.outcome).toBe('timeout');
    expect(stalled?.ended_at).not.toBeNull();
    // Concurrency 1: the next contact could only be dialled once the stalled call gave its seat back.
    expect(digits(next?.number)).toBe(digits(AFTER_STALL));
    expect(Date.parse(next?.received_at ?? '')).toBeGreaterThanOrEqual(Date.parse(stall?.ended_at ?? ''));
    expect(attempts.find((a) => a.phone === AFTER_STALL)?.outcome).toBe('completed');
    const contacts = await contactsOf(campaign.id);
    expect(contacts.every((c) => c.final_at !== null)).toBe(true);
  });
});

describe('ESL connection lost mid-call', () => {
  // Alone (not concurrent): the drop cuts the worker's one ESL connection, which every call shares.
  it('drop: the worker reconnects, follows the call to its end (completed) and never originates it twice', async () => {
    const campaign = await buildCampaign(stack, { phones: [DROP] });
    const done = await waitForCompletion(stack, campaign.id, 60_000);
    expect(done.completion_reason).toBe('all_final');

    const calls = callsTo(stack, DROP);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.outcome).toBe('dropped');
    expect(calls[0]?.ended_at).not.toBeNull();
    // The connection really went away and came back.
    expect(stack.worker?.tail()).toContain('ESL connection lost');

    const attempts = await attemptsOf(campaign.id);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]?.attempt_id).toBe(calls[0]?.uuid);
    expect(attempts[0]?.outcome).toBe('completed');
    // The bot's post-call result reached the attempt after the reconnect.
    await eventually('the post-call result', async () => {
      const a = await stack.db.db
        .selectFrom('attempts')
        .select('disposition')
        .where('attempt_id', '=', attempts[0]?.attempt_id ?? '')
        .executeTakeFirst();
      return a?.disposition === 'COMPLETED';
    });
    const contacts = await contactsOf(campaign.id);
    expect(contacts).toMatchObject([{ state: 'completed', attempts: 1 }]);
  });

  it('drop, and the call ends before the reconnect: completed from the answer seen, no second originate', async () => {
    // 0.002: the 20 s talk lasts 40 ms, over long before the client has reconnected (≥ 100 ms).
    stack.sim.setScenario({
      time_scale: 0.002,
      default: { 'sip:503': 1 },
      numbers: { [DROP_GONE]: ['drop'] },
    });
    try {
      const campaign = await buildCampaign(stack, { phones: [DROP_GONE] });
      const done = await waitForCompletion(stack, campaign.id, 60_000);
      expect(done.completion_reason).toBe('all_final');
      const calls = callsTo(stack, DROP_GONE);
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({ outcome: 'dropped' });
      const attempts = await attemptsOf(campaign.id);
      expect(attempts).toHaveLength(1);
      // Answered before the drop; its end was not seen, but a connected call that ended is a conversation
      // that happened (the bot reports it), not a stale one.
      expect(attempts[0]).toMatchObject({ attempt_id: calls[0]?.uuid, outcome: 'completed' });
      expect(attempts[0]?.answered_at).not.toBeNull();
      const contacts = await contactsOf(campaign.id);
      expect(contacts).toMatchObject([{ state: 'completed', attempts: 1 }]);
    } finally {
      stack.sim.setScenario({ time_scale: TIME_SCALE, default: { 'sip:503': 1 }, numbers: plan.numbers });
    }
  });
});
