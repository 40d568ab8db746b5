import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { planAfterAttempt, type AttemptFacts } from './after-attempt';
import { resolveCampaignConfig, type CampaignConfigInput } from './campaign-config';
import { isDialAllowed, nextOpening } from './calendar';
import { FINAL_STATES } from './contact-state';
import { decideNext } from './next-step';
import { isOptOutDisposition } from './opt-out';
import { OUTCOMES, type Outcome } from './outcome';

// Wednesday 2026-12-09, 10:00 in Kolkata (04:30Z); the window is 09:00–18:00 IST on weekdays.
const NOW = new Date('2026-12-09T04:30:00Z');
const WINDOW = { start: '09:00', end: '18:00', timezone: 'Asia/Kolkata' };
const THU_0900 = new Date('2026-12-10T03:30:00Z');
const MIN = 60_000;

function configOf(input: CampaignConfigInput = {}) {
  const { config, problems } = resolveCampaignConfig({
    window: WINDOW,
    working_days: ['mon', 'tue', 'wed', 'thu', 'fri'],
    max_attempts: 3,
    retry_delay_minutes: 30,
    retry_on_system: ['no_answer', 'rejected', 'rnr', 'error', 'timeout'],
    ...input,
  });
  if (problems.length) throw new Error(JSON.stringify(problems));
  return config;
}

type Last = NonNullable<AttemptFacts['last']>;

function factsOf(
  over: {
    config?: CampaignConfigInput;
    campaignStatus?: string;
    completionReason?: string | null;
    contact?: Partial<AttemptFacts['contact']>;
    last?: Partial<Last> | null;
    botCallbackEnabled?: boolean;
  } = {},
): AttemptFacts {
  return {
    config: configOf(over.config),
    botCallbackEnabled: over.botCallbackEnabled ?? true,
    campaignStatus: over.campaignStatus ?? 'running',
    campaignRunNo: 1,
    completionReason: over.completionReason ?? null,
    contact: {
      phones: ['+919800000001'],
      attempts: 1,
      pass: 1,
      phoneIndex: 0,
      excluded: false,
      optedOut: false,
      final: false,
      reachedPhoneIndex: null,
      redialsStopped: false,
      passHistory: [],
      ...over.contact,
    },
    last:
      over.last === null
        ? null
        : {
            attemptId: 'a1',
            outcome: 'no_answer',
            talkS: null,
            disposition: null,
            turns: null,
            callbackAt: null,
            endedAt: NOW.toISOString(),
            hasResult: false,
            ...over.last,
          },
  };
}

