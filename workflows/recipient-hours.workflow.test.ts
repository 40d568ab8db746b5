import { describe, expect, it } from 'vitest';
import { Context } from '@temporalio/activity';
import { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import type { Activities } from '../activities';
import type { AttemptFacts } from '../policy/after-attempt';
import { resolveCampaignConfig } from '../policy/campaign-config';
import { localTimeIn } from '../policy/contact-timezone';
import { dialGate } from '../policy/dial-gate';
import { timeSkippingServerPerTest } from '../test/support/temporal';
import { admitSignal, contactWorkflowId, type Handoff } from './messages';

/**
 * Recipient hours on the time-skipping server: contacts in New York, Los Angeles and Kolkata, the campaign's
 * window open all day, hours 09:00–20:00 on each contact's own clock, on the days the United States change
 * their clocks. The scripted dial claims as the real claim does — it asks the dial gate with the contact's
 * zone and, when the hours are closed, gives the seat back with the time of the contact's own next opening —
 * and every time a contact marks itself ready, admission hands it its next attempt at once. So when each
 * contact dials is decided by the workflow's own timers alone: the hold's timer and the redial's.
 */

// One bundle for the file; a fresh test server per test, so no test's timers move another's clock.
const server = timeSkippingServerPerTest();

const { config } = resolveCampaignConfig({
  window: { start: '00:00', end: '23:59', timezone: 'UTC' },
  working_days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
  recipient_hours: { start: '09:00', end: '20:00' },
  max_attempts: 3,
  // Ten hours: each contact's retries cross its own evening closing and its own morning opening.
  retry_delay_minutes: 600,
  retry_on_system: ['no_answer'],
});

const ZONES = {
  ny: 'America/New_York',
  la: 'America/Los_Angeles',
  kolkata: 'Asia/Kolkata',
} as const;
type Who = keyof typeof ZONES;

interface Seen {
  dials: Record<Who, number[]>;
  holds: Record<Who, { at: number; until: string }[]>;
}

async function runAll(startAt: string): Promise<Seen> {
  // Move the test server's clock to the start instant.
  const skip = Date.parse(startAt) - (await server.env.currentTimeMs());
  if (skip < 0) throw new Error(`the test server's clock is already past ${startAt}`);
  await server.env.sleep(skip);

  const campaignId = randomUUID();
  const ids = Object.fromEntries((Object.keys(ZONES) as Who[]).map((w) => [w, randomUUID()])) as Record<
    Who,
    string
  >;
  const whoIs = (contactId: string): Who => (Object.keys(ids) as Who[]).find((w) => ids[w] === contactId)!;
  const seen: Seen = { dials: { ny: [], la: [], kolkata: [] }, holds: { ny: [], la: [], kolkata: [] } };
  const handoff = (contactId: string): Handoff => {
    const phone = '+10000000000';
    return {
      attemptId: randomUUID(),
      attemptNo: seen.dials[whoIs(contactId)].length + 1,
      contactId,
      phone,
      phoneIndex: 0,
      pass: seen.dials[whoIs(contactId)].length + 1,
      fromNumber: '+14155550000',
      numberId: randomUUID(),
      gateway: 'carrier1',
      dialNotBefore: new Date(0).toISOString(),
      startWorkflow: false,
    };
  };
  const factsOf = (who: Who): AttemptFacts => {
    const dials = seen.dials[who];
    return {
      config,
      botCallbackEnabled: false,
      campaignStatus: 'running',
      campaignRunNo: 1,
      completionReason: null,
      contact: {
        phones: ['+10000000000'],
        attempts: dials.length,
        pass: dials.length,
        phoneIndex: 0,
        excluded: false,
        optedOut: false,
        final: false,
        reachedPhoneIndex: null,
        redialsStopped: false,
        timezones: [ZONES[who]],
        passHistory: [],
      },
      last: {
        attemptId: 'x',
        outcome: 'no_answer',
        talkS: null,
        disposition: null,
        turns: null,
        callbackAt: null,
        endedAt: new Date(dials[dials.length - 1] ?? 0).toISOString(),
        hasResult: false,
      },
    };
  };

  const activities: Partial<Activities> = {
    dial: async ({ contactId }) => {
      const who = whoIs(contactId);
      const at = Context.current().info.scheduledTimestampMs;
      const verdict = dialGate({ campaign: config, contact: { timezones: [ZONES[who]] }, now: new Date(at) });
      if (!verdict.allowed && verdict.reason === 'outside_recipient_hours' && verdict.until) {
        seen.holds[who].push({ at, until: verdict.until.toISOString() });
        return {
          kind: 'cancelled',
          reason: 'recipient_hours',
          contactFinal: false,
          heldUntil: verdict.until.toISOString(),
        };
      }
      seen.dials[who].push(at);
      return { kind: 'ended', outcome: 'no_answer', answered: false, hasResult: false, sipCode: 480 };
    },
    loadAttemptFacts: async (contactId) => factsOf(whoIs(contactId)),
    recordContactStep: async () => undefined,
    markContactReady: async (contactId) => {
      // Admission hands the ready contact its next attempt at once. Sent before this task completes, so the
      // skipping clock cannot jump to the workflow's admission re-check (10 min) before the hand-off lands.
      const handle = server.env.client.workflow.getHandle(contactWorkflowId(campaignId, 1, contactId));
      await handle.signal(admitSignal, handoff(contactId)).catch(() => undefined);
      return true;
    },
    // The re-check while waiting for admission (never reached when the hand-off lands first).
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
    const handles = await Promise.all(
      (Object.keys(ZONES) as Who[]).map((who) =>
        server.env.client.workflow.start('contact', {
          taskQueue,
          workflowId: contactWorkflowId(campaignId, 1, ids[who]),
          args: [{ campaignId, runNo: 1, contactId: ids[who], handoff: handoff(ids[who]) }],
        }),
      ),
    );
    for (const h of handles) expect(await h.result()).toBe('failed');
  });
  return seen;
}

