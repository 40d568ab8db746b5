/**
 * What happens to one dial, decided at originate time: which token applies (the number's list or a seeded
 * `default` draw) and the resulting call plan (ring time, answer, talk time, how it ends, with which cause
 * and SIP variables). Pure: the caller passes the per-number counters and the random source.
 */
import { sipCodeToHangupCause } from './sip-causes';
import { numberKey, type CompiledScenario, type Token, type TokenKind } from './scenario';
import { drawBetween, drawWeighted, type Random } from './weighted-draw';

/** A token with every time and disposition resolved, in scenario seconds (before time_scale). */
export interface DialBehaviour {
  kind: TokenKind;
  /** The token as written (`answer:40:INTERESTED`), or the `default` key it was drawn from. */
  text: string;
  fromDefault: boolean;
  ringS: number;
  talkS: number;
  sipCode?: number;
  disposition: string;
  callbackInMin?: number;
}

/** The ring before an answer when a token does not say (docs/simulator.md: "rings briefly"). */
export const BRIEF_RING_S = 1;
export const DEFAULT_TALK_S = 20;
export const DEFAULT_NO_ANSWER_RING_S = 30;
export const DEFAULT_MACHINE_TALK_S = 10;
/** How long the bot platform takes to refuse a call it has no worker for. */
export const FLEET_BUSY_HOLD_S = 1;
/** A `drop` call loses its ESL connection this long after answer, well before it hangs up. */
export const DROP_AFTER_ANSWER_S = 1;

/** Per-number position in its token list; lives as long as the scenario does. */
export type NumberCounters = Map<string, number>;

function resolveToken(
  token: Token,
  text: string,
  fromDefault: boolean,
  drawn: { ringS: number; talkS: number; disposition: string },
): DialBehaviour {
  // A `default` draw takes its times from the ring_s / talk_s ranges unless the key itself names them.
  const ringOr = (explicit: number | undefined, fallback: number) =>
    explicit ?? (fromDefault ? drawn.ringS : fallback);
  const base = { text, fromDefault, disposition: 'COMPLETED', talkS: 0 };
  switch (token.kind) {
    case 'answer':
      return {
        ...base,
        kind: 'answer',
        ringS: fromDefault ? drawn.ringS : BRIEF_RING_S,
        talkS: token.talkS ?? (fromDefault ? drawn.talkS : DEFAULT_TALK_S),
        disposition: token.disposition ?? (fromDefault ? drawn.disposition : 'COMPLETED'),
        ...(token.callbackInMin === undefined ? {} : { callbackInMin: token.callbackInMin }),
      };
    case 'no_answer':
      return { ...base, kind: 'no_answer', ringS: ringOr(token.ringS, DEFAULT_NO_ANSWER_RING_S) };
    case 'ring':
      return { ...base, kind: 'ring', ringS: Number.POSITIVE_INFINITY };
    case 'nocode':
      return { ...base, kind: 'nocode', ringS: ringOr(token.ringS, 0) };
    case 'sip':
      // A carrier refusal is immediate unless the token gives a ring time, also in `default` draws.
      return { ...base, kind: 'sip', sipCode: token.code, ringS: token.ringS ?? 0 };
    case 'machine':
      return {
        ...base,
        kind: 'machine',
        ringS: fromDefault ? drawn.ringS : BRIEF_RING_S,
        talkS: token.talkS ?? DEFAULT_MACHINE_TALK_S,
      };
    case 'fleet_busy':
      return {
        ...base,
        kind: 'fleet_busy',
        ringS: fromDefault ? drawn.ringS : BRIEF_RING_S,
        talkS: FLEET_BUSY_HOLD_S,
      };
    case 'error':
      return { ...base, kind: 'error', ringS: 0 };
    case 'stall':
      return { ...base, kind: 'stall', ringS: fromDefault ? drawn.ringS : BRIEF_RING_S };
    case 'drop':
      return {
        ...base,
        kind: 'drop',
        ringS: fromDefault ? drawn.ringS : BRIEF_RING_S,
        talkS: fromDefault ? drawn.talkS : DEFAULT_TALK_S,
      };
  }
}

/**
 * The behaviour of the next dial to `number`. A listed number takes its tokens in order, the last one
 * repeating; any other number draws from `default`. A default draw always consumes four random values
 * (token, ring, talk, disposition) so that the sequence does not depend on which token came up.
 */
export function drawDial(
  scenario: CompiledScenario,
  number: string,
  counters: NumberCounters,
  random: Random,
): DialBehaviour {
  const key = numberKey(number);
  const listed = scenario.numbers.get(key);
  if (listed && listed.length > 0) {
    const index = counters.get(key) ?? 0;
    counters.set(key, index + 1);
    const entry = listed[Math.min(index, listed.length - 1)] as (typeof listed)[number];
    return resolveToken(entry.token, entry.text, false, { ringS: 0, talkS: 0, disposition: 'COMPLETED' });
  }
  const picked = drawWeighted(scenario.defaultTokens, random());
  const ringS = drawBetween(scenario.ringRangeS, random());
  const talkS = drawBetween(scenario.talkRangeS, random());
  const disposition = drawWeighted(scenario.dispositions, random()).name;
  return resolveToken(picked.token, picked.text, true, { ringS, talkS, disposition });
}