describe('planAfterAttempt', () => {
  it('fails a contact whose attempt has no recorded end', () => {
    expect(planAfterAttempt(factsOf({ last: null }), NOW)).toEqual({
      step: { kind: 'final', state: 'failed', outcome: null, disposition: null, exhaustedRetries: false },
      optOut: false,
      reason: 'attempt has no recorded end',
      movedBy: null,
    });
  });

  it('ends a completed conversation as completed, echoing its outcome and disposition', () => {
    const plan = planAfterAttempt(
      factsOf({ last: { outcome: 'completed', talkS: 5, turns: 6, disposition: 'INTERESTED' } }),
      NOW,
    );
    expect(plan.step).toEqual({
      kind: 'final',
      state: 'completed',
      outcome: 'completed',
      disposition: 'INTERESTED',
      exhaustedRetries: false,
    });
    expect(plan.optOut).toBe(false);
  });

  it('schedules a retry after the retry delay when it falls inside the window', () => {
    const plan = planAfterAttempt(factsOf(), NOW);
    expect(plan.step).toMatchObject({
      kind: 'redial',
      dueAt: new Date(NOW.getTime() + 30 * MIN).toISOString(),
      pass: 2,
      phoneIndex: 0,
      isCallback: false,
      outcome: 'no_answer',
    });
    expect(plan.reason).toBe('retry_system_outcome');
    expect(plan.movedBy).toBeNull();
  });

  it('moves a retry due after hours to the next opening, and says the window moved it', () => {
    const lateNow = new Date('2026-12-09T12:10:00Z'); // 17:40 IST: +30 min is after 18:00
    const plan = planAfterAttempt(factsOf({ last: { endedAt: lateNow.toISOString() } }), lateNow);
    expect(plan.step).toMatchObject({ kind: 'redial', dueAt: THU_0900.toISOString(), pass: 2 });
    expect(plan.movedBy).toBe('window');
  });

  it('moves a retry due on Saturday to Monday 09:00', () => {
    const friLate = new Date('2026-12-11T12:10:00Z'); // Friday 17:40 IST
    const plan = planAfterAttempt(factsOf({ last: { endedAt: friLate.toISOString() } }), friLate);
    expect(plan.step).toMatchObject({ kind: 'redial', dueAt: '2026-12-14T03:30:00.000Z' });
  });

  it('dials the next phone of the pass at once (breadth first)', () => {
    const plan = planAfterAttempt(factsOf({ contact: { phones: ['+919800000001', '+919800000002'] } }), NOW);
    expect(plan.step).toMatchObject({ kind: 'redial', dueAt: NOW.toISOString(), pass: 1, phoneIndex: 1 });
    expect(plan.reason).toBe('next_phone');
  });

  it('schedules a callback at the time the bot asked for, as a callback with top priority', () => {
    const at = new Date(NOW.getTime() + 2 * 60 * MIN);
    const plan = planAfterAttempt(
      factsOf({
        config: { callback_detection: true },
        last: { outcome: 'completed', talkS: 20, turns: 4, callbackAt: at.toISOString() },
      }),
      NOW,
    );
    expect(plan.step).toMatchObject({
      kind: 'redial',
      dueAt: at.toISOString(),
      isCallback: true,
      priority: 0,
    });
    expect(plan.reason).toBe('callback');
  });

  it('ends with exhausted retries when the last pass failed', () => {
    const plan = planAfterAttempt(factsOf({ contact: { pass: 3, attempts: 3 } }), NOW);
    expect(plan.step).toEqual({
      kind: 'final',
      state: 'failed',
      outcome: 'no_answer',
      disposition: null,
      exhaustedRetries: true,
    });
    expect(plan.reason).toBe('max_attempts');
  });

  it('marks an opt-out in any spelling, and ends the contact', () => {
    for (const disposition of ['OPT_OUT', 'opt-out', ' Opt Out ']) {
      const plan = planAfterAttempt(
        factsOf({ last: { outcome: 'completed', talkS: 40, turns: 5, disposition } }),
        NOW,
      );
      expect(plan.optOut).toBe(true);
      expect(plan.step).toMatchObject({ kind: 'final', state: 'completed', disposition });
    }
  });

  it('never redials an excluded or opted-out contact', () => {
    expect(planAfterAttempt(factsOf({ contact: { excluded: true } }), NOW).step).toMatchObject({
      kind: 'final',
      state: 'excluded',
    });
    expect(planAfterAttempt(factsOf({ contact: { optedOut: true } }), NOW).step).toMatchObject({
      kind: 'final',
      state: 'excluded',
    });
  });

  it('dials no more in a run that ended while the call was in flight', () => {
    const stopped = planAfterAttempt(
      factsOf({ campaignStatus: 'completed', completionReason: 'manually_stopped' }),
      NOW,
    );
    expect(stopped.step).toMatchObject({ kind: 'final', state: 'manually_stopped', exhaustedRetries: false });
    expect(stopped.reason).toBe('the run was stopped');
    const closed = planAfterAttempt(
      factsOf({ campaignStatus: 'completed', completionReason: 'window_ended' }),
      NOW,
    );
    expect(closed.step).toMatchObject({ kind: 'final', state: 'window_closed' });
    expect(closed.reason).toBe('the calling window ended');
    const failed = planAfterAttempt(factsOf({ campaignStatus: 'failed' }), NOW);
    expect(failed.step).toMatchObject({ kind: 'final', state: 'manually_stopped' });
  });

  it('still schedules the redial of a paused run (the pause holds admission, not the timer)', () => {
    expect(planAfterAttempt(factsOf({ campaignStatus: 'paused' }), NOW).step.kind).toBe('redial');
  });

  it('keeps what the contact already knows when the rules leave it unsaid', () => {
    const plan = planAfterAttempt(
      factsOf({
        contact: {
          phones: ['+919800000001', '+919800000002'],
          reachedPhoneIndex: null,
          redialsStopped: false,
        },
      }),
      NOW,
    );
    expect(plan.step).toMatchObject({ kind: 'redial', reachedPhoneIndex: null, redialsStopped: false });
  });

  it('fails loudly (a workflow task retried until the config is fixed) when no window ever opens', () => {
    const facts = factsOf();
    facts.config = { ...facts.config, working_days: [] };
    expect(() => planAfterAttempt(facts, NOW)).toThrow(RangeError);
  });
});

