import { describe, expect, it } from 'vitest';
import {
  admissionRecheckSummary,
  contactDetails,
  decisionRecord,
  decisionSummary,
  duration,
  localTime,
  nextAttemptSummary,
  reasonText,
  resultOutageCheckSummary,
  resultOutageWaitSummary,
  resultWaitSummary,
  runDetails,
  windowWaitSummary,
  type DecisionInput,
  type NextAttemptWait,
} from './explain';

const wait = (over: Partial<NextAttemptWait> = {}): NextAttemptWait => ({
  outcome: 'no_answer',
  passFrom: 1,
  passTo: 2,
  phoneFrom: 0,
  phoneTo: 0,
  phones: 1,
  isCallback: false,
  dueAt: '2026-12-07T14:00:00Z',
  movedBy: null,
  timezone: 'America/New_York',
  ...over,
});

describe('localTime', () => {
  it('tells the weekday, date and time in the campaign timezone, across DST', () => {
    expect(localTime('2026-12-07T14:00:00Z', 'America/New_York')).toBe('Mon 7 Dec 09:00 America/New_York');
    expect(localTime('2026-07-06T13:00:00Z', 'America/New_York')).toBe('Mon 6 Jul 09:00 America/New_York');
    expect(localTime(new Date('2026-12-07T09:00:00Z'), 'Asia/Kolkata')).toBe('Mon 7 Dec 14:30 Asia/Kolkata');
  });
  it('gives an invalid date back as it came', () => {
    expect(localTime('not a date', 'UTC')).toBe('not a date');
  });
});

describe('duration', () => {
  it.each([
    [0, '0 s'],
    [45_000, '45 s'],
    [120_000, '2 min'],
    [30 * 60_000, '30 min'],
    [90 * 60_000, '1 h 30 min'],
    [3 * 3600_000, '3 h'],
    [5 * 86_400_000, '5 days'],
    [-5, '0 s'],
  ])('%d ms → %s', (ms, text) => expect(duration(ms)).toBe(text));
});

describe('nextAttemptSummary', () => {
  it('a retry delay names the outcome, the pass change and when it is due', () => {
    expect(nextAttemptSummary(wait())).toBe(
      'retry delay after no_answer, pass 1 → 2, due Mon 7 Dec 09:00 America/New_York',
    );
  });
  it('a callback names the time it was asked for', () => {
    expect(
      nextAttemptSummary(
        wait({ isCallback: true, passTo: 1, timezone: 'Asia/Kolkata', dueAt: '2026-12-07T09:00:00Z' }),
      ),
    ).toBe('callback requested for Mon 7 Dec 14:30 Asia/Kolkata');
  });
  it('the next number in the same pass says which of how many', () => {
    expect(nextAttemptSummary(wait({ outcome: 'busy', passTo: 1, phoneTo: 1, phones: 3 }))).toBe(
      'next number (2 of 3) after busy on number 1, pass 1, due Mon 7 Dec 09:00 America/New_York',
    );
  });
  it('a redial in the same pass on the same number', () => {
    expect(nextAttemptSummary(wait({ passTo: 1 }))).toMatch(/^redial after no_answer, pass 1, due /);
  });
  it('a due time moved by the calling window says the window is closed until its opening', () => {
    expect(nextAttemptSummary(wait({ movedBy: 'window' }))).toBe(
      'retry delay after no_answer, pass 1 → 2; window closed until Mon 7 Dec 09:00 America/New_York',
    );
  });
  it("a due time moved by the contact's own hours says so, with its own clock when it differs", () => {
    expect(
      nextAttemptSummary(wait({ movedBy: 'recipient_hours', contactTimezones: ['America/Los_Angeles'] })),
    ).toBe(
      "retry delay after no_answer, pass 1 → 2; outside the contact's own hours until Mon 7 Dec 09:00 America/New_York (Mon 7 Dec 06:00 America/Los_Angeles)",
    );
    expect(
      nextAttemptSummary(wait({ movedBy: 'recipient_hours', contactTimezones: ['America/New_York'] })),
    ).toBe(
      "retry delay after no_answer, pass 1 → 2; outside the contact's own hours until Mon 7 Dec 09:00 America/New_York",
    );
  });
  it('no outcome is said as such', () => {
    expect(nextAttemptSummary(wait({ outcome: null }))).toContain('after an attempt with no outcome');
  });
});

describe('the other waits', () => {
  it('name what they wait for and for how long', () => {
    expect(resultWaitSummary(2, 'att-1', 120_000)).toBe(
      'waiting for the post-call result of attempt 2 (att-1), up to 2 min',
    );
    expect(admissionRecheckSummary(600_000, 1)).toContain('admission re-check');
    expect(admissionRecheckSummary(600_000, 1)).toContain('every 10 min');
    expect(windowWaitSummary(new Date('2026-12-07T14:00:00Z'), 'America/New_York')).toBe(
      'window closed until Mon 7 Dec 09:00 America/New_York',
    );
    expect(windowWaitSummary(null, 'UTC')).toContain('no opening ahead');
  });
});

