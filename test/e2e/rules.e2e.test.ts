import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildCampaign,
  callsTo,
  digits,
  eventually,
  NumberPlan,
  startStack,
  waitForCompletion,
  type CampaignAnswer,
  type Stack,
} from './stack';

/**
 * The retry, redial, breadth-first and callback rules, proved by what the switch received. Retry delays and
 * callback times are whole real minutes on the dev server, so every campaign runs at once on one stack and
 * the file pays the minute once. Talk and ring times are scenario seconds × 0.1.
 */

const TIME_SCALE = 0.1;
const MINUTE = 60_000;

const plan = new NumberPlan('+9197');
const RETRY = {
  thenAnswer: plan.add(['no_answer', 'answer']),
  notInList: plan.add(['sip:486', 'answer']),
  exhausted: plan.add(['no_answer']),
};
const SHORT_CONNECT = plan.add(['answer:2', 'answer:30']);
const STOP_WINS = plan.add(['answer:12', 'answer:30']);
const CUSTOM = plan.add(['answer:20:NOT_AVAILABLE', 'answer:20']);
const MULTI = {
  aPhone1: plan.add(['no_answer:20']),
  aPhone2: plan.add(['answer:20']),
  bPhone1: plan.add(['answer:20']),
  bPhone2: plan.add(['answer:20']),
};
const CALLBACK = plan.add(['answer:50:CALLBACK:1', 'answer:20']);
const FRESH = plan.many(12, ['answer:60']);
const GATE_BOT_OFF = plan.add(['answer:50:CALLBACK:1', 'answer:20']);
const GATE_CAMPAIGN_OFF = plan.add(['answer:50:CALLBACK:1', 'answer:20']);

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    scenario: { time_scale: TIME_SCALE, default: { 'sip:503': 1 }, numbers: plan.numbers },
  });
  await stack.startWorker();
});
afterAll(async () => {
  await stack?.stop();
});

const at = (iso: string | null | undefined): number => Date.parse(iso ?? '');

async function contactOf(campaignId: string, phone: string) {
  return stack.db.db
    .selectFrom('contacts')
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .where('phone', '=', phone)
    .executeTakeFirstOrThrow();
}

async function attemptsOf(campaignId: string, phone?: string) {
  let q = stack.db.db.selectFrom('attempts').selectAll().where('campaign_id', '=', campaignId);
  if (phone) q = q.where('phone', '=', phone);
  return q.orderBy('attempt_no').execute();
}

interface CallListItem {
  id: string;
  phone: string;
  state: string;
  callback_at: string | null;
}
async function callList(campaign: CampaignAnswer, query: string): Promise<CallListItem[]> {
  const res = await stack.api<{ items: CallListItem[] }>(
    'GET',
    `/api/v1/campaigns/${campaign.id}/contacts?${query}`,
  );
  expect(res.status).toBe(200);
  return res.body.items;
}