describe('planAfterAttempt: properties', () => {
  const arbOutcome = fc.constantFrom<Outcome>(...OUTCOMES);
  const arbDisposition = fc.option(
    fc.constantFrom(
      'OPT_OUT',
      'opt out',
      'INTERESTED',
      'CALLBACK',
      'VOICEMAIL',
      'NO_ANSWER',
      'WRONG_NUMBER',
      '',
    ),
  );
  const arbStatus = fc.constantFrom(
    'running',
    'running',
    'running',
    'running',
    'paused',
    'completed',
    'failed',
    'draft',
  );
  const rarely = fc.integer({ min: 0, max: 9 }).map((n) => n === 0);
  const arbFacts = fc
    .record({
      outcome: arbOutcome,
      disposition: arbDisposition,
      talkS: fc.option(fc.integer({ min: 0, max: 600 })),
      turns: fc.option(fc.integer({ min: 0, max: 20 })),
      callbackInMin: fc.option(fc.integer({ min: -120, max: 4 * 24 * 60 })),
      phones: fc.integer({ min: 1, max: 3 }),
      phoneIndex: fc.integer({ min: 0, max: 2 }),
      pass: fc.integer({ min: 1, max: 4 }),
      excluded: rarely,
      optedOut: rarely,
      redialsStopped: rarely,
      status: arbStatus,
      completionReason: fc.option(fc.constantFrom('window_ended', 'manually_stopped', 'all_final')),
      callbackDetection: fc.boolean(),
      botCallback: fc.boolean(),
      nowOffsetMin: fc.integer({ min: 0, max: 7 * 24 * 60 }),
      maxAttempts: fc.integer({ min: 1, max: 4 }),
      retryDelay: fc.integer({ min: 0, max: 3 * 24 * 60 }),
    })
    .map((r) => {
      const now = new Date(NOW.getTime() + r.nowOffsetMin * MIN);
      const facts = factsOf({
        config: {
          callback_detection: r.callbackDetection,
          max_attempts: r.maxAttempts,
          retry_delay_minutes: r.retryDelay,
        },
        campaignStatus: r.status,
        completionReason: r.completionReason,
        botCallbackEnabled: r.botCallback,
        contact: {
          phones: Array.from({ length: r.phones }, (_, i) => `+91980000000${i + 1}`),
          phoneIndex: Math.min(r.phoneIndex, r.phones - 1),
          pass: Math.min(r.pass, r.maxAttempts),
          attempts: r.pass,
          excluded: r.excluded,
          optedOut: r.optedOut,
          redialsStopped: r.redialsStopped,
        },
        last: {
          outcome: r.outcome,
          disposition: r.disposition,
          talkS: r.talkS,
          turns: r.turns,
          callbackAt:
            r.callbackInMin === null ? null : new Date(now.getTime() + r.callbackInMin * MIN).toISOString(),
          endedAt: now.toISOString(),
        },
      });
      return { facts, now };
    });

  it('redials only at an instant the window allows, never before it is due or before now', () => {
    let redials = 0;
    let moved = 0;
    fc.assert(
      fc.property(arbFacts, ({ facts, now }) => {
        const plan = planAfterAttempt(facts, now);
        if (plan.step.kind !== 'redial') return;
        redials++;
        if (plan.movedBy !== null) moved++;
        const due = new Date(plan.step.dueAt);
        expect(isDialAllowed(facts.config.window, facts.config.working_days, due)).toBe(true);
        expect(due.getTime()).toBeGreaterThanOrEqual(now.getTime());
        const rules = decideNext({
          config: facts.config,
          botCallbackEnabled: facts.botCallbackEnabled,
          contact: { ...facts.contact },
          last: {
            ...(facts.last as Last),
            callbackAt: facts.last?.callbackAt ? new Date(facts.last.callbackAt) : null,
            endedAt: new Date((facts.last as Last).endedAt),
          },
          now,
        });
        if (rules.kind !== 'redial') throw new Error('a redial the rules did not ask for');
        // Exactly the first opening at or after the rules' due time.
        const expected = nextOpening(
          facts.config.window,
          facts.config.working_days,
          new Date(Math.max(rules.dueAt.getTime(), now.getTime())),
        );
        expect(due).toEqual(expected);
        expect(plan.movedBy !== null).toBe(
          expected.getTime() > Math.max(rules.dueAt.getTime(), now.getTime()),
        );
        expect(['running', 'paused']).toContain(facts.campaignStatus);
      }),
      { numRuns: 500 },
    );
    // The generator reaches both kinds of redial: due inside the window, and moved to its next opening.
    expect(redials).toBeGreaterThan(50);
    expect(moved).toBeGreaterThan(10);
  });

  it('ends in a final state, echoes the attempt, and flags opt-outs with the one predicate', () => {
    fc.assert(
      fc.property(arbFacts, ({ facts, now }) => {
        const plan = planAfterAttempt(facts, now);
        expect(plan.step.outcome).toBe(facts.last?.outcome ?? null);
        expect(plan.step.disposition).toBe(facts.last?.disposition ?? null);
        expect(plan.optOut).toBe(isOptOutDisposition(facts.last?.disposition));
        if (plan.step.kind === 'final') {
          expect(FINAL_STATES).toContain(plan.step.state);
          expect(plan.movedBy).toBeNull();
        }
        if (facts.contact.excluded || facts.contact.optedOut) {
          expect(plan.step).toMatchObject({ kind: 'final', state: 'excluded' });
        }
        // Deterministic: the workflow replays it.
        expect(planAfterAttempt(facts, now)).toEqual(plan);
      }),
      { numRuns: 500 },
    );
  });

  it('in a run that ended, never redials: window_closed after a window end, manually_stopped otherwise', () => {
    fc.assert(
      fc.property(arbFacts, ({ facts, now }) => {
        fc.pre(!['running', 'paused'].includes(facts.campaignStatus));
        const plan = planAfterAttempt(facts, now);
        expect(plan.step.kind).toBe('final');
      }),
      { numRuns: 300 },
    );
  });
});

