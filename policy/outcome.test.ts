import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  classifyCall,
  isAnsweredOutcome,
  isCarrierThrottle,
  OUTCOMES,
  sipFriendlyLabel,
  type CallFacts,
  type Outcome,
} from './outcome';

describe('classifyCall', () => {
  const cases: Array<[string, CallFacts, Outcome]> = [
    // Answered calls.
    ['answered, normal', { answered: true, hangupCause: 'NORMAL_CLEARING' }, 'completed'],
    [
      'answered, bridge NORMAL_CLEARING',
      { answered: true, bridgeHangupCause: 'NORMAL_CLEARING' },
      'completed',
    ],
    [
      'answered, bridge lower-case normal_clearing',
      { answered: true, bridgeHangupCause: 'normal_clearing' },
      'completed',
    ],
    ['answered, empty bridge cause counts as unset', { answered: true, bridgeHangupCause: '' }, 'completed'],
    ['answered, null bridge cause', { answered: true, bridgeHangupCause: null }, 'completed'],
    [
      'answered, no bot capacity',
      { answered: true, bridgeHangupCause: 'NORMAL_TEMPORARY_FAILURE' },
      'abandoned',
    ],
    ['answered, bridge USER_BUSY', { answered: true, bridgeHangupCause: 'USER_BUSY' }, 'abandoned'],
    ['answered, AMD machine', { answered: true, amdResult: 'MACHINE' }, 'machine'],
    ['answered, AMD machine lower-case', { answered: true, amdResult: 'machine' }, 'machine'],
    ['answered, AMD human', { answered: true, amdResult: 'HUMAN' }, 'completed'],
    ['answered, AMD not sure', { answered: true, amdResult: 'NOTSURE' }, 'completed'],
    [
      'machine wins over a failed bridge',
      { answered: true, amdResult: 'MACHINE', bridgeHangupCause: 'NORMAL_TEMPORARY_FAILURE' },
      'machine',
    ],
    [
      'answered ignores SIP codes',
      { answered: true, sipTermStatus: 486, sipInviteFailureStatus: 486 },
      'completed',
    ],
    ['answered ignores NO_ANSWER cause', { answered: true, hangupCause: 'NO_ANSWER' }, 'completed'],
    // Unanswered: SIP code first.
    [
      '408 → no_answer',
      { answered: false, sipTermStatus: 408, hangupCause: 'RECOVERY_ON_TIMER_EXPIRE' },
      'no_answer',
    ],
    [
      '480 → no_answer',
      { answered: false, sipTermStatus: 480, hangupCause: 'NO_USER_RESPONSE' },
      'no_answer',
    ],
    ['no code at all → no_answer', { answered: false }, 'no_answer'],
    [
      'no code, odd cause → no_answer (never the cause alone)',
      { answered: false, hangupCause: 'USER_BUSY' },
      'no_answer',
    ],
    [
      'no code, CALL_REJECTED cause → no_answer',
      { answered: false, hangupCause: 'CALL_REJECTED' },
      'no_answer',
    ],
    ['486 → rejected', { answered: false, sipTermStatus: 486, hangupCause: 'USER_BUSY' }, 'rejected'],
    ['603 → rejected', { answered: false, sipTermStatus: 603, hangupCause: 'CALL_REJECTED' }, 'rejected'],
    [
      '404 → rejected',
      { answered: false, sipTermStatus: 404, hangupCause: 'UNALLOCATED_NUMBER' },
      'rejected',
    ],
    ['429 → rejected', { answered: false, sipTermStatus: 429, hangupCause: 'BAD_IDENTITY_INFO' }, 'rejected'],
    ['503 → rejected', { answered: false, sipTermStatus: 503 }, 'rejected'],
    ['500 → rejected', { answered: false, sipTermStatus: 500 }, 'rejected'],
    ['302 → rejected', { answered: false, sipTermStatus: 302 }, 'rejected'],
    // Falling back to sip_invite_failure_status.
    ['invite failure 486 when no term status', { answered: false, sipInviteFailureStatus: 486 }, 'rejected'],
    ['invite failure 480 when no term status', { answered: false, sipInviteFailureStatus: 480 }, 'no_answer'],
    [
      'term status wins over invite failure (408 vs 486)',
      { answered: false, sipTermStatus: 408, sipInviteFailureStatus: 486 },
      'no_answer',
    ],
    [
      'term status wins over invite failure (486 vs 408)',
      { answered: false, sipTermStatus: 486, sipInviteFailureStatus: 408 },
      'rejected',
    ],
    [
      'null term status falls back',
      { answered: false, sipTermStatus: null, sipInviteFailureStatus: 603 },
      'rejected',
    ],
    [
      'non-failure term status (200) is no code → fallback',
      { answered: false, sipTermStatus: 200, sipInviteFailureStatus: 486 },
      'rejected',
    ],
    ['provisional term status (180) is no code', { answered: false, sipTermStatus: 180 }, 'no_answer'],
    ['zero is no code', { answered: false, sipTermStatus: 0 }, 'no_answer'],
    ['NaN is no code', { answered: false, sipTermStatus: Number.NaN }, 'no_answer'],
    ['700 is not a SIP code', { answered: false, sipTermStatus: 700 }, 'no_answer'],
    // Our own ring timeout.
    ['NO_ANSWER cause, no term status → rnr', { answered: false, hangupCause: 'NO_ANSWER' }, 'rnr'],
    [
      'local timeout: NO_ANSWER + invite failure 487 (send_cancel) → rnr, not rejected',
      { answered: false, hangupCause: 'NO_ANSWER', sipInviteFailureStatus: 487 },
      'rnr',
    ],
    [
      'NO_ANSWER + term 487 (reply to our CANCEL) → rnr',
      { answered: false, hangupCause: 'NO_ANSWER', sipTermStatus: 487 },
      'rnr',
    ],
    ['lower-case no_answer cause', { answered: false, hangupCause: 'no_answer' }, 'rnr'],
    ['dialerTimeout → rnr', { answered: false, dialerTimeout: true }, 'rnr'],
    [
      'dialerTimeout with 487 → rnr',
      { answered: false, dialerTimeout: true, sipInviteFailureStatus: 487 },
      'rnr',
    ],
    ['dialerTimeout beats a SIP code', { answered: false, dialerTimeout: true, sipTermStatus: 486 }, 'rnr'],
    [
      'NO_ANSWER cause with a real term status: SIP code decides (480)',
      { answered: false, hangupCause: 'NO_ANSWER', sipTermStatus: 480 },
      'no_answer',
    ],
    [
      'NO_ANSWER cause with a real term status: SIP code decides (486)',
      { answered: false, hangupCause: 'NO_ANSWER', sipTermStatus: 486 },
      'rejected',
    ],
    [
      '487 without our timeout → rejected',
      { answered: false, sipInviteFailureStatus: 487, hangupCause: 'ORIGINATOR_CANCEL' },
      'rejected',
    ],
    [
      'dialerTimeout false is not a timeout',
      { answered: false, dialerTimeout: false, sipTermStatus: 486 },
      'rejected',
    ],
    // Errors and stale.
    [
      'originate -ERR, no channel → error',
      { answered: false, originateFailed: true, hangupCause: 'GATEWAY_DOWN' },
      'error',
    ],
    [
      'originate -ERR beats a timeout flag',
      { answered: false, originateFailed: true, dialerTimeout: true },
      'error',
    ],
    [
      'originate -ERR beats a SIP code',
      { answered: false, originateFailed: true, sipTermStatus: 486 },
      'error',
    ],
    ['stale → timeout', { answered: false, stale: true }, 'timeout'],
    ['stale answered → timeout', { answered: true, stale: true }, 'timeout'],
    ['stale beats originateFailed', { answered: false, stale: true, originateFailed: true }, 'timeout'],
    ['stale false is ignored', { answered: false, stale: false, sipTermStatus: 486 }, 'rejected'],
  ];

  it.each(cases)('%s', (_name, facts, expected) => {
    expect(classifyCall(facts)).toBe(expected);
  });

  it('always returns a known outcome (property)', () => {
    const code = fc.option(fc.oneof(fc.integer({ min: 0, max: 800 }), fc.constant(Number.NaN)), {
      nil: null,
    });
    const str = fc.option(
      fc.constantFrom('NORMAL_CLEARING', 'NO_ANSWER', 'USER_BUSY', 'MACHINE', 'HUMAN', '', 'x'),
      { nil: null },
    );
    fc.assert(
      fc.property(
        fc.record(
          {
            answered: fc.boolean(),
            sipTermStatus: code,
            sipInviteFailureStatus: code,
            hangupCause: str,
            amdResult: str,
            bridgeHangupCause: str,
            originateFailed: fc.boolean(),
            dialerTimeout: fc.boolean(),
            stale: fc.boolean(),
          },
          { requiredKeys: ['answered'] },
        ),
        (facts) => {
          const outcome = classifyCall(facts);
          expect(OUTCOMES).toContain(outcome);
          // Answered calls never get an unanswered outcome and vice versa (stale aside).
          if (!facts.stale) expect(isAnsweredOutcome(outcome)).toBe(facts.answered);
        },
      ),
    );
  });

  it('unanswered calls with a SIP code are never classified on the hangup cause alone (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 300, max: 699 }).filter((c) => c !== 487),
        fc.constantFrom(
          'USER_BUSY',
          'CALL_REJECTED',
          'NORMAL_CLEARING',
          'NO_USER_RESPONSE',
          'UNALLOCATED_NUMBER',
          'NO_ANSWER',
        ),
        (code, cause) => {
          const expected = code === 408 || code === 480 ? 'no_answer' : 'rejected';
          expect(classifyCall({ answered: false, sipTermStatus: code, hangupCause: cause })).toBe(expected);
        },
      ),
    );
  });
});

describe('isAnsweredOutcome', () => {
  it.each([
    ['completed', true],
    ['abandoned', true],
    ['machine', true],
    ['no_answer', false],
    ['rejected', false],
    ['rnr', false],
    ['error', false],
    ['timeout', false],
  ] as Array<[Outcome, boolean]>)('%s → %s', (outcome, answered) => {
    expect(isAnsweredOutcome(outcome)).toBe(answered);
  });
});

describe('sipFriendlyLabel', () => {
  it.each([
    [408, 'No answer'],
    [486, 'Line busy'],
    [480, null],
    [603, null],
    [404, null],
    [429, null],
    [0, null],
    [null, null],
    [undefined, null],
  ] as Array<[number | null | undefined, string | null]>)('%s → %s', (code, label) => {
    expect(sipFriendlyLabel(code)).toBe(label);
  });
});

describe('isCarrierThrottle', () => {
  it.each([
    [429, true],
    [503, true],
    [500, false],
    [502, false],
    [486, false],
    [408, false],
    [null, false],
    [undefined, false],
  ] as Array<[number | null | undefined, boolean]>)('%s → %s', (code, throttle) => {
    expect(isCarrierThrottle(code)).toBe(throttle);
  });
});
