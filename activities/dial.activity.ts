import { Context } from '@temporalio/activity';
import { setTimeout as delay } from 'node:timers/promises';
import type { Db } from '../db/connection';
import type { Attempt } from '../db/schema';
import type { Handoff } from '../workflows/messages';
import type { AttemptFacts } from '../policy/after-attempt';
import {
  claimAttempt,
  type ClaimResult,
  loadAttemptFacts,
  finishAttempt,
  findVoicemailSetting,
  markCallProgress,
  markVoicemailLeft,
  renewLease,
  type CallEnd,
} from '../db/repositories/attempts.repository';
import { classifyCall } from '../policy/outcome';
import { voicemailPlan } from '../policy/voicemail';
import { CallTracker, type ChannelEvent } from './call-tracker';
import type { OriginateRequest } from '../telephony/originate-command';
import type { SeatNotifier } from './seat-notifier';
import { whileDatabaseAway } from '../db/retry';
import { createDialObserver, type DialObserver } from '../observability/dial-observer';
import { silentLogger, type CallFields } from '../observability/log';

/** What the dial activity needs of the telephony layer (implemented by telephony/switch-client). */
export interface SwitchControl {
  originate(req: OriginateRequest): Promise<{ jobUuid: string }>;
  kill(uuid: string, cause?: string): Promise<boolean>;
  exists(uuid: string): Promise<boolean>;
  /** Any api command's output (`uuid_broadcast` for the voicemail message). */
  api(command: string): Promise<string>;
  watch(uuid: string, listener: (e: ChannelEvent) => void): () => void;
  /** Called after the ESL connection came back (events of the gap are lost). Returns an unsubscribe. */
  onReconnect(listener: () => void): () => void;
}

export interface DialTimings {
  /** The dialler's own ring timeout (originate_timeout): a longer ring is `rnr`. */
  ringTimeoutS: number;
  /** The longest call expected; a call older than ring + this + grace is stale and closed as `timeout`. */
  maxCallS: number;
  /** Slack before declaring a call stale, and for the hangup to arrive after a kill. */
  graceS: number;
  /** How long after hangup the bot's post-call result may still arrive (ORI_RESULT_GRACE_S). */
  resultGraceS?: number;
}

export interface DialInput {
  campaignId: string;
  runNo: number;
  contactId: string;
  handoff: Handoff;
}

export type DialResult =
  | {
      kind: 'ended';
      outcome: string;
      answered: boolean;
      hasResult: boolean;
      sipCode: number | null;
      /** How long the contact waits for an answered call's post-call result (the worker's setting). */
      resultWaitS?: number;
      /**
       * What the policy needs to decide the next step, loaded right after the call ended — unless a post-call
       * result is still to come, when the workflow loads them once it has. Saves an activity per attempt.
       */
      facts?: AttemptFacts;
    }
  | { kind: 'cancelled'; reason: string; contactFinal: boolean };

const HEARTBEAT_MS = 5_000;
/**
 * A dial on deck claims again this often even without a notification: it renews its lease (30 s) and
 * notices a pause, a stop or a suppression (which only need it to give its place back: the claim never
 * dials then). A freed seat names the first in line at once (`ori_deck`), from a call's end or a round.
 */
const ON_DECK_POLL_MS = 5_000;

function endedFromAttempt(attempt: Attempt): Extract<DialResult, { kind: 'ended' }> {
  return {
    kind: 'ended',
    outcome: attempt.outcome ?? 'error',
    answered: attempt.answered_at !== null,
    hasResult: attempt.result_at !== null,
    sipCode: attempt.sip_code,
  };
}

/**
 * Dial one attempt exactly once. The attempt id is the call's `origination_uuid`. A first try claims a
 * seat for the leased attempt (re-checking suppression, pause, the window and the carrier's rate) — waiting
 * on deck, woken by the call that ends, while every seat holds a call — places the call with
 * `bgapi originate` and follows its events to CHANNEL_HANGUP_COMPLETE, heartbeating and renewing the seat.
 * A retried try reconciles instead: a recorded end is returned as is, a live channel is followed again, and
 * a call the switch no longer knows is closed from what was recorded — it is never placed a second time.
 */
