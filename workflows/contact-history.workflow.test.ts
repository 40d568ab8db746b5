import { describe, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { defaultPayloadConverter } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import type { Activities } from '../activities';
import type { Handoff } from './messages';
import type { AttemptFacts } from '../policy/after-attempt';
import { resolveCampaignConfig } from '../policy/campaign-config';
import type { ContactView, DecisionRecord } from '../policy/explain';
import { timeSkippingServerPerTest } from '../test/support/temporal';
import { admitSignal, contactStateQuery, contactWorkflowId } from './messages';
import { AttemptsKey, ContactStateKey, LastOutcomeKey, NextDueAtKey, PhoneKey } from './search-attributes';

/**
 * What an engineer reads in a contact's history on escalation: the retry timer says why it waits (the
 * outcome, the pass), the decision is in the history with its inputs and reason, the `state` query answers
 * the contact's current view, and the search attributes say where it stands.
 */

// One bundle for the file; a fresh test server per test, so no test's timers move another's clock.
const server = timeSkippingServerPerTest();

const PHONES = ['+919800000001', '+919800000002'];

function handoff(contactId: string, attemptNo: number): Handoff {
  return {
    attemptId: randomUUID(),
    attemptNo,
    contactId,
    phone: PHONES[0] ?? '',
    phoneIndex: 0,
    phones: PHONES,
    pass: attemptNo,
    fromNumber: '+14155550000',
    numberId: randomUUID(),
    gateway: 'carrier1',
    dialNotBefore: new Date(0).toISOString(),
    startWorkflow: attemptNo === 1,
  };
}

function facts(attempts: number, endedAt: number): AttemptFacts {
  const { config } = resolveCampaignConfig({
    window: { start: '00:00', end: '23:59', timezone: 'Asia/Kolkata' },
    max_attempts: 3,
    retry_delay_minutes: 30,
    retry_on_system: ['no_answer'],
  });
  return {
    config,
    botCallbackEnabled: false,
    campaignStatus: 'running',
    campaignRunNo: 1,
    completionReason: null,
    contact: {
      phones: [PHONES[0] ?? ''],
      attempts,
      pass: attempts,
      phoneIndex: 0,
      excluded: false,
      optedOut: false,
      final: false,
      reachedPhoneIndex: null,
      redialsStopped: false,
      passHistory: [],
    },
    last: {
      attemptId: 'a',
      outcome: 'no_answer',
      talkS: null,
      disposition: null,
      turns: null,
      callbackAt: null,
      endedAt: new Date(endedAt).toISOString(),
      hasResult: false,
    },
  };
}

const summaryOf = (metadata: { summary?: { data?: Uint8Array | null } | null } | null | undefined): string =>
  metadata?.summary ? String(defaultPayloadConverter.fromPayload(metadata.summary)) : '';

describe('a contact history an engineer can read', () => {
  it('names the retry timer by outcome and pass, records the decision with its reason, answers state', async () => {
    const contactId = randomUUID();
    const campaignId = randomUUID();
    let ready = 0;
    const activities: Partial<Activities> = {
      dial: async (input) => ({
        kind: 'ended',
        outcome: 'no_answer',
        answered: false,
        hasResult: false,
        sipCode: 480,
        facts: facts(input.handoff.attemptNo, await server.env.currentTimeMs()),
      }),
      recordContactStep: async (_c, _r, _s, _sip, decision) => (decision ? { decision } : undefined),
      markContactReady: async () => {
        ready++;
        return true;
      },
      isContactFinal: async () => false,
    };
    const taskQueue = `test-${randomUUID()}`;
    const worker = await Worker.create({
      connection: server.env.nativeConnection,
      taskQueue,
      workflowBundle: server.bundle,
      activities,
    });
    await worker.runUntil(async () => {
      const handle = await server.env.client.workflow.start('contact', {
        taskQueue,
        workflowId: contactWorkflowId(campaignId, 1, contactId),
        args: [{ campaignId, runNo: 1, contactId, handoff: handoff(contactId, 1) }],
        typedSearchAttributes: [{ key: PhoneKey, value: PHONES }],
      });
      // Until it is due, the contact sleeps on its retry timer: the query says so.
      let view: ContactView | undefined;
      for (let i = 0; i < 100 && view?.phase !== 'retry_scheduled'; i++) {
        await new Promise((r) => setTimeout(r, 50));
        view = await handle.query(contactStateQuery);
      }
      expect(view).toMatchObject({
        contactId,
        phones: PHONES,
        phase: 'retry_scheduled',
        state: 'retry_scheduled',
        attempts: 1,
        lastOutcome: 'no_answer',
      });
      expect(view?.waitingFor).toContain('retry delay after no_answer, pass 1 → 2');
      expect(view?.nextDueAt).not.toBeNull();
      const desc = await handle.describe();
      expect(desc.typedSearchAttributes.get(ContactStateKey)).toBe('retry_scheduled');
      expect(desc.typedSearchAttributes.get(AttemptsKey)).toBe(1);
      expect(desc.typedSearchAttributes.get(LastOutcomeKey)).toBe('no_answer');
      expect(desc.typedSearchAttributes.get(NextDueAtKey)?.toISOString()).toBe(view?.nextDueAt);
      expect(desc.typedSearchAttributes.get(PhoneKey)).toEqual(PHONES);

      while (ready < 1) await server.env.sleep('1 minute');
      await handle.signal(admitSignal, handoff(contactId, 2));
      while (ready < 2) await server.env.sleep('1 minute');
      await handle.signal(admitSignal, handoff(contactId, 3));
      expect(await handle.result()).toBe('failed');
      const final = await handle.query(contactStateQuery);
      expect(final).toMatchObject({ phase: 'final', state: 'failed', attempts: 3, nextDueAt: null });
      expect((await handle.describe()).typedSearchAttributes.get(ContactStateKey)).toBe('failed');

      const events = (await handle.fetchHistory()).events ?? [];
      const timers = events
        .filter((e) => e.timerStartedEventAttributes)
        .map((e) => summaryOf(e.userMetadata));
      expect(timers).toContainEqual(expect.stringContaining('retry delay after no_answer, pass 1 → 2'));
      expect(timers).toContainEqual(expect.stringContaining('retry delay after no_answer, pass 2 → 3'));
      // The due time is told where the campaign's calendar is kept.
      expect(timers.find((t) => t.includes('pass 1 → 2'))).toMatch(
        /due \w{3} \d+ \w{3} \d\d:\d\d Asia\/Kolkata/,
      );
      expect(timers.filter((t) => t === '')).toEqual([]);

      // The decision and its reason: the step-recording local activity's marker carries them.
      const decisions = events
        .filter((e) => e.markerRecordedEventAttributes?.details?.result?.payloads?.[0])
        .map((e) =>
          defaultPayloadConverter.fromPayload<{ decision?: DecisionRecord }>(
            e.markerRecordedEventAttributes!.details!.result!.payloads![0]!,
          ),
        )
        .flatMap((r) => (r && typeof r === 'object' && 'decision' in r && r.decision ? [r.decision] : []));
      expect(decisions.map((d) => d.decision)).toEqual(['redial', 'redial', 'final: failed']);
      expect(decisions.map((d) => d.reason)).toEqual([
        'retry_system_outcome',
        'retry_system_outcome',
        'max_attempts',
      ]);
      expect(decisions[2]?.because).toBe('no_answer would be retried but 3 of 3 attempts used');
      for (const d of decisions) {
        expect(d.attempt).toMatchObject({ outcome: 'no_answer', sipCode: 480 });
        expect(d.inputs.maxAttempts).toBe(3);
      }
      // Every activity names its purpose too.
      const activitySummaries = events
        .filter((e) => e.activityTaskScheduledEventAttributes || e.markerRecordedEventAttributes)
        .map((e) => summaryOf(e.userMetadata));
      expect(activitySummaries.filter((s) => s.startsWith('dial attempt'))).toHaveLength(3);
      expect(activitySummaries).toContainEqual(
        expect.stringMatching(/^decision after attempt 1 \(no_answer\): redial — /),
      );
      // One search-attribute upsert per decision, and the SDK's one for the patch marker (once per contact).
      const upserts = events.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes);
      expect(upserts).toHaveLength(4);
    });
  });
});