/** Each dial happened at `expected` (the skipping clock runs on with real time: a few seconds' slack). */
function expectDialsAt(actual: number[], expected: string[]): void {
  expect(actual).toHaveLength(expected.length);
  for (const [i, at] of expected.entries()) {
    const late = (actual[i] ?? 0) - Date.parse(at);
    expect([at, late >= 0 && late < 10_000]).toEqual([at, true]);
  }
}

function expectInsideOwnHours(seen: Seen): void {
  for (const who of Object.keys(ZONES) as Who[]) {
    for (const at of seen.dials[who]) {
      const local = localTimeIn(ZONES[who], new Date(at));
      expect([who, local >= '09:00' && local < '20:00']).toEqual([who, true]);
    }
  }
}

describe('recipient hours: each contact dials only inside its own 09:00–20:00', () => {
  it('on the day the US springs forward (2027-03-14): New York opens at 13:00Z, Los Angeles at 16:00Z', async () => {
    // 05:00Z: New York 00:00 EST, Los Angeles 21:00 PST (the 13th), Kolkata 10:30.
    const seen = await runAll('2027-03-14T05:00:00Z');
    expectInsideOwnHours(seen);
    // Held until 09:00 EDT, its own opening; then 19:00 EDT; the third attempt's 05:00 EDT moves to 09:00.
    expect(seen.holds.ny.map((h) => h.until)).toEqual(['2027-03-14T13:00:00.000Z']);
    expectDialsAt(seen.dials.ny, ['2027-03-14T13:00:00Z', '2027-03-14T23:00:00Z', '2027-03-15T13:00:00Z']);
    expect(seen.holds.la.map((h) => h.until)).toEqual(['2027-03-14T16:00:00.000Z']);
    expectDialsAt(seen.dials.la, ['2027-03-14T16:00:00Z', '2027-03-15T02:00:00Z', '2027-03-15T16:00:00Z']);
    // Open at once; its retry at 20:30 IST waits for 09:00 IST.
    expect(seen.holds.kolkata).toEqual([]);
    expectDialsAt(seen.dials.kolkata, [
      '2027-03-14T05:00:00Z',
      '2027-03-15T03:30:00Z',
      '2027-03-15T13:30:00Z',
    ]);
  });

  it('on the day the US falls back (2027-11-07): New York opens at 14:00Z, Los Angeles at 17:00Z', async () => {
    // 05:00Z: New York 01:00 EDT (before the change), Los Angeles 22:00 PDT (the 6th), Kolkata 10:30.
    const seen = await runAll('2027-11-07T05:00:00Z');
    expectInsideOwnHours(seen);
    expect(seen.holds.ny.map((h) => h.until)).toEqual(['2027-11-07T14:00:00.000Z']);
    expectDialsAt(seen.dials.ny, ['2027-11-07T14:00:00Z', '2027-11-08T00:00:00Z', '2027-11-08T14:00:00Z']);
    expect(seen.holds.la.map((h) => h.until)).toEqual(['2027-11-07T17:00:00.000Z']);
    expectDialsAt(seen.dials.la, ['2027-11-07T17:00:00Z', '2027-11-08T03:00:00Z', '2027-11-08T17:00:00Z']);
    expectDialsAt(seen.dials.kolkata, [
      '2027-11-07T05:00:00Z',
      '2027-11-08T03:30:00Z',
      '2027-11-08T13:30:00Z',
    ]);
  });
});
