/**
 * What happens to a contact after one of its attempts ended: a final state, or the next dial (same pass on
 * the next phone, the next pass after the retry delay, or a callback). Pure: a function of the config, the
 * contact's run state, the attempt that just ended and `now` (docs/architecture.md "Pure policy").
 *
 * Rules: docs/rules.md "What happens after an attempt" (retries, redial/stop rules, callbacks, breadth-first
 * phones, short COMPLETED calls, dispositions; max_attempts includes the first attempt; the callback double
 * gate) and docs/troubleshooting.md ("Retries are not happening").
 *
 * The order of the rules, first match wins:
 *  1. Excluded or opted-out contact → final `excluded`. Never dialled again, not even for a callback.
 *  2. OPT_OUT disposition → final `completed` (reason `opt_out`); the caller records the opt-out.
 *  3. Callback (callbackAt set, campaign callback_detection AND bot callback_enabled) → redial at callbackAt
 *     (now if past), priority 0, same pass and phone. Comes before the stop rule: see `decideNext`.
 *  4. Stop rule: an answered call that talked longer than stop_redials_after_connect_s → final. Wins over
 *     every retry reason (custom disposition, short connect, short COMPLETED) and over untried phones. It
 *     stays in force for the rest of the run: after a callback dial that follows it, no redial either.
 *  5. Breadth-first phones: a not-reached outcome with phones left in this pass → the next phone now.
 *  6. End of the pass: if any attempt of the pass is retryable → the next pass after the retry delay while
 *     passes remain (max_attempts counts passes per phone), else final with exhaustedRetries.
 *  7. Otherwise final: `completed` / `machine` / `abandoned` for those outcomes, `failed` for the rest.
 */
import type { CampaignConfig } from './campaign-config';
import { isAnsweredOutcome, type Outcome } from './outcome';
import { dispositionKey } from './disposition';
import { isOptOutDisposition } from './opt-out';

/** What the rules need to know about one finished attempt. */
export interface AttemptSummary {
  outcome: Outcome;
  /** Connected (talk) seconds of an answered call; null when not answered or unknown. */
  talkS: number | null;
  /** The bot platform's post-call disposition, as sent. */
  disposition: string | null;
  /** Conversation turns from the post-call result; null when not reported. */
  turns: number | null;
}

export interface LastAttempt extends AttemptSummary {
  callbackAt: Date | null;
  endedAt: Date;
}

export interface NextStepContact {
  /** The contact's numbers, phone1 … phone10 order. */
  phones: string[];
  /**
   * Dials this run including this one. Informational: the limit is enforced on `pass` (max_attempts counts
   * passes per phone, and callback dials do not consume it), so it is not used by the rules.
   */
  attempts: number;
  /** 1-based pass of the attempt that just ended. */
  pass: number;
  /** 0-based index into `phones` of the attempt that just ended. */
  phoneIndex: number;
  optedOut?: boolean;
  excluded?: boolean;
  /**
   * The phone the contact was reached on earlier in this run (persist `reachedPhoneIndex` of a redial and
   * pass it back). Once reached, only that phone is dialled again. Omit or null when never reached.
   */
  reachedPhoneIndex?: number | null;
  /**
   * The stop rule already fired earlier in this run (a callback was honoured after it): no redial but a
   * callback may follow. Persist `redialsStopped` of a redial and pass it back.
   */
  redialsStopped?: boolean;
  /**
   * The earlier attempts of the current pass (the other phones, oldest first), so that the end of a pass
   * can see whether "some outcome of the pass is retryable". Omit for single-phone contacts.
   */
  passHistory?: readonly AttemptSummary[];
}

export interface NextStepInput {
  config: CampaignConfig;
  /** The bot's `callback_enabled`: the second half of the callback double gate. */
  botCallbackEnabled: boolean;
  contact: NextStepContact;
  last: LastAttempt;
  now: Date;
}

export type FinalContactState = 'completed' | 'failed' | 'abandoned' | 'machine' | 'excluded';