export function createDialActivities(deps: {
  db: Db;
  switch: SwitchControl;
  seats: Pick<SeatNotifier, 'seatLatch'>;
  timings: DialTimings;
  botEndpoint?: (campaignId: string) => Promise<string | null>;
  now?: () => Date;
  /** Log lines and metrics of each call (the worker's logger; silent by default). */
  observer?: DialObserver;
}) {
  const now = deps.now ?? (() => new Date());
  const { timings } = deps;
  const observer = deps.observer ?? createDialObserver({ log: silentLogger });
  /** Records the attempt's end, and says so in the log and the dial counters. */
  const finish = async (call: CallFields, end: CallEnd): Promise<Attempt> => {
    const attempt = await finishAttempt(deps.db, call.attempt_id, end);
    observer.ended(call, attempt);
    return attempt;
  };
  const endedFrom = (attempt: Attempt): DialResult => {
    const ended = endedFromAttempt(attempt);
    return timings.resultGraceS === undefined ? ended : { ...ended, resultWaitS: timings.resultGraceS };
  };

  async function follow(
    call: CallFields,
    tracker: CallTracker,
    startedAt: Date,
    knownLive: boolean,
  ): Promise<DialResult> {
    const ctx = Context.current();
    const attemptId = call.attempt_id;
    // Postgres restarting while we follow a call is waited out (heartbeating), so the follow goes on and
    // no event of the call is missed; the writes are idempotent.
    const persist = <T>(write: () => Promise<T>): Promise<T> =>
      whileDatabaseAway(write, { onWait: () => ctx.heartbeat({ attemptId, phase: 'database_away' }) });
    let lostTrack = false;
    let wakeUp: () => void = () => undefined;
    const unChange = tracker.onChange(() => wakeUp());
    let recheck = false;
    const unReconnect = deps.switch.onReconnect(() => {
      recheck = true;
      wakeUp();
    });
    const staleAt = startedAt.getTime() + (timings.ringTimeoutS + timings.maxCallS + timings.graceS) * 1000;
    let progressWritten: 'none' | 'ringing' | 'in_progress' = 'none';
    let killedAt: number | null = null;
    let jobFailedAt: number | null = null;
    let lastBeat = 0;
    let machineHandled = false;
    try {
      for (;;) {
        if (tracker.ended) break;
        if (tracker.failedWithoutChannel) {
          // `-ERR` with no channel yet: give a late CHANNEL_CREATE a moment, then it never rang.
          jobFailedAt ??= Date.now();
          if (Date.now() - jobFailedAt > 1_000) break;
        }
        if (tracker.answeredAt && progressWritten !== 'in_progress') {
          progressWritten = 'in_progress';
          const answeredAt = tracker.answeredAt;
          await persist(() => markCallProgress(deps.db, attemptId, 'in_progress', answeredAt));
        } else if ((tracker.ringingAt || tracker.createdAt) && progressWritten === 'none') {
          progressWritten = 'ringing';
          const ringingAt = tracker.ringingAt ?? tracker.createdAt ?? now();
          await persist(() => markCallProgress(deps.db, attemptId, 'ringing', ringingAt));
        }
        if (tracker.machineDetected && !machineHandled && !tracker.ended) {
          machineHandled = true;
          await leaveVoicemailOrHangUp(attemptId);
        }
        if (recheck) {
          recheck = false;
          // Events of the disconnected gap are gone: ask the switch whether the call still lives.
          if (!(await deps.switch.exists(attemptId).catch(() => true)) && !tracker.ended) {
            lostTrack = true;
            break;
          }
        }
        if (Date.now() >= staleAt) {
          if (killedAt === null) {
            killedAt = Date.now();
            await deps.switch.kill(attemptId, 'ALLOTTED_TIMEOUT').catch(() => false);
          } else if (Date.now() - killedAt > timings.graceS * 1000) {
            lostTrack = true;
            break;
          }
        }
        if (Date.now() - lastBeat >= HEARTBEAT_MS) {
          lastBeat = Date.now();
          ctx.heartbeat({ attemptId, phase: progressWritten });
          await persist(() => renewLease(deps.db, attemptId, now()));
          if (!knownLive && !tracker.createdAt && Date.now() - startedAt.getTime() > 10_000) {
            // Reconciling a call we did not see start: make sure the switch still has it.
            knownLive = true;
            recheck = true;
          }
        }
        await new Promise<void>((resolve) => {
          wakeUp = resolve;
          setTimeout(resolve, 1_000);
        });
      }
    } finally {
      unChange();
      unReconnect();
    }

    const stale = killedAt !== null;
    let end: CallEnd;
    if (lostTrack && !tracker.ended) {
      // The call ended while nobody could see it (worker loss, ESL gap) or never hung up after a kill:
      // stale-state recovery closes it as `timeout`; it was placed, so it is not an `error`. A call seen
      // answered that then ended unseen (the switch no longer has it) was a conversation, as the
      // reconciling retry (`already_sent`) also decides: `completed`, and the bot's result follows.
      end = {
        outcome: !stale && tracker.answeredAt ? 'completed' : 'timeout',
        sipCode: null,
        hangupCause: stale ? 'ORI_STALE_RECOVERY' : 'ORI_UNTRACKED',
        answeredAt: tracker.answeredAt,
        endedAt: now(),
        ringS: tracker.ringSeconds(startedAt),
        talkS: tracker.talkSeconds(),
        coreUuid: tracker.coreUuid,
      };
    } else {
      const outcome = classifyCall(tracker.facts({ stale }));
      end = {
        outcome,
        sipCode: tracker.sipCode(),
        hangupCause: tracker.hangupCause(),
        answeredAt: tracker.answered ? (tracker.answeredAt ?? tracker.hangupAt ?? now()) : null,
        endedAt: tracker.hangupAt ?? now(),
        ringS: tracker.ringSeconds(startedAt),
        talkS: tracker.talkSeconds(),
        coreUuid: tracker.coreUuid,
      };
    }
    // The end is a fact only this activity saw: failing here would leave a retry that can only reconcile
    // it as untracked.
    return endedFrom(await persist(() => finish(call, end)));
  }

  /**
   * A machine answered: the run's voicemail action. The message is broadcast with its hangup queued behind
   * it (so the switch ends the call when it has played); `voicemail_left` is written once the switch took
   * it. Anything the switch refuses falls back to hanging up: a machine is never left recording silence.
   */
  async function leaveVoicemailOrHangUp(attemptId: string): Promise<void> {
    const plan = voicemailPlan(attemptId, await findVoicemailSetting(deps.db, attemptId));
    if (plan.kind === 'leave_message') {
      const [play, hangUp] = plan.commands;
      const played = await deps.switch.api(play).catch(() => '');
      if (played.startsWith('+OK')) {
        await markVoicemailLeft(deps.db, attemptId);
        const queued = await deps.switch.api(hangUp).catch(() => '');
        if (queued.startsWith('+OK')) return;
      }
    }
    await deps.switch.kill(attemptId, 'NORMAL_CLEARING').catch(() => false);
  }

  /** Whether the contact must still wait for this call's post-call result before deciding. */
  const awaitsResult = (r: Extract<DialResult, { kind: 'ended' }>): boolean =>
    r.answered && !r.hasResult && r.outcome === 'completed';

  return {
    async dial(input: DialInput): Promise<DialResult> {
      const result = await dialAttempt(input);
      if (result.kind !== 'ended' || awaitsResult(result)) return result;
      return { ...result, facts: await loadAttemptFacts(deps.db, input.contactId, input.handoff.attemptId) };
    },
  };

  /**
   * Claim until the claim says dial, or never: on deck while every seat holds a call (the call that ends
   * names the first in line), or held back by the carrier's rate.
   */
  async function claimSeat(
    attemptId: string,
    waited: { paceMs: number; onDeckSince: number | null },
  ): Promise<Exclude<ClaimResult, { kind: 'wait' | 'no_seat' }>> {
    // Listening before the first claim: a seat that frees while a claim runs is not missed.
    const named = deps.seats.seatLatch(attemptId);
    try {
      for (;;) {
        const claim = await claimAttempt(deps.db, attemptId, now());
        if (claim.kind === 'wait') {
          Context.current().heartbeat({ attemptId, phase: 'carrier_rate' });
          const paceMs = Math.max(1, Math.min(claim.retryAt.getTime() - now().getTime(), 5_000));
          waited.paceMs += paceMs;
          await delay(paceMs);
        } else if (claim.kind === 'no_seat') {
          Context.current().heartbeat({ attemptId, phase: 'on_deck' });
          waited.onDeckSince ??= Date.now();
          await named.wait(ON_DECK_POLL_MS);
        } else {
          return claim;
        }
      }
    } finally {
      named.close();
    }
  }

  async function dialAttempt(input: DialInput): Promise<DialResult> {
    const { handoff } = input;
    const attemptId = handoff.attemptId;
    const call: CallFields = {
      campaign_id: input.campaignId,
      run_no: input.runNo,
      contact_id: input.contactId,
      attempt_id: attemptId,
    };
    // Looked up before the pacing wait and the claim, so nothing but the ESL write separates the claim
    // from the originate: the carrier counts arrivals, and every delay there jitters the dial rate.
    const endpoint = deps.botEndpoint ? await deps.botEndpoint(input.campaignId) : null;
    const waitMs = Math.min(Date.parse(handoff.dialNotBefore) - now().getTime(), 5_000);
    if (waitMs > 0) await delay(waitMs); // the carrier pacing slot

    const waited = { paceMs: Math.max(0, waitMs), onDeckSince: null as number | null };
    const claim = await claimSeat(attemptId, waited);
    switch (claim.kind) {
      case 'cancelled':
        return { kind: 'cancelled', reason: claim.reason, contactFinal: claim.contactFinal };
      case 'ended':
        return endedFrom(claim.attempt);
      case 'already_sent': {
        const tracker = new CallTracker(now);
        const unwatch = deps.switch.watch(attemptId, (e) => tracker.accept(e));
        try {
          const live = await deps.switch.exists(attemptId).catch(() => false);
          if (!live && !tracker.ended) {
            const answered = claim.attempt.answered_at !== null || claim.attempt.result_at !== null;
            return endedFrom(
              await finish(call, {
                outcome: answered ? 'completed' : 'timeout',
                sipCode: null,
                hangupCause: 'ORI_UNTRACKED',
                answeredAt: claim.attempt.answered_at,
                endedAt: now(),
                ringS: null,
                talkS: claim.attempt.answered_at
                  ? (now().getTime() - claim.attempt.answered_at.getTime()) / 1000
                  : null,
                coreUuid: null,
              }),
            );
          }
          if (claim.attempt.answered_at) tracker.answeredAt = claim.attempt.answered_at;
          return await follow(call, tracker, claim.attempt.started_at ?? now(), true);
        } finally {
          unwatch();
        }
      }
      case 'claimed': {
        observer.pacedFor(call, waited.paceMs);
        const startedAt = now();
        const tracker = new CallTracker(now);
        // Watch before the originate so no event of this call can be missed.
        const unwatch = deps.switch.watch(attemptId, (e) => tracker.accept(e));
        try {
          try {
            await deps.switch.originate({
              uuid: attemptId,
              gateway: handoff.gateway,
              destination: handoff.phone.replace(/^\+/, ''),
              callerIdNumber: handoff.fromNumber.replace(/^\+/, ''),
              timeoutS: timings.ringTimeoutS,
              variables: {
                ori_attempt_id: attemptId,
                ori_campaign_id: input.campaignId,
                ori_run_no: String(input.runNo),
                ori_contact_id: input.contactId,
                'sip_h_X-Attempt-Id': attemptId,
              },
              application: endpoint ? `&bridge(${endpoint})` : '&park()',
            });
            observer.originateSent(call, { onDeckSince: waited.onDeckSince });
          } catch (err) {
            // The command may or may not have reached the switch. If it did, the channel exists (or will
            // report); if not, the dial could not be placed: `error`. Never send it again.
            await delay(500);
            if (!tracker.createdAt && !(await deps.switch.exists(attemptId).catch(() => false))) {
              observer.originateFailed(call, err);
              return endedFrom(
                await finish(call, {
                  outcome: 'error',
                  sipCode: null,
                  hangupCause:
                    `ORI_ORIGINATE_FAILED: ${err instanceof Error ? err.message : String(err)}`.slice(0, 200),
                  answeredAt: null,
                  endedAt: now(),
                  ringS: null,
                  talkS: null,
                  coreUuid: null,
                }),
              );
            }
          }
          return await follow(call, tracker, startedAt, false);
        } finally {
          unwatch();
        }
      }
    }
  }
}
