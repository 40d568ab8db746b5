import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPayloadConverter } from '@temporalio/common';
import { buildCampaign, eventually, NumberPlan, startStack, waitForCompletion, type Stack } from './stack';
import { campaignRunWorkflowId, contactStateQuery, contactWorkflowId } from '../../workflows/messages';
import type { DecisionRecord } from '../../policy/explain';

/**
 * From a campaign id and a phone number to the contact's workflow and why it did what it did, in one step:
 * one visibility query by CampaignId and Phone (any of the contact's numbers) finds exactly that contact's
 * workflow, its history names the retry timer by outcome and pass and carries the decision with its
 * reason, and the `state` query answers its current view. On the real stack; the retry delay is a real
 * minute.
 */

const plan = new NumberPlan('+9196');
// Pass 1: the first number does not answer, the second neither; pass 2 (after the retry delay): answered.
const FIRST = plan.add(['no_answer', 'answer:20']);
const SECOND = plan.add(['no_answer']);
const OTHERS = plan.many(3, ['answer:20']);

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    scenario: { time_scale: 0.1, default: { 'sip:503': 1 }, numbers: plan.numbers },
  });
  await stack.startWorker();
});
afterAll(async () => {
  await stack?.stop();
});

const summaryOf = (metadata: { summary?: { data?: Uint8Array | null } | null } | null | undefined): string =>
  metadata?.summary ? String(defaultPayloadConverter.fromPayload(metadata.summary)) : '';

describe('escalation: from a campaign id and a phone to the reason', () => {
  it('one search by CampaignId and Phone finds the contact; its history says why it waited and what it decided', async () => {
    const csv = ['phone_number,phone1', `${FIRST},${SECOND}`, ...OTHERS.map((p) => `${p},`)].join('\n');
    const campaign = await buildCampaign(stack, {
      csv,
      config: { retry_on_system: ['no_answer'], retry_delay_minutes: 1, max_attempts: 3 },
    });
    const done = await waitForCompletion(stack, campaign.id, 240_000);
    expect(done.completion_reason).toBe('all_final');
    const contact = await stack.db.db
      .selectFrom('contacts')
      .select(['id', 'state', 'attempts'])
      .where('campaign_id', '=', campaign.id)
      .where('phone', '=', FIRST)
      .executeTakeFirstOrThrow();
    expect(contact).toMatchObject({ state: 'completed', attempts: 3 });

    // Visibility on the dev server is eventually consistent: the same one query, until it answers.
    const query = `CampaignId="${campaign.id}" AND Phone="${SECOND}"`;
    const found = await eventually(
      'the contact in visibility',
      async () => {
        const ids: string[] = [];
        for await (const wf of stack.client.workflow.list({ query })) ids.push(wf.workflowId);
        return ids.length > 0 ? ids : null;
      },
      30_000,
    );
    expect(found).toEqual([contactWorkflowId(campaign.id, 1, contact.id)]);

    const handle = stack.client.workflow.getHandle(contactWorkflowId(campaign.id, 1, contact.id));
    const events = (await handle.fetchHistory()).events ?? [];
    const timers = events.filter((e) => e.timerStartedEventAttributes).map((e) => summaryOf(e.userMetadata));
    expect(timers).toContainEqual(expect.stringMatching(/^retry delay after no_answer, pass 1 → 2, due /));
    const decisions = events
      .map((e) => e.markerRecordedEventAttributes?.details?.result?.payloads?.[0])
      .filter((p) => p !== undefined && p !== null)
      .map((p) => defaultPayloadConverter.fromPayload<{ decision?: DecisionRecord } | undefined>(p))
      .flatMap((r) => (r?.decision ? [r.decision] : []));
    expect(decisions.map((d) => [d.attempt.phone, d.decision, d.reason])).toEqual([
      [FIRST, 'redial', 'next_phone'],
      [SECOND, 'redial', 'retry_system_outcome'],
      [FIRST, 'final: completed', expect.any(String)],
    ]);
    expect(decisions[1]?.because).toContain('no_answer is retried');

    // The query answers the contact's view (a closed workflow is queried through a replay on the worker).
    expect(await handle.query(contactStateQuery)).toMatchObject({
      contactId: contact.id,
      phones: [FIRST, SECOND],
      state: 'completed',
      attempts: 3,
      lastOutcome: 'completed',
    });

    // The run is found by its campaign and shows how it ended.
    const runs = await eventually(
      'the run in visibility',
      async () => {
        const ids: string[] = [];
        for await (const wf of stack.client.workflow.list({
          query: `CampaignId="${campaign.id}" AND RunStatus="completed"`,
        }))
          ids.push(wf.workflowId);
        return ids.length > 0 ? ids : null;
      },
      30_000,
    );
    expect(runs).toEqual([campaignRunWorkflowId(campaign.id, 1)]);
  });
});
