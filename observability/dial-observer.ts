import type { CallFields, Logger } from './log';
import {
  dialOriginatesTotal,
  dialsTotal,
  pacingWaitSeconds,
  seatToOriginateSeconds,
  sipLabel,
} from './metrics';

/**
 * What the dial activity tells the outside about a call: one log line per step, each carrying the call's
 * four ids, and the dial metrics. Kept apart from the activity so its control flow reads as the call's
 * story, and so a test can inject its own logger and clock.
 */

/** What is recorded of an ended attempt (the attempts row). */
export interface EndedAttempt {
  outcome: string | null;
  sip_code: number | null;
  hangup_cause: string | null;
  ring_s: number | null;
  talk_s: number | null;
  answered_at: Date | null;
}

export interface DialObserver {
  /** The carrier's pacing held this dial back this long (0 when its slot was already due). */
  pacedFor(call: CallFields, waitedMs: number): void;
  /** The originate went to the switch; `onDeckSince` when the dial waited on deck for a seat first. */
  originateSent(call: CallFields, detail: { onDeckSince: number | null }): void;
  /** The originate could not be written and the switch does not know the call. */
  originateFailed(call: CallFields, error: unknown): void;
  /** The attempt's end was recorded. */
  ended(call: CallFields, attempt: EndedAttempt): void;
}

export function createDialObserver(options: { log: Logger; nowMs?: () => number }): DialObserver {
  const nowMs = options.nowMs ?? Date.now;
  const log = options.log;
  /** When a call of this campaign last ended here: the freed seat a dial on deck then takes. */
  const seatFreedAt = new Map<string, number>();
  return {
    pacedFor(call, waitedMs) {
      pacingWaitSeconds.observe(Math.max(0, waitedMs) / 1000);
      if (waitedMs > 0) log.debug('waited for the carrier pacing slot', { ...call, waited_ms: waitedMs });
    },
    originateSent(call, { onDeckSince }) {
      dialOriginatesTotal.inc({ campaign_id: call.campaign_id });
      const freedAt = seatFreedAt.get(call.campaign_id);
      // Only a seat freed while this dial waited on deck is the one it took (on any worker but this one,
      // the freeing is not seen here and nothing is measured).
      if (onDeckSince !== null && freedAt !== undefined && freedAt >= onDeckSince) {
        seatToOriginateSeconds.observe((nowMs() - freedAt) / 1000);
      }
      log.debug('originate sent', call);
    },
    originateFailed(call, error) {
      log.warn('originate failed and the switch does not know the call', {
        ...call,
        error: error instanceof Error ? error.message : String(error),
      });
    },
    ended(call, attempt) {
      seatFreedAt.set(call.campaign_id, nowMs());
      dialsTotal.inc({
        campaign_id: call.campaign_id,
        outcome: attempt.outcome ?? 'error',
        sip_code: sipLabel(attempt.sip_code),
      });
      log.info('call ended', {
        ...call,
        outcome: attempt.outcome,
        sip_code: attempt.sip_code,
        hangup_cause: attempt.hangup_cause,
        answered: attempt.answered_at !== null,
        ring_s: attempt.ring_s,
        talk_s: attempt.talk_s,
      });
    },
  };
}
