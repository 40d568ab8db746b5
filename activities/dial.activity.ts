import { Context } from '@temporalio/activity';
import { randomUUID } from 'node:crypto';
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
  keepOnDeck,
  markCallProgress,
  markVoicemailLeft,
  releaseUnplacedAttempt,
  commitToOriginate,
  restampWriteSwitch,
  getAttempt,
  renewLease,
  type CallEnd,
} from '../db/repositories/attempts.repository';
import { hasStoredResult, setResultAwaited } from '../db/repositories/results.repository';
import { findCallEnd } from '../db/repositories/call-journal.repository';
import { liveWorkerIds } from '../db/repositories/worker-presence.repository';
import { classifyCall } from '../policy/outcome';
import { voicemailPlan } from '../policy/voicemail';
import { CallTracker, type ChannelEvent } from './call-tracker';
import { OriginateRequestError, type OriginateRequest } from '../telephony/originate-command';
import { SwitchCommandError, SwitchNotConnectedError } from '../telephony/esl-connection';
import type { SeatNotifier } from './seat-notifier';
import {
  diedWithItsSwitch,
  startFollowing,
  stepFollower,
  type FollowerConfig,
  type FollowerEnd,
  type FollowerState,
} from './dial-follower';
import { OriginatePacer } from './originate-pacer';
import { whileDatabaseAway } from '../db/retry';
import { createDialObserver, type DialObserver } from '../observability/dial-observer';
import { silentLogger, type CallFields } from '../observability/log';