/** How an unanswered call ends, as the SIP stack and the switch record it. */
export interface CallFailure {
  hangupCause: string;
  /** `sip_term_status`: the final response received. Absent when none was (our own CANCEL, no code). */
  sipTermStatus?: number;
  /** `sip_invite_failure_status`: any failure of the INVITE, 487 after our own CANCEL. */
  sipInviteFailureStatus?: number;
  sipHangupDisposition?: 'recv_refuse' | 'send_cancel';
}

export interface AnsweredPlan {
  /** Scenario seconds of talk before the far end hangs up; null: never (stall). */
  talkS: number | null;
  amdResult?: 'MACHINE';
  /** fleet_busy: the hand-off to the bot platform failed with this cause. */
  bridgeHangupCause?: string;
  /** drop: close the placing client's ESL connection this long after answer. */
  dropConnectionAfterS?: number;
  /** Whether the bot posts a post-call result when the call ends (answered human calls only). */
  postsResult: boolean;
}

/** The outcome word of `GET /calls`. */
export type CallOutcome =
  | 'answered'
  | 'no_answer'
  | 'rnr'
  | 'nocode'
  | `sip:${number}`
  | 'machine'
  | 'fleet_busy'
  | 'stall'
  | 'dropped'
  | 'error'
  | 'killed';

export type CallPlan =
  /** The originate job fails before any channel exists: `-ERR <cause>`, no channel events. */
  | { type: 'no_channel'; outcome: 'error'; cause: string }
  | { type: 'fails'; outcome: CallOutcome; ringS: number; failure: CallFailure }
  | { type: 'answers'; outcome: CallOutcome; ringS: number; answered: AnsweredPlan };

/** What a switch does when its own originate_timeout ends a ringing call (docs/limits.md "Classifying"). */
export function ringTimeoutFailure(): CallFailure {
  return { hangupCause: 'NO_ANSWER', sipInviteFailureStatus: 487, sipHangupDisposition: 'send_cancel' };
}

export function sipFailure(code: number): CallFailure {
  return {
    hangupCause: sipCodeToHangupCause(code),
    sipTermStatus: code,
    sipInviteFailureStatus: code,
    sipHangupDisposition: 'recv_refuse',
  };
}

/** The cause of a `nocode` failure: no SIP response at all, so no SIP variables either. */
export const NO_CODE_CAUSE = 'NORMAL_UNSPECIFIED';

/**
 * Turns a behaviour into a plan, given the dialler's originate_timeout (scenario seconds). Anything that would
 * ring longer than the timeout is cut by it instead: `rnr`, Hangup-Cause NO_ANSWER, no sip_term_status.
 */
export function planCall(behaviour: DialBehaviour, originateTimeoutS: number): CallPlan {
  if (behaviour.kind === 'error')
    return { type: 'no_channel', outcome: 'error', cause: 'DESTINATION_OUT_OF_ORDER' };
  if (behaviour.ringS > originateTimeoutS) {
    return { type: 'fails', outcome: 'rnr', ringS: originateTimeoutS, failure: ringTimeoutFailure() };
  }
  const ringS = behaviour.ringS;
  switch (behaviour.kind) {
    case 'no_answer':
      return { type: 'fails', outcome: 'no_answer', ringS, failure: sipFailure(480) };
    case 'sip': {
      const code = behaviour.sipCode ?? 500;
      return { type: 'fails', outcome: `sip:${code}`, ringS, failure: sipFailure(code) };
    }
    case 'nocode':
      return { type: 'fails', outcome: 'nocode', ringS, failure: { hangupCause: NO_CODE_CAUSE } };
    case 'ring':
      // Only reached with an infinite timeout, which a parsed dial string never has.
      return { type: 'fails', outcome: 'rnr', ringS: originateTimeoutS, failure: ringTimeoutFailure() };
    case 'answer':
      return {
        type: 'answers',
        outcome: 'answered',
        ringS,
        answered: { talkS: behaviour.talkS, postsResult: true },
      };
    case 'machine':
      return {
        type: 'answers',
        outcome: 'machine',
        ringS,
        answered: { talkS: behaviour.talkS, amdResult: 'MACHINE', postsResult: false },
      };
    case 'fleet_busy':
      return {
        type: 'answers',
        outcome: 'fleet_busy',
        ringS,
        answered: {
          talkS: behaviour.talkS,
          bridgeHangupCause: 'NORMAL_TEMPORARY_FAILURE',
          postsResult: false,
        },
      };
    case 'stall':
      return { type: 'answers', outcome: 'stall', ringS, answered: { talkS: null, postsResult: false } };
    case 'drop':
      return {
        type: 'answers',
        outcome: 'dropped',
        ringS,
        answered: {
          talkS: behaviour.talkS,
          dropConnectionAfterS: Math.min(DROP_AFTER_ANSWER_S, behaviour.talkS / 2),
          postsResult: true,
        },
      };
  }
}

/** A dial refused by the carrier's rate limit (`cps_limit`): SIP 429 at once. */
export function throttledPlan(): CallPlan {
  return { type: 'fails', outcome: 'sip:429', ringS: 0, failure: sipFailure(429) };
}