describe('planAfterAttempt: the contact’s own recipient hours', () => {
  // Window open all day; hours 09:00–20:00 on the contact's clock. NOW is 04:30Z: New York 23:30 (Tue).
  const hours = {
    window: { start: '00:00', end: '23:59', timezone: 'UTC' },
    working_days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const,
    recipient_hours: { start: '09:00', end: '20:00' },
  };
  const last = { outcome: 'no_answer' as const, endedAt: NOW.toISOString() };

  it('moves the redial to the contact’s own next opening, not the campaign’s', () => {
    const plan = planAfterAttempt(
      factsOf({
        config: { ...hours, working_days: [...hours.working_days] },
        contact: { timezones: ['America/New_York'] },
        last,
      }),
      NOW,
    );
    // Due 05:00Z (30 minutes' retry delay) → 09:00 in New York is 14:00Z.
    expect(plan.step).toMatchObject({ kind: 'redial', dueAt: '2026-12-09T14:00:00.000Z' });
    expect(plan.movedBy).toBe('recipient_hours');
  });

  it('waits for every zone of the number; facts recorded without zones keep the campaign’s calendar', () => {
    const both = planAfterAttempt(
      factsOf({
        config: { ...hours, working_days: [...hours.working_days] },
        contact: { timezones: ['America/Boise', 'America/Los_Angeles'] },
        last,
      }),
      NOW,
    );
    // Boise opens at 16:00Z, Los Angeles at 17:00Z: both hold from 17:00Z.
    expect(both.step).toMatchObject({ kind: 'redial', dueAt: '2026-12-09T17:00:00.000Z' });
    const old = planAfterAttempt(
      factsOf({ config: { ...hours, working_days: [...hours.working_days] }, last }),
      NOW,
    );
    expect(old.step).toMatchObject({ kind: 'redial', dueAt: '2026-12-09T05:00:00.000Z' });
  });

  it('looks again a day later when the zones never share an open hour (never dials outside them)', () => {
    const plan = planAfterAttempt(
      factsOf({
        config: {
          ...hours,
          working_days: [...hours.working_days],
          recipient_hours: { start: '09:00', end: '12:00' },
        },
        contact: { timezones: ['Asia/Tokyo', 'Europe/London'] },
        last,
      }),
      NOW,
    );
    expect(plan.step).toMatchObject({ kind: 'redial', dueAt: '2026-12-10T04:30:00.000Z' });
  });
});
