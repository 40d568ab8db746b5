/**
 * SIP / hangup facts of one finished dial → the attempt's system outcome (docs/api.md,
 * docs/architecture.md "Dialling exactly once", docs/limits.md "Classifying"). Pure and deterministic.
 */

export const OUTCOMES = [
  'completed',
  'abandoned',
  'machine',
  'no_answer',
  'rejected',
  'rnr',
  'error',
  'timeout',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Outcomes of a call that was answered (`connected` while it lasts, then one of these). */
export const ANSWERED_OUTCOMES: readonly Outcome[] = ['completed', 'abandoned', 'machine'];

export function isAnsweredOutcome(outcome: Outcome): boolean {
  return ANSWERED_OUTCOMES.includes(outcome);
}

export interface CallFacts {
  /** CHANNEL_ANSWER was seen for the call. */
  answered: boolean;
  /** `variable_sip_term_status`: the final SIP code. */
  sipTermStatus?: number | null;
  /** `variable_sip_invite_failure_status`: the INVITE's failure code (a local timeout gives 487). */
  sipInviteFailureStatus?: number | null;
  /** `Hangup-Cause` of the channel. */
  hangupCause?: string | null;
  /** `amd_result` (mod_amd: HUMAN / MACHINE / NOTSURE) or the simulator's equivalent. */
  amdResult?: string | null;
  /** `bridge_hangup_cause`: how the hand-off to the bot platform ended. */
  bridgeHangupCause?: string | null;
  /** The originate job answered `-ERR` and no channel ever existed. */
  originateFailed?: boolean;
  /** Our own `originate_timeout` ended a ringing call. */
  dialerTimeout?: boolean;
  /** Stale-state recovery closed the attempt (call or post-call result never finalised). */
  stale?: boolean;
}

/** A final SIP failure code worth classifying on. Anything else (null, 0, 1xx, 2xx, junk) counts as no code. */
function sipFailureCode(code: number | null | undefined): number | null {
  if (code === null || code === undefined || !Number.isInteger(code)) return null;
  return code >= 300 && code <= 699 ? code : null;
}

function upper(value: string | null | undefined): string {
  return (value ?? '').trim().toUpperCase();
}

/** The hangup cause FreeSWITCH gives when its local `originate_timeout` expired (no SIP code maps to it). */
const LOCAL_TIMEOUT_CAUSE = 'NO_ANSWER';
/** The INVITE failure status FreeSWITCH records after it CANCELs a ringing call itself (send_cancel). */
const REQUEST_TERMINATED = 487;

/**
 * Rules, in order:
 * 1. `stale` → `timeout`: stale-state recovery closed it, whatever else was seen (an answered call that never
 *    hung up or never got its post-call result is exactly this case).
 * 2. Answered → `machine` when AMD said MACHINE; `abandoned` when the bridge to the bot platform ended with a
 *    cause other than NORMAL_CLEARING (no worker took the call); otherwise `completed`. SIP codes of an
 *    answered call are ignored.
 * 3. `originateFailed` (-ERR, no channel) → `error`.
 * 4. Unanswered, our ring timeout → `rnr`: `dialerTimeout`, or Hangup-Cause NO_ANSWER with no
 *    sip_term_status (or with 487, the answer to our own CANCEL). That case carries
 *    sip_invite_failure_status=487, which must not make it `rejected`.
 * 5. Unanswered otherwise: the SIP code (sip_term_status, else sip_invite_failure_status), never the hangup
 *    cause alone: 408, 480 or no code → `no_answer`; any other code → `rejected`.
 */
export function classifyCall(facts: CallFacts): Outcome {
  if (facts.stale) return 'timeout';

  if (facts.answered) {
    if (upper(facts.amdResult) === 'MACHINE') return 'machine';
    const bridge = upper(facts.bridgeHangupCause);
    if (bridge !== '' && bridge !== 'NORMAL_CLEARING') return 'abandoned';
    return 'completed';
  }

  if (facts.originateFailed) return 'error';

  const termStatus = sipFailureCode(facts.sipTermStatus);
  if (facts.dialerTimeout) return 'rnr';
  if (
    upper(facts.hangupCause) === LOCAL_TIMEOUT_CAUSE &&
    (termStatus === null || termStatus === REQUEST_TERMINATED)
  ) {
    return 'rnr';
  }

  const code = termStatus ?? sipFailureCode(facts.sipInviteFailureStatus);
  if (code === null || code === 408 || code === 480) return 'no_answer';
  return 'rejected';
}

const FRIENDLY_SIP_LABELS: Readonly<Record<number, string>> = { 408: 'No answer', 486: 'Line busy' };

/** The attempt trail's friendly label for a SIP code (docs/rules.md "Classifying a call"); null → show the raw code. */
export function sipFriendlyLabel(code: number | null | undefined): string | null {
  if (code === null || code === undefined) return null;
  return FRIENDLY_SIP_LABELS[code] ?? null;
}

/** 429 and 503 mean the carrier is throttling us: back off that gateway's dial rate (freeswitch-esl.md §3). */
export function isCarrierThrottle(code: number | null | undefined): boolean {
  return code === 429 || code === 503;
}