/** What the dial activity needs of the telephony layer (implemented by telephony/switch-client). */
export interface SwitchControl {
  /** An ESL connection is up now (false while connecting or reconnecting). */
  readonly connected: boolean;
  /**
   * Throws SwitchNotConnectedError, before writing anything, when there is no connection: that originate
   * certainly never reached the switch. Any other failure may have come after the write.
   */
  originate(req: OriginateRequest): Promise<{ jobUuid: string }>;
  kill(uuid: string, cause?: string): Promise<boolean>;
  exists(uuid: string): Promise<boolean>;
  /** Any api command's output (`uuid_broadcast` for the voicemail message). */
  api(command: string): Promise<string>;
  watch(uuid: string, listener: (e: ChannelEvent) => void): () => void;
  /** Called after the ESL connection came back (events of the gap are lost). Returns an unsubscribe. */
  onReconnect(listener: () => void): () => void;
  /** The connected switch's Core-UUID, when it told it: another one after a restart. */
  readonly coreUuid?: string | undefined;
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
  /**
   * How long the dial itself waits for an answered call's post-call result (default 30 s, within
   * resultGraceS); the contact workflow waits for whatever is left of the grace.
   */
  resultWaitInDialMs?: number;
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
  /** `heldUntil` (ISO): held by its own hours or the frequency cap, the contact sleeps until then. */
  | { kind: 'cancelled'; reason: string; contactFinal: boolean; heldUntil?: string };

/** Temporal heartbeats of a dial; its heartbeat timeout (workflows/contact.workflow.ts) is a few of these. */
const HEARTBEAT_MS = 1_000;
/** The seat's lease (a Postgres write, DIAL_LEASE_MS long) is renewed this often while the call lives. */
const LEASE_RENEW_MS = 5_000;
/**
 * A dial on deck claims again this often even without a notification: it renews its lease (30 s) and
 * notices a pause, a stop or a suppression (which only need it to give its place back: the claim never
 * dials then). A freed seat names the first in line at once (`ori_deck`), from a call's end or a round.
 */
const ON_DECK_POLL_MS = 5_000;
/** While no ESL connection is up, a dial waits before its claim and looks again this often. */
const SWITCH_WAIT_MS = 1_000;
/** A call the switch no longer has, unseen: how long other workers' journal records may take to land. */
const MISSING_GRACE_MS = 2_000;
/**
 * A retried dial whose first try's worker is still alive may be racing that try's originate (a heartbeat
 * timeout on a busy machine): a call missing this soon after its claim is not yet called untracked.
 */
const CLAIM_RACE_GRACE_MS = 15_000;
/** A call whose start we did not see (reconciling) is checked with the switch after this long. */
const UNCONFIRMED_CHECK_MS = 10_000;
/** How long a dial waits itself for an answered call's post-call result (see `awaitResult`). */
const RESULT_WAIT_IN_DIAL_MS = 30_000;

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
 * on deck, woken by the call that ends, while every seat holds a call, and waiting while no switch is
 * reachable — writes `bgapi originate` at the carrier's reserved moment and follows the call's events to
 * CHANNEL_HANGUP_COMPLETE (dial-follower.ts), heartbeating and renewing the seat. A retried try reconciles
 * instead: a recorded end is returned as is, a live channel is followed again, and a call the switch no
 * longer knows is closed from the call journal (the hangup another worker saw) or, failing that, from what
 * was recorded — it is never placed a second time. An originate that never reached the switch (no
 * connection at the write, or the switch knows nothing of it after the connection came back) is no attempt:
 * the contact goes back to the queue.
 */
export function createDialActivities(deps: {
  db: Db;
  switch: SwitchControl;
  seats: Pick<SeatNotifier, 'seatLatch'>;
  timings: DialTimings;
  botEndpoint?: (campaignId: string) => Promise<string | null>;
  now?: () => Date;
  /** This worker's presence id: recorded on the calls it places, so a retry knows whether it still lives. */
  workerId?: string;
  pacer?: OriginatePacer;
  /** Log lines and metrics of each call (the worker's logger; silent by default). */
  observer?: DialObserver;
}) {
  const now = deps.now ?? (() => new Date());
  const pacer = deps.pacer ?? new OriginatePacer(() => now().getTime());
  const { timings } = deps;
  const observer = deps.observer ?? createDialObserver({ log: silentLogger });
  /** Records the attempt's end, and says so in the log and the dial counters. */
  const finish = async (call: CallFields, end: CallEnd): Promise<Attempt> => {
    const attempt = await finishAttempt(deps.db, call.attempt_id, end);
    observer.ended(call, attempt);
    return attempt;
  };
  /** Dials followed in this process: a retry that lands here while its first try still runs joins it. */
  const inFlight = new Map<string, Promise<DialResult>>();
  const endedFrom = (attempt: Attempt): DialResult => {
    const ended = endedFromAttempt(attempt);
    return timings.resultGraceS === undefined ? ended : { ...ended, resultWaitS: timings.resultGraceS };
  };
  const heartbeat = (details: object): void => Context.current().heartbeat(details);
  /**
   * Postgres restarting while we follow a call is waited out (heartbeating), so the follow goes on and no
   * fact of the call is lost; the writes are idempotent.
   */
  const persist = <T>(attemptId: string, write: () => Promise<T>): Promise<T> =>
    whileDatabaseAway(write, { onWait: () => heartbeat({ attemptId, phase: 'database_away' }) });
  /** Sleeps `ms`, heartbeating: a dial never goes quiet for longer than its heartbeat period. */
  async function pause(ms: number, details: object): Promise<void> {
    for (let left = ms; left > 0; left -= HEARTBEAT_MS) {
      heartbeat(details);
      await delay(Math.min(left, HEARTBEAT_MS));
    }
  }

  interface FollowOptions {
    /** We saw the call's events, or the switch confirmed it. */
    confirmed: boolean;
    /** Ask the switch first (the call's fate is unknown). */
    verify: boolean;
    /** The switch already said it has no such call. */
    missing?: boolean;
    missingMeans: FollowerConfig['missingMeans'];
    missingGraceMs: number;
    startedAt: Date;
  }

  /** Runs the follower's state machine: the I/O it asks for, fed back until it says the following is over. */
  async function follow(attemptId: string, tracker: CallTracker, opts: FollowOptions): Promise<FollowerEnd> {
    const cfg: FollowerConfig = {
      staleAt: opts.startedAt.getTime() + (timings.ringTimeoutS + timings.maxCallS + timings.graceS) * 1000,
      killGraceMs: timings.graceS * 1000,
      jobFailGraceMs: 1_000,
      missingGraceMs: opts.missingGraceMs,
      heartbeatMs: HEARTBEAT_MS,
      leaseMs: LEASE_RENEW_MS,
      journalPollMs: 2_000,
      unconfirmedCheckMs: UNCONFIRMED_CHECK_MS,
      missingMeans: opts.missingMeans,
    };
    let wake: () => void = () => undefined;
    let reconnected = false;
    const unChange = tracker.onChange(() => wake());
    const unReconnect = deps.switch.onReconnect(() => {
      reconnected = true;
      wake();
    });
    let state: FollowerState = startFollowing(now().getTime(), opts);
    let exists: boolean | undefined = opts.missing ? false : undefined;
    let attemptOpen: boolean | undefined;
    try {
      for (;;) {
        const step = stepFollower(
          state,
          {
            now: now().getTime(),
            call: {
              ended: tracker.ended,
              failedWithoutChannel: tracker.failedWithoutChannel,
              started: tracker.createdAt !== null,
              ringing: tracker.ringingAt !== null,
              answered: tracker.answeredAt !== null,
              machine: tracker.machineDetected,
            },
            connected: deps.switch.connected,
            reconnected,
            ...(exists === undefined ? {} : { exists }),
            ...(attemptOpen === undefined ? {} : { attemptOpen }),
          },
          cfg,
        );
        state = step.state;
        reconnected = false;
        exists = undefined;
        attemptOpen = undefined;
        if (step.end) return step.end;
        for (const action of step.actions) {
          switch (action.kind) {
            case 'write_progress': {
              const at =
                action.progress === 'in_progress'
                  ? (tracker.answeredAt ?? now())
                  : (tracker.ringingAt ?? tracker.createdAt ?? now());
              await persist(attemptId, () => markCallProgress(deps.db, attemptId, action.progress, at));
              break;
            }
            case 'heartbeat':
              heartbeat({ attemptId, phase: action.phase });
              break;
            case 'renew_lease':
              attemptOpen = await renewLease(deps.db, attemptId, now()).catch(() => undefined);
              break;
            case 'check_exists':
              exists = await deps.switch.exists(attemptId).catch(() => undefined);
              // No answer (the connection went): ask again once it is back.
              if (exists === undefined) state = { ...state, verify: true };
              // Its answer may have come in the gap we did not see: the switch still knows the verdict.
              if (exists === true) await learnMachine(attemptId, tracker);
              break;
            case 'read_journal': {
              const recorded = await findCallEnd(deps.db, attemptId).catch(() => null);
              if (recorded)
                tracker.adoptRecorded(CallTracker.fromRecordedHangup(recorded.headers, recorded.endedAt));
              break;
            }
            case 'kill':
              await deps.switch.kill(attemptId, 'ALLOTTED_TIMEOUT').catch(() => false);
              break;
            case 'handle_machine':
              // Not done (the database or the switch blinked): asked again at the next step while the
              // call lives, so a machine is never left recording silence.
              if (!(await leaveVoicemailOrHangUp(attemptId))) state = { ...state, machineHandled: false };
              break;
          }
        }
        // An answer to act on at once.
        if (exists !== undefined || attemptOpen === false || tracker.ended) continue;
        const waitMs = Math.max(0, Math.min(step.wakeAt - now().getTime(), HEARTBEAT_MS));
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, waitMs);
        });
      }
    } finally {
      unChange();
      unReconnect();
    }
  }

  /** Records how the following ended and returns what the contact workflow needs. */
  async function close(
    call: CallFields,
    tracker: CallTracker,
    end: FollowerEnd,
    startedAt: Date,
    known: {
      /** The bot's post-call result is stored (the call was a conversation). */
      hadResult?: boolean;
      /** An earlier try recorded the call's progress (its channel existed). */
      progressRecorded?: boolean;
      /** The Core-UUID of the switch the originate was written to. */
      coreAtWrite?: string | null;
    } = {},
  ): Promise<DialResult> {
    const attemptId = call.attempt_id;
    const hadResult = known.hadResult ?? false;
    if (end === 'recorded') {
      const attempt = await getAttempt(deps.db, attemptId);
      if (attempt?.ended_at) return endedFrom(attempt);
    }
    const lostWithSwitch =
      end === 'untracked' &&
      diedWithItsSwitch({
        channelSeen:
          (known.progressRecorded ?? false) ||
          tracker.createdAt !== null ||
          tracker.ringingAt !== null ||
          tracker.answeredAt !== null,
        endKnown: tracker.ended,
        coreAtWrite: known.coreAtWrite ?? null,
        coreNow: deps.switch.coreUuid ?? null,
      });
    if (end === 'not_placed' || lostWithSwitch) {
      await releaseUnplacedAttempt(deps.db, attemptId, now());
      return { kind: 'cancelled', reason: 'switch_unavailable', contactFinal: false };
    }
    const stale = end === 'stale';
    let callEnd: CallEnd;
    if ((end === 'untracked' || stale) && !tracker.ended) {
      // The call ended while nobody could see it (worker loss, ESL gap) and no worker's journal has it, or
      // it never hung up after a kill: stale-state recovery closes it as `timeout`; it was placed, so it is
      // not an `error`. A call seen answered (or with a post-call result) that then ended unseen was a
      // conversation: `completed`, and the bot's result follows.
      callEnd = {
        outcome: !stale && (tracker.answeredAt || hadResult) ? 'completed' : 'timeout',
        sipCode: null,
        hangupCause: stale ? 'ORI_STALE_RECOVERY' : 'ORI_UNTRACKED',
        answeredAt: tracker.answeredAt,
        endedAt: now(),
        ringS: tracker.ringSeconds(startedAt),
        talkS: tracker.answeredAt ? (now().getTime() - tracker.answeredAt.getTime()) / 1000 : null,
        coreUuid: tracker.coreUuid,
      };
    } else {
      callEnd = {
        outcome: classifyCall(tracker.facts({ stale })),
        sipCode: tracker.sipCode(),
        hangupCause: tracker.hangupCause(),
        answeredAt: tracker.answered ? (tracker.answeredAt ?? tracker.hangupAt ?? now()) : null,
        endedAt: tracker.hangupAt ?? now(),
        ringS: tracker.ringSeconds(startedAt),
        talkS: tracker.talkSeconds(),
        coreUuid: tracker.coreUuid,
      };
    }
    // The end is a fact only this activity may have seen: failing here would leave a retry that can only
    // reconcile it from the journal.
    return endedFrom(await persist(attemptId, () => finish(call, callEnd)));
  }

  /**
   * A machine answered: the run's voicemail action. The message is broadcast with its hangup queued behind
   * it (so the switch ends the call when it has played); `voicemail_left` is written once the switch took
   * it. Anything the switch refuses falls back to hanging up: a machine is never left recording silence.
   * False when neither could be done (the database or the switch unreachable): the follower asks again.
   */
  async function leaveVoicemailOrHangUp(attemptId: string): Promise<boolean> {
    try {
      const setting = await persist(attemptId, () => findVoicemailSetting(deps.db, attemptId));
      const plan = voicemailPlan(attemptId, setting);
      if (plan.kind === 'leave_message') {
        const [play, hangUp] = plan.commands;
        // Another try of this dial may have played it already: the message is left once (a second queued
        // hangup behind it is harmless).
        const attempt = await persist(attemptId, () => getAttempt(deps.db, attemptId));
        const played = attempt?.voicemail_left ? '+OK' : await deps.switch.api(play).catch(() => '');
        if (played.startsWith('+OK')) {
          await persist(attemptId, () => markVoicemailLeft(deps.db, attemptId));
          const queued = await deps.switch.api(hangUp).catch(() => '');
          if (queued.startsWith('+OK')) return true;
        }
      }
      await deps.switch.kill(attemptId, 'NORMAL_CLEARING');
      return true;
    } catch {
      return false;
    }
  }

  /**
   * A live call whose answer we did not see (a retried try, or events lost in an ESL gap): detection's
   * verdict is a channel variable, so the switch tells whether a machine answered it.
   */
  async function learnMachine(attemptId: string, tracker: CallTracker): Promise<void> {
    if (tracker.machineDetected || tracker.ended) return;
    const amd = (await deps.switch.api(`uuid_getvar ${attemptId} amd_result`).catch(() => '')).trim();
    if (amd.toUpperCase() !== 'MACHINE') return;
    // The verdict comes with the answer: a machine's channel is answered.
    tracker.answeredAt ??= now();
    tracker.accept({ name: 'CHANNEL_DATA', headers: { variable_amd_result: amd } });
  }

  /** Whether the contact must still wait for this call's post-call result before deciding. */
  const awaitsResult = (r: Extract<DialResult, { kind: 'ended' }>): boolean =>
    r.answered && !r.hasResult && r.outcome === 'completed';

  return {
    async dial(input: DialInput): Promise<DialResult> {
      const attemptId = input.handoff.attemptId;
      let running = inFlight.get(attemptId);
      if (!running) {
        running = dialAttempt(input).finally(() => inFlight.delete(attemptId));
        inFlight.set(attemptId, running);
      } else {
        // A retry while this process still follows the first try (its heartbeats were late): join it.
        const joined = running;
        const beat = setInterval(() => heartbeat({ attemptId, phase: 'joined' }), HEARTBEAT_MS);
        running = joined.finally(() => clearInterval(beat));
      }
      const ended = await running;
      if (ended.kind !== 'ended') return ended;
      const result = awaitsResult(ended) ? await awaitResult(attemptId, ended) : ended;
      if (awaitsResult(result)) return result;
      return { ...result, facts: await loadAttemptFacts(deps.db, input.contactId, attemptId) };
    },
  };

  /**
   * Wait here, heartbeating, for an answered call's post-call result: a bot posts it seconds after the
   * hangup, and heard here (the result API wakes this dial's latch and, seeing `result_awaited`, sends no
   * signal) it costs the contact's history no signal event and no workflow task. Past the wait (30 s, within
   * the result grace) the contact workflow waits for the rest of the grace, as before.
   */
  async function awaitResult(
    attemptId: string,
    ended: Extract<DialResult, { kind: 'ended' }>,
  ): Promise<Extract<DialResult, { kind: 'ended' }>> {
    const graceMs = (ended.resultWaitS ?? Number.POSITIVE_INFINITY) * 1000;
    const limitMs = Math.min(timings.resultWaitInDialMs ?? RESULT_WAIT_IN_DIAL_MS, graceMs);
    if (!(limitMs > 0)) return ended;
    const latch = deps.seats.seatLatch(attemptId);
    const deadline = Date.now() + limitMs;
    let stored = false;
    try {
      stored = await persist(attemptId, () => setResultAwaited(deps.db, attemptId, true));
      while (!stored && Date.now() < deadline) {
        heartbeat({ attemptId, phase: 'awaiting_result' });
        await latch.wait(Math.min(HEARTBEAT_MS, Math.max(1, deadline - Date.now())));
        stored = await persist(attemptId, () => hasStoredResult(deps.db, attemptId));
      }
    } finally {
      latch.close();
      // Cleared under the row lock, reading once more: a result stored from now on is signalled instead.
      stored = (await persist(attemptId, () => setResultAwaited(deps.db, attemptId, false))) || stored;
    }
    if (!stored) return ended;
    // The wait is over for the contact too: what remains of the grace is not waited again.
    return { ...ended, hasResult: true };
  }

  /**
   * Claim until the claim says dial, or never: on deck while every seat holds a call (the call that ends
   * names the first in line), held back by the carrier's rate, or waiting for a switch to be reachable.
   */
  async function claimSeat(
    attemptId: string,
    claimToken: string,
    waited: { paceMs: number; onDeckSince: number | null },
  ): Promise<Exclude<ClaimResult, { kind: 'wait' | 'no_seat' }>> {
    // Listening before the first claim: a seat that frees while a claim runs is not missed.
    const named = deps.seats.seatLatch(attemptId);
    try {
      for (;;) {
        if (!deps.switch.connected) {
          // Nothing can reach the switch: keep the place (an on-deck lease, or a call's seat) and wait.
          const t = now();
          if (!(await keepOnDeck(deps.db, attemptId, t))) await renewLease(deps.db, attemptId, t);
          await pause(SWITCH_WAIT_MS, { attemptId, phase: 'switch_unreachable' });
          continue;
        }
        // An uncapped carrier's claim stamps the write itself, to the switch connected now.
        const claim = await claimAttempt(deps.db, attemptId, now(), deps.workerId ?? null, claimToken, {
          switchCoreUuid: deps.switch.coreUuid ?? null,
        });
        if (claim.kind === 'wait') {
          const paceMs = Math.max(1, Math.min(claim.retryAt.getTime() - now().getTime(), ON_DECK_POLL_MS));
          waited.paceMs += paceMs;
          await pause(paceMs, { attemptId, phase: 'carrier_rate' });
        } else if (claim.kind === 'no_seat') {
          waited.onDeckSince ??= Date.now();
          for (let waited = 0; waited < ON_DECK_POLL_MS; waited += HEARTBEAT_MS) {
            heartbeat({ attemptId, phase: 'on_deck' });
            if (await named.wait(HEARTBEAT_MS)) break;
          }
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
    const waitMs = Date.parse(handoff.dialNotBefore) - now().getTime();
    if (waitMs > 0) await pause(Math.min(waitMs, 5_000), { attemptId, phase: 'carrier_rate' });

    const waited = { paceMs: Math.max(0, Math.min(waitMs, 5_000)), onDeckSince: null as number | null };
    // This try's fence: a claim it makes can be written to the switch by it alone.
    const claim = await claimSeat(attemptId, randomUUID(), waited);
    switch (claim.kind) {
      case 'cancelled':
        return {
          kind: 'cancelled',
          reason: claim.reason,
          contactFinal: claim.contactFinal,
          ...(claim.heldUntil ? { heldUntil: claim.heldUntil.toISOString() } : {}),
        };
      case 'ended':
        return endedFrom(claim.attempt);
      case 'already_sent':
        return reconcile(call, claim.attempt);
      case 'claimed':
        return place(input, call, claim, endpoint, waited);
    }
  }

  /** A retried try: the call was placed by an earlier one. Follow it, or close it from what is known. */
  async function reconcile(call: CallFields, attempt: Attempt): Promise<DialResult> {
    const attemptId = call.attempt_id;
    const startedAt = attempt.started_at ?? now();
    const tracker = new CallTracker(now);
    const unwatch = deps.switch.watch(attemptId, (e) => tracker.accept(e));
    try {
      if (attempt.answered_at) tracker.answeredAt = attempt.answered_at;
      const recorded = await findCallEnd(deps.db, attemptId);
      if (recorded) tracker.adoptRecorded(CallTracker.fromRecordedHangup(recorded.headers, recorded.endedAt));
      const live = tracker.ended ? undefined : await deps.switch.exists(attemptId).catch(() => undefined);
      // The try that placed the call may have seen the machine answer and not acted on it.
      if (live === true) await learnMachine(attemptId, tracker);
      // The try that placed the call may still be alive elsewhere, its originate not yet written.
      const claimer = attempt.dialled_by;
      const claimerAlive =
        claimer !== null && claimer !== deps.workerId && (await liveWorkerIds(deps.db, now())).has(claimer);
      const sinceClaim =
        now().getTime() - (attempt.originate_written_at ?? attempt.originate_sent_at ?? startedAt).getTime();
      const end = await follow(attemptId, tracker, {
        confirmed: live === true,
        verify: live === undefined && !tracker.ended,
        missing: live === false,
        missingMeans: 'untracked',
        missingGraceMs: claimerAlive
          ? Math.max(MISSING_GRACE_MS, CLAIM_RACE_GRACE_MS - sinceClaim)
          : MISSING_GRACE_MS,
        startedAt,
      });
      return await close(call, tracker, end, startedAt, {
        hadResult: attempt.result_at !== null,
        progressRecorded: attempt.status !== 'dialling' || attempt.answered_at !== null,
        coreAtWrite: attempt.originate_core_uuid,
      });
    } finally {
      unwatch();
    }
  }

  /** A first try: write the originate at the carrier's moment and follow the call. */
  async function place(
    input: DialInput,
    call: CallFields,
    claim: Extract<ClaimResult, { kind: 'claimed' }>,
    endpoint: string | null,
    waited: { paceMs: number; onDeckSince: number | null },
  ): Promise<DialResult> {
    const { handoff } = input;
    const attemptId = handoff.attemptId;
    const tracker = new CallTracker(now);
    // Watch before the originate so no event of this call can be missed.
    const unwatch = deps.switch.watch(attemptId, (e) => tracker.accept(e));
    try {
      const turnFrom = now().getTime();
      const endTurn = await pacer.turn(claim.carrierId, claim.originateAt.getTime(), claim.spacingMs);
      let startedAt: Date;
      let sending: Promise<unknown>;
      let coreAtWrite: string | null = null;
      try {
        // A stop or pause that committed while this dial waited for its carrier moment takes it back; a
        // retry that took the claim over (this try was presumed dead) owns the write now.
        coreAtWrite = deps.switch.coreUuid ?? null;
        if (claim.written) {
          // Stamped by the claim, which committed just now with nothing to wait for in between: no second
          // commit, unless the switch changed meanwhile and the stamp must name the new one.
          if (
            claim.written.switchCoreUuid !== coreAtWrite &&
            !(await restampWriteSwitch(deps.db, attemptId, claim.claimToken, coreAtWrite))
          )
            return { kind: 'cancelled', reason: 'superseded', contactFinal: false };
        } else {
          const commit = await commitToOriginate(deps.db, attemptId, claim.claimToken, now(), coreAtWrite);
          if (commit.kind === 'withdrawn')
            return { kind: 'cancelled', reason: commit.reason, contactFinal: commit.contactFinal };
          if (commit.kind === 'superseded')
            return { kind: 'cancelled', reason: 'superseded', contactFinal: false };
        }
        startedAt = now();
        // The command is written to the socket before `originate` first yields, so nothing lies between
        // the stamp above and the write, and the carrier's next write is spaced from this very moment.
        sending = deps.switch.originate({
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
        endTurn(startedAt.getTime());
      } finally {
        endTurn(null);
      }
      observer.pacedFor(call, waited.paceMs + (startedAt.getTime() - turnFrom));
      let failure: unknown = null;
      try {
        await sending;
        observer.originateSent(call, { onDeckSince: waited.onDeckSince });
      } catch (err) {
        failure = err;
      }
      if (failure instanceof SwitchNotConnectedError) {
        // Refused before anything was written: the switch never saw it, so it is no attempt.
        await releaseUnplacedAttempt(deps.db, attemptId, now());
        return { kind: 'cancelled', reason: 'switch_unavailable', contactFinal: false };
      }
      if (failure instanceof SwitchCommandError || failure instanceof OriginateRequestError) {
        // The switch (or the dial string) refused this call: the dial could not be placed, `error`.
        observer.originateFailed(call, failure);
        return endedFrom(
          await finish(call, {
            outcome: 'error',
            sipCode: null,
            hangupCause:
              `ORI_ORIGINATE_FAILED: ${failure instanceof Error ? failure.message : String(failure)}`.slice(
                0,
                200,
              ),
            answeredAt: null,
            endedAt: now(),
            ringS: null,
            talkS: null,
            coreUuid: null,
          }),
        );
      }
      // Written, but the connection went before the reply: it may or may not have reached the switch.
      // After the reconnect the switch (uuid_exists), the job's broadcast result or the journal tells;
      // if none knows it, it never got there and the contact goes back to the queue. Never sent again.
      const end = await follow(attemptId, tracker, {
        confirmed: false,
        verify: failure !== null,
        missingMeans: failure !== null ? 'not_placed' : 'untracked',
        missingGraceMs: MISSING_GRACE_MS,
        startedAt,
      });
      return await close(call, tracker, end, startedAt, { coreAtWrite });
    } finally {
      unwatch();
    }
  }
}