export type NextStep =
  | { kind: 'final'; state: FinalContactState; reason: string; exhaustedRetries: boolean }
  | {
      kind: 'redial';
      /** When the contact is due; the caller still moves it to the next opening of the calling window. */
      dueAt: Date;
      pass: number;
      phoneIndex: number;
      /** 0 due callback, 1 fresh / pass 1, 2 retries (the admission query orders by pass, then due time). */
      priority: 0 | 1 | 2;
      isCallback: boolean;
      reason: string;
      /** The phone the contact has been reached on, if any: store it and pass it back in `contact`. */
      reachedPhoneIndex?: number | null;
      /** The stop rule has fired: only callbacks may follow. Store it and pass it back in `contact`. */
      redialsStopped?: boolean;
    };

/** The `reason` strings this module writes. */
export const NEXT_STEP_REASONS = {
  excluded: 'excluded',
  optedOut: 'opted_out',
  optOutRequested: 'opt_out',
  callback: 'callback',
  stopAfterConnect: 'stop_after_connect',
  nextPhone: 'next_phone',
  retrySystemOutcome: 'retry_system_outcome',
  retryCustomDisposition: 'retry_custom_disposition',
  retryShortConnect: 'retry_short_connect',
  maxAttempts: 'max_attempts',
  noRetryRule: 'no_retry_rule',
} as const;

/** Dispositions (docs/rules.md) that mean the person was not reached on that phone. */
export const NOT_REACHED_DISPOSITIONS: readonly string[] = ['VOICEMAIL', 'WRONG_NUMBER', 'NO_ANSWER'];
/** System outcomes that mean the person was not reached on that phone. */
export const NOT_REACHED_OUTCOMES: readonly Outcome[] = [
  'no_answer',
  'rejected',
  'rnr',
  'error',
  'timeout',
  'machine',
];

export { dispositionKey };

/**
 * A short COMPLETED call (≤ 1 conversation turn) is treated as no_answer for retry purposes and as not
 * reached (docs/rules.md "What happens after an attempt": a pickup-then-hangup is no reach).
 * Unknown turns (null) are not assumed short.
 */
export function isShortCompleted(a: AttemptSummary): boolean {
  return a.outcome === 'completed' && a.turns !== null && Number.isFinite(a.turns) && a.turns <= 1;
}

/** The outcome the retry rules look at. */
export function effectiveOutcome(a: AttemptSummary): Outcome {
  return isShortCompleted(a) ? 'no_answer' : a.outcome;
}

/** Whether this attempt reached the person (so their other phones are never dialled). */
export function isReached(a: AttemptSummary): boolean {
  if (NOT_REACHED_OUTCOMES.includes(effectiveOutcome(a))) return false;
  return !NOT_REACHED_DISPOSITIONS.includes(dispositionKey(a.disposition));
}

/** Talk seconds of an answered call, else null: the redial rules look only at connected calls. */
function connectedSeconds(a: AttemptSummary): number | null {
  if (!isAnsweredOutcome(a.outcome) || a.talkS === null || !Number.isFinite(a.talkS)) return null;
  return a.talkS;
}

/** Why the retry rules would redial after this attempt, or null. Ignores the stop rule and max_attempts. */
export function retryReason(config: CampaignConfig, a: AttemptSummary): string | null {
  const talk = connectedSeconds(a);
  if (config.redial_short_connect_s !== null && talk !== null && talk < config.redial_short_connect_s) {
    return NEXT_STEP_REASONS.retryShortConnect;
  }
  const outcome = effectiveOutcome(a);
  if ((config.retry_on_system as readonly string[]).includes(outcome))
    return NEXT_STEP_REASONS.retrySystemOutcome;
  const disposition = (a.disposition ?? '').trim().toLowerCase();
  if (disposition !== '' && config.retry_on_custom.some((c) => c.trim().toLowerCase() === disposition)) {
    return NEXT_STEP_REASONS.retryCustomDisposition;
  }
  return null;
}

/** Whether the stop rule ends all redials after this attempt. */
export function stopsRedials(config: CampaignConfig, a: AttemptSummary): boolean {
  const talk = connectedSeconds(a);
  return (
    config.stop_redials_after_connect_s !== null &&
    talk !== null &&
    talk > config.stop_redials_after_connect_s
  );
}

function finalStateOf(outcome: Outcome): FinalContactState {
  return outcome === 'completed' || outcome === 'machine' || outcome === 'abandoned' ? outcome : 'failed';
}

function validDate(d: Date | null | undefined): d is Date {
  return d instanceof Date && Number.isFinite(d.getTime());
}