describe.concurrent('retry, redial and callback rules', () => {
  it('callback (both gates on): dialled again after a minute, before fresh contacts; pending → completed', async () => {
    const campaign = await buildCampaign(stack, {
      botCallbackEnabled: true,
      phones: [CALLBACK, ...FRESH],
      config: { concurrency: 1, callback_detection: true, retry_delay_minutes: 1 },
    });
    // The first call asks for a callback in a minute; it waits as `pending` meanwhile.
    const pending = await eventually('the callback to be scheduled', async () => {
      const items = await callList(campaign, 'callback=pending');
      return items.length === 1 ? items : null;
    });
    expect(pending[0]).toMatchObject({ phone: CALLBACK, state: 'callback_scheduled' });
    const callbackAt = at(pending[0]?.callback_at);
    const firstCall = callsTo(stack, CALLBACK)[0];
    expect(callbackAt - at(firstCall?.ended_at)).toBeGreaterThan(MINUTE - 5_000);

    const done = await waitForCompletion(stack, campaign.id, 150_000);
    expect(done.completion_reason).toBe('all_final');
    const calls = callsTo(stack, [CALLBACK, ...FRESH]);
    const callbackCalls = calls.filter((c) => digits(c.number) === digits(CALLBACK));
    expect(callbackCalls).toHaveLength(2);
    // Dialled at its time, not before.
    expect(at(callbackCalls[1]?.received_at)).toBeGreaterThanOrEqual(callbackAt);
    // Priority: once due (and marked ready, which may take a moment), no fresh contact was dialled before
    // it, though fresh contacts were still waiting: some were dialled after it.
    const callbackDial = at(callbackCalls[1]?.received_at);
    const fresh = calls.filter((c) => digits(c.number) !== digits(CALLBACK));
    const overtook = fresh.filter(
      (c) => at(c.received_at) > callbackAt + 1_000 && at(c.received_at) < callbackDial,
    );
    expect(overtook).toEqual([]);
    expect(fresh.filter((c) => at(c.received_at) > callbackDial).length).toBeGreaterThan(0);
    expect(calls).toHaveLength(FRESH.length + 2);

    const contact = await contactOf(campaign.id, CALLBACK);
    expect(contact).toMatchObject({ state: 'completed', callback_state: 'completed' });
    expect((await callList(campaign, 'callback=completed')).map((c) => c.phone)).toEqual([CALLBACK]);
    const attempts = await attemptsOf(campaign.id, CALLBACK);
    expect(attempts.map((a) => [a.attempt_no, a.outcome, a.disposition])).toEqual([
      [1, 'completed', 'CALLBACK'],
      [2, 'completed', 'COMPLETED'],
    ]);
  });

  it('retries: a listed outcome is redialled after the delay, an unlisted one is not, max_attempts ends it', async () => {
    const phones = Object.values(RETRY);
    const campaign = await buildCampaign(stack, {
      phones,
      config: { retry_on_system: ['no_answer'], retry_delay_minutes: 1, max_attempts: 2 },
    });
    const done = await waitForCompletion(stack, campaign.id, 150_000);
    // One contact ran out of attempts on a retryable outcome.
    expect(done.completion_reason).toBe('max_retries');

    const [first, second, ...more] = callsTo(stack, RETRY.thenAnswer);
    expect(more).toHaveLength(0);
    expect(first?.outcome).toBe('no_answer');
    expect(second?.outcome).toBe('answered');
    const gap = at(second?.received_at) - at(first?.received_at);
    expect(gap).toBeGreaterThanOrEqual(MINUTE);
    // Due a minute after the first call ended, and dialled promptly then.
    expect(at(second?.received_at) - at(first?.ended_at)).toBeLessThan(MINUTE + 15_000);
    expect(await contactOf(campaign.id, RETRY.thenAnswer)).toMatchObject({ state: 'completed', attempts: 2 });
    expect(
      (await attemptsOf(campaign.id, RETRY.thenAnswer)).map((a) => [a.attempt_no, a.pass, a.outcome]),
    ).toEqual([
      [1, 1, 'no_answer'],
      [2, 2, 'completed'],
    ]);

    // `rejected` is not in retry_on_system: dialled once, final.
    expect(callsTo(stack, RETRY.notInList)).toHaveLength(1);
    expect(await contactOf(campaign.id, RETRY.notInList)).toMatchObject({
      state: 'failed',
      attempts: 1,
      exhausted_retries: false,
    });

    // no_answer twice: max_attempts (2) reached.
    const exhausted = callsTo(stack, RETRY.exhausted);
    expect(exhausted).toHaveLength(2);
    expect(at(exhausted[1]?.received_at) - at(exhausted[0]?.received_at)).toBeGreaterThanOrEqual(MINUTE);
    expect(await contactOf(campaign.id, RETRY.exhausted)).toMatchObject({
      state: 'failed',
      attempts: 2,
      exhausted_retries: true,
    });
  });

  it('redial after a short connect: a 2 s connect is redialled after the delay', async () => {
    const campaign = await buildCampaign(stack, {
      phones: [SHORT_CONNECT],
      config: { redial_short_connect_s: 15, retry_delay_minutes: 1, max_attempts: 2 },
    });
    const done = await waitForCompletion(stack, campaign.id, 150_000);
    expect(done.completion_reason).toBe('all_final');
    const calls = callsTo(stack, SHORT_CONNECT);
    expect(calls).toHaveLength(2);
    expect(at(calls[1]?.received_at) - at(calls[0]?.received_at)).toBeGreaterThanOrEqual(MINUTE);
    const attempts = await attemptsOf(campaign.id);
    expect(attempts.map((a) => [a.outcome, a.talk_s])).toEqual([
      ['completed', 2],
      ['completed', 30],
    ]);
    expect((await contactOf(campaign.id, SHORT_CONNECT)).state).toBe('completed');
  });

  it('a custom disposition in retry_on_custom is redialled after the delay', async () => {
    const campaign = await buildCampaign(stack, {
      phones: [CUSTOM],
      config: { retry_on_custom: ['not_available'], retry_delay_minutes: 1, max_attempts: 2 },
    });
    const done = await waitForCompletion(stack, campaign.id, 150_000);
    expect(done.completion_reason).toBe('all_final');
    const calls = callsTo(stack, CUSTOM);
    expect(calls).toHaveLength(2);
    expect(at(calls[1]?.received_at) - at(calls[0]?.received_at)).toBeGreaterThanOrEqual(MINUTE);
    expect((await attemptsOf(campaign.id)).map((a) => a.disposition)).toEqual(['NOT_AVAILABLE', 'COMPLETED']);
  });

  it('stop rule wins over the short-connect redial when their thresholds overlap', async () => {
    const campaign = await buildCampaign(stack, {
      phones: [STOP_WINS],
      config: {
        stop_redials_after_connect_s: 10,
        redial_short_connect_s: 15,
        retry_delay_minutes: 1,
        max_attempts: 2,
      },
    });
    expect(campaign.warnings.length).toBeGreaterThan(0);
    // 12 s talked: "short" for the redial rule (< 15) and "meaningful" for the stop rule (> 10).
    const done = await waitForCompletion(stack, campaign.id, 60_000);
    expect(done.completion_reason).toBe('all_final');
    expect(callsTo(stack, STOP_WINS)).toHaveLength(1);
    expect((await attemptsOf(campaign.id)).map((a) => [a.outcome, a.talk_s])).toEqual([['completed', 12]]);
    expect(await contactOf(campaign.id, STOP_WINS)).toMatchObject({ state: 'completed', attempts: 1 });
  });

  it('multi-phone: phone2 follows an unanswered phone1 in the same pass, without the retry delay', async () => {
    const campaign = await buildCampaign(stack, {
      csv: [
        'name,phone1,phone2',
        `A,${MULTI.aPhone1},${MULTI.aPhone2}`,
        `B,${MULTI.bPhone1},${MULTI.bPhone2}`,
      ].join('\n'),
      config: { retry_on_system: ['no_answer'], retry_delay_minutes: 30, max_attempts: 2 },
    });
    const done = await waitForCompletion(stack, campaign.id, 60_000);
    expect(done.completion_reason).toBe('all_final');

    const [a1, ...a1More] = callsTo(stack, MULTI.aPhone1);
    const [a2, ...a2More] = callsTo(stack, MULTI.aPhone2);
    expect(a1More).toHaveLength(0);
    expect(a2More).toHaveLength(0);
    expect(a1?.outcome).toBe('no_answer');
    // Right after phone1 gave up, not 30 minutes later.
    expect(at(a2?.received_at) - at(a1?.ended_at)).toBeLessThan(10_000);
    const attemptsA = await attemptsOf(campaign.id, MULTI.aPhone1);
    const attemptsA2 = await attemptsOf(campaign.id, MULTI.aPhone2);
    expect(
      [...attemptsA, ...attemptsA2].map((a) => [a.attempt_no, a.pass, a.phone_index, a.outcome]),
    ).toEqual([
      [1, 1, 0, 'no_answer'],
      [2, 1, 1, 'completed'],
    ]);

    // Answered on phone1: phone2 is never dialled.
    expect(callsTo(stack, MULTI.bPhone1)).toHaveLength(1);
    expect(callsTo(stack, MULTI.bPhone2)).toHaveLength(0);
    const contacts = await stack.db.db
      .selectFrom('contacts')
      .select(['phone', 'state', 'attempts'])
      .where('campaign_id', '=', campaign.id)
      .orderBy('phone')
      .execute();
    expect(contacts).toEqual([
      { phone: MULTI.aPhone1, state: 'completed', attempts: 2 },
      { phone: MULTI.bPhone1, state: 'completed', attempts: 1 },
    ]);
  });

  it('callback with either gate off: no callback dial', async () => {
    const botOff = await buildCampaign(stack, {
      botCallbackEnabled: false,
      phones: [GATE_BOT_OFF],
      config: { callback_detection: true },
    });
    const campaignOff = await buildCampaign(stack, {
      botCallbackEnabled: true,
      phones: [GATE_CAMPAIGN_OFF],
      config: { callback_detection: false },
    });
    for (const [campaign, phone] of [
      [botOff, GATE_BOT_OFF],
      [campaignOff, GATE_CAMPAIGN_OFF],
    ] as const) {
      // The run ends after the one call: the contact is final, so no callback can follow in this run.
      const done = await waitForCompletion(stack, campaign.id, 60_000);
      expect(done.completion_reason).toBe('all_final');
      expect(callsTo(stack, phone)).toHaveLength(1);
      const attempts = await attemptsOf(campaign.id);
      expect(attempts).toHaveLength(1);
      expect(attempts[0]?.disposition).toBe('CALLBACK');
      expect(attempts[0]?.callback_at).not.toBeNull();
      expect(await contactOf(campaign.id, phone)).toMatchObject({ state: 'completed', callback_state: null });
    }
  });
});