const input = (over: Partial<DecisionInput['plan']> = {}, outcome = 'no_answer'): DecisionInput => ({
  facts: {
    config: { max_attempts: 3, retry_on_system: ['no_answer', 'rnr'] },
    campaignStatus: 'running',
    contact: { phones: ['+1', '+2'], attempts: 1, pass: 1, phoneIndex: 0, excluded: false, optedOut: false },
    last: { attemptId: 'a1', outcome, disposition: null, callbackAt: null, talkS: null },
  },
  plan: {
    step: { kind: 'redial', dueAt: '2026-12-07T14:00:00Z', isCallback: false },
    reason: 'retry_system_outcome',
    movedBy: null,
    ...over,
  },
  handoff: { attemptId: 'a1', attemptNo: 1, phone: '+1' },
  sipCode: 480,
});

describe('decisionRecord', () => {
  it('carries the attempt, the inputs, the decision and its reason in words', () => {
    const d = decisionRecord(input());
    expect(d).toEqual({
      attempt: {
        id: 'a1',
        no: 1,
        phone: '+1',
        outcome: 'no_answer',
        sipCode: 480,
        disposition: null,
        callbackAt: null,
        talkS: null,
      },
      inputs: {
        attempts: 1,
        maxAttempts: 3,
        pass: 1,
        phoneIndex: 0,
        phones: 2,
        retryOnSystem: ['no_answer', 'rnr'],
        campaignStatus: 'running',
        excluded: false,
        optedOut: false,
      },
      decision: 'redial',
      dueAt: '2026-12-07T14:00:00Z',
      reason: 'retry_system_outcome',
      because: 'no_answer is retried (retry_on_system: no_answer, rnr); 1 of 3 attempts used',
    });
    expect(decisionSummary(d)).toBe(
      'decision after attempt 1 (no_answer): redial — retry_system_outcome: no_answer is retried (retry_on_system: no_answer, rnr); 1 of 3 attempts used',
    );
  });
  it('names a final state, a callback and a redial moved to the window opening', () => {
    expect(
      decisionRecord(input({ step: { kind: 'final', state: 'failed' }, reason: 'max_attempts' })).decision,
    ).toBe('final: failed');
    expect(decisionRecord(input({ step: { kind: 'redial', dueAt: 'x', isCallback: true } })).decision).toBe(
      'callback',
    );
    expect(decisionRecord(input({ movedBy: 'window' })).decision).toBe('redial at the window opening');
    expect(decisionRecord(input({ movedBy: 'recipient_hours' })).decision).toBe(
      "redial at the contact's own hours opening",
    );
    expect(decisionRecord(input({ step: { kind: 'final', state: 'failed' } })).dueAt).toBeNull();
  });
});

describe('reasonText', () => {
  const r = decisionRecord(input());
  it.each([
    ['max_attempts', 'no_answer would be retried but 1 of 3 attempts used'],
    ['no_retry_rule', 'no retry rule covers no_answer'],
    ['next_phone', 'no_answer on number 1 of 2: the next number in this pass'],
    ['callback', 'the bot asked for a callback at —'],
    ['stop_after_connect', 'a connected call stopped further redials (only callbacks may follow)'],
    ['excluded', 'the contact was excluded'],
    ['opt_out', 'the number is on the do-not-call list or the caller asked to opt out'],
    ['retry_short_connect', 'a short completed call (0 s) counts as not reached; 1 of 3 attempts used'],
    ['retry_custom_disposition', "disposition — is retried by the campaign's rules; 1 of 3 attempts used"],
    ['something_new', 'something_new'],
  ])('%s', (code, text) => expect(reasonText(code, r)).toBe(text));
});

describe('details', () => {
  it('the contact details say its state, what it waits for, its attempts and phones', () => {
    const text = contactDetails({
      campaignId: 'c',
      runNo: 1,
      contactId: 'k',
      phones: ['+1', '+2'],
      phase: 'retry_scheduled',
      state: 'retry_scheduled',
      attempts: 1,
      lastOutcome: 'busy',
      lastReason: 'retry_system_outcome',
      nextDueAt: '2026-12-07T14:00:00.000Z',
      waitingFor: 'retry delay after busy, pass 1 → 2',
    });
    expect(text.split('\n')).toEqual([
      '**retry_scheduled** — retry delay after busy, pass 1 → 2',
      'attempts: 1; last outcome: busy; next due: 2026-12-07T14:00:00.000Z',
      'last decision: retry_system_outcome',
      'phones: +1, +2',
    ]);
  });
  it('the run details say its status, why, and what it waits for', () => {
    expect(
      runDetails({
        campaignId: 'c',
        runNo: 1,
        status: 'paused',
        reason: 'paused by ops',
        waitingFor: null,
        childrenStarted: 4,
      }),
    ).toBe('**paused** — paused by ops\nadmitting; contacts started in this run: 4');
  });
});

describe('result wait through an API outage', () => {
  it('says what it asks and how much longer it waits', () => {
    expect(resultOutageCheckSummary(2, 600_000)).toBe(
      'no post-call result for attempt 2 in 10 min: was part of it an API outage?',
    );
    expect(resultOutageWaitSummary(2, 90_000)).toBe(
      'post-call result of attempt 2: 2 min more, for the time results could not be delivered',
    );
  });
});