function validIndex(i: number | null | undefined, length: number): i is number {
  return i !== null && i !== undefined && Number.isInteger(i) && i >= 0 && i < length;
}

/**
 * Decide what follows the attempt in `input.last`. See the module comment for the rule order.
 *
 * Callbacks: a customer asking to be called back is a request we honour, not a retry we chose. So a
 * callback does not consume max_attempts (it keeps the current pass, and passes are what max_attempts
 * counts), it is not cancelled by the stop rule (the stop rule exists to avoid re-dialling someone we
 * genuinely reached against their interest; here they asked for it), and it ignores the retry lists. The
 * stop rule is not lifted by it either: if the callback dial itself fails, no retry follows. It
 * only needs both halves of the double gate; with either off, callbackAt is ignored and the ordinary rules
 * apply (the disposition may still be a custom retry disposition). Exclusion and OPT_OUT still win.
 */
export function decideNext(input: NextStepInput): NextStep {
  const { config, contact, last, now } = input;
  const final = (state: FinalContactState, reason: string, exhaustedRetries = false): NextStep => ({
    kind: 'final',
    state,
    reason,
    exhaustedRetries,
  });

  if (contact.excluded) return final('excluded', NEXT_STEP_REASONS.excluded);
  if (contact.optedOut) return final('excluded', NEXT_STEP_REASONS.optedOut);
  if (isOptOutDisposition(last.disposition)) return final('completed', NEXT_STEP_REASONS.optOutRequested);

  const phoneCount = Math.max(1, contact.phones.length);
  const pass = Number.isInteger(contact.pass) && contact.pass >= 1 ? contact.pass : 1;
  const phoneIndex = validIndex(contact.phoneIndex, phoneCount) ? contact.phoneIndex : 0;
  const reachedBefore = validIndex(contact.reachedPhoneIndex, phoneCount) ? contact.reachedPhoneIndex : null;
  const reachedNow = isReached(last);
  const reachedPhoneIndex = reachedBefore ?? (reachedNow ? phoneIndex : null);
  const redialsStopped = contact.redialsStopped === true || stopsRedials(config, last);

  if (validDate(last.callbackAt) && config.callback_detection && input.botCallbackEnabled) {
    return {
      kind: 'redial',
      dueAt: new Date(Math.max(last.callbackAt.getTime(), now.getTime())),
      pass,
      phoneIndex,
      priority: 0,
      isCallback: true,
      reason: NEXT_STEP_REASONS.callback,
      // Asking for a callback means the person was on this phone.
      reachedPhoneIndex: reachedBefore ?? phoneIndex,
      redialsStopped,
    };
  }

  if (redialsStopped) return final(finalStateOf(last.outcome), NEXT_STEP_REASONS.stopAfterConnect);

  const passAllowed = pass <= config.max_attempts;
  if (!reachedNow && reachedBefore === null && phoneIndex + 1 < phoneCount && passAllowed) {
    return {
      kind: 'redial',
      dueAt: now,
      pass,
      phoneIndex: phoneIndex + 1,
      priority: pass === 1 ? 1 : 2,
      isCallback: false,
      reason: NEXT_STEP_REASONS.nextPhone,
      reachedPhoneIndex: null,
      redialsStopped: false,
    };
  }

  // End of the pass. Once reached, only the reached phone matters (the others are never dialled again).
  const passAttempts = reachedPhoneIndex === null ? [...(contact.passHistory ?? []), last] : [last];
  let why: string | null = null;
  for (const a of passAttempts) {
    why = retryReason(config, a);
    if (why) break;
  }
  if (why === null) return final(finalStateOf(last.outcome), NEXT_STEP_REASONS.noRetryRule);
  if (pass + 1 > config.max_attempts)
    return final(finalStateOf(last.outcome), NEXT_STEP_REASONS.maxAttempts, true);

  const endedAt = validDate(last.endedAt) ? last.endedAt.getTime() : now.getTime();
  const retryAt = endedAt + config.retry_delay_minutes * 60_000;
  return {
    kind: 'redial',
    dueAt: new Date(Math.max(retryAt, now.getTime())),
    pass: pass + 1,
    phoneIndex: reachedPhoneIndex ?? 0,
    priority: 2,
    isCallback: false,
    reason: why,
    reachedPhoneIndex,
    redialsStopped: false,
  };
}

/** The same function under the name the brief uses for the module. */
export const nextStep = decideNext;
