import { randomUUID } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { Db } from '../connection';
import type { Attempt, Database } from '../schema';
import type { ContactState } from '../../policy/contact-state';
import type { AttemptFacts, ContactStep } from '../../policy/after-attempt';
import type { Outcome } from '../../policy/outcome';
import { voicemailOf, type VoicemailSetting } from '../../policy/campaign-config';
import { dialGate, isCalendarBlock, type DialRunState } from '../../policy/dial-gate';
import { originateSpacingMs } from '../../policy/admission';
import { capWindowMs, type FrequencyCap } from '../../policy/frequency-cap';
import { contactTimezones } from '../../policy/contact-timezone';
import { getSettings, placedDialsSince } from './settings.repository';

/**
 * The engine's side of an attempt's life: claim the leased seat right before the originate (the single
 * gate where suppression, pause and the calling window are checked again), follow the call, end it.
 */

/** A dialling seat's lease, renewed by the dial activity's heartbeat. */
export const DIAL_LEASE_MS = 90_000;
/**
 * An attempt leased but not dialled (on deck) expires after this: a lost hand-off or a dead worker can
 * never hold a place. A dial activity waiting on deck renews it with every claim it tries.
 */
export const UNCLAIMED_LEASE_MS = 30_000;
/**
 * The carrier counts originates as they arrive, and arrivals jitter behind our writes (the worker's and
 * the switch's event loops, the network): consecutive originates of one carrier are written at least
 * 1000/cps ms × (1 + this) apart (policy `originateSpacingMs`), so cps + 1 arrivals never fit in one second
 * unless the first of them is late by a quarter of a second more than the last. 0.15 was not enough on a
 * loaded 2-core machine (the simulator's own event loop stamping arrivals late in bursts).
 */
export const ORIGINATE_GUARD = 0.25;
/** How far ahead a claim may reserve its carrier's next write moment; beyond it, it comes back later. */
const ORIGINATE_AHEAD_MS = 1_000;

export type ClaimResult =
  /**
   * Dial: write the originate at `originateAt` (not before), and at least `spacingMs` after this worker's
   * previous originate of the same carrier (`carrierId`); no spacing when the carrier is uncapped.
   */
  | {
      kind: 'claimed';
      originateAt: Date;
      carrierId: string | null;
      spacingMs: number | null;
      /** This try's fence: only a write stamped under it (by this claim, or `commitToOriginate`) goes out. */
      claimToken: string;
      /**
       * The write is already stamped, as `commitToOriginate` would stamp it, to the switch named here: the
       * caller asked for it (`writeAtOnce`) and nothing stands between this claim and its write (an uncapped
       * carrier). Null: stamp it with `commitToOriginate` at the carrier's moment.
       */
      written: { switchCoreUuid: string | null } | null;
    }
  /** Every seat holds a call or is owed to a contact ahead on deck: wait, and claim again when one frees. */
  | { kind: 'no_seat' }
  /** An earlier try of this activity was about to write, or wrote, the originate: reconcile, never re-dial. */
  | { kind: 'already_sent'; attempt: Attempt }
  | { kind: 'ended'; attempt: Attempt }
  /** The carrier already sent its `cps_limit` originates in the last second: claim again at `retryAt`. */
  | { kind: 'wait'; retryAt: Date }
  /**
   * Not dialled: the seat went back (paused, outside the window, suppressed, stopped, lease lost). Held by a
   * rule with a time of its own (the contact's recipient hours, the frequency cap): `heldUntil`, when its
   * workflow marks it ready again.
   */
  | { kind: 'cancelled'; reason: string; contactFinal: boolean; heldUntil?: Date };

/**
 * A leased seat that was never dialled goes back: the attempt never happened, so the contact's attempt
 * count is restored and it waits for admission again (pending, or retry_scheduled after earlier dials).
 */
export async function returnSeats(
  tx: Transaction<Database>,
  contactIds: readonly string[],
  now: Date,
): Promise<void> {
  if (contactIds.length === 0) return;
  await tx
    .updateTable('contacts')
    .set((eb) => ({
      attempts: eb('attempts', '-', 1),
      ready_at: now,
      state: sql`case when attempts <= 1 then 'pending' else 'retry_scheduled' end`,
      updated_at: now,
    }))
    .where('id', 'in', [...contactIds])
    .where('final_at', 'is', null)
    .execute();
}

/** How a run's stop finalises a contact it caught waiting: its single-day window ended, or it was stopped. */
function stoppedState(completionReason: string | null): ContactState {
  return completionReason === 'window_ended' ? 'window_closed' : 'manually_stopped';
}

/**
 * A contact whose claimed attempt never reached the switch ends here (excluded, or caught by its run's
 * stop). Never dialled in this attempt, its count goes back as for a seat returned; an exclusion leaves
 * the count as it is.
 */
async function finaliseUndialled(
  tx: Transaction<Database>,
  contactId: string,
  state: ContactState,
  now: Date,
): Promise<void> {
  await tx
    .updateTable('contacts')
    .set((eb) => ({
      state,
      ready_at: null,
      final_at: now,
      updated_at: now,
      ...(state === 'excluded' ? {} : { attempts: eb('attempts', '-', 1) }),
    }))
    .where('id', '=', contactId)
    .where('final_at', 'is', null)
    .execute();
}

/**
 * The frequency cap's facts for a claim: the cap and the dials placed to the number in its window. Taken
 * under the number's own lock, held to the end of the claim's transaction: two campaigns claiming the same
 * number at once are serialised here, so the second counts the first's originate (marked in the same
 * transaction) and the cap holds across campaigns and workers. Null when no cap is set (no lock taken).
 */
async function frequencyFacts(
  tx: Transaction<Database>,
  phone: string,
  now: Date,
): Promise<{ cap: FrequencyCap; placedAt: Date[] } | null> {
  const { frequency_cap: cap } = await getSettings(tx);
  if (!cap) return null;
  await sql`select pg_advisory_xact_lock(hashtextextended(${`ori:number:${phone}`}::text, 0))`.execute(tx);
  return { cap, placedAt: await placedDialsSince(tx, phone, new Date(now.getTime() - capWindowMs(cap))) };
}

/**
 * A contact held back by a rule with a time of its own (its recipient hours, the frequency cap): its seat
 * goes back and it waits (`pending` or `retry_scheduled`, never failed) on its workflow's own durable timer
 * until `until`, when the workflow marks it ready for admission again — not ready before, so no admission
 * round leases it in the meantime. `held_by` says why to the live panel, the call list and diagnose.
 */
async function holdContact(
  tx: Transaction<Database>,
  contactId: string,
  heldBy: string,
  until: Date,
  now: Date,
): Promise<void> {
  await tx
    .updateTable('contacts')
    .set((eb) => ({
      attempts: eb('attempts', '-', 1),
      ready_at: null,
      next_due_at: until,
      held_by: heldBy,
      state: sql`case when attempts <= 1 then 'pending' else 'retry_scheduled' end`,
      updated_at: now,
    }))
    .where('id', '=', contactId)
    .where('final_at', 'is', null)
    .execute();
}

/**
 * The carrier's rate, enforced where it matters — on the originates written to the switch. Under the
 * carrier row's lock the claim takes the carrier's next write moment (its cursor, `next_originate_at`) and
 * moves the cursor on by the spacing; the dial writes its originate at that moment, not before. A moment
 * more than ORIGINATE_AHEAD_MS out is not taken: the claim comes back then (`retryAt`).
 */
async function reserveOriginate(
  tx: Transaction<Database>,
  carrierId: string | null,
  now: Date,
): Promise<{ at: Date; spacingMs: number | null } | { retryAt: Date }> {
  if (!carrierId) return { at: now, spacingMs: null };
  const carrier = await tx
    .selectFrom('carriers')
    .select(['cps_limit', 'next_originate_at'])
    .where('id', '=', carrierId)
    .forUpdate()
    .executeTakeFirst();
  const spacingMs = originateSpacingMs(carrier?.cps_limit, ORIGINATE_GUARD);
  if (spacingMs === null) return { at: now, spacingMs: null };
  const at = Math.max(now.getTime(), carrier?.next_originate_at?.getTime() ?? 0);
  if (at - now.getTime() > ORIGINATE_AHEAD_MS) return { retryAt: new Date(at - ORIGINATE_AHEAD_MS) };
  await tx
    .updateTable('carriers')
    .set({ next_originate_at: new Date(at + spacingMs) })
    .where('id', '=', carrierId)
    .execute();
  return { at: new Date(at), spacingMs };
}

/** Calls holding a seat: originated, not ended, their lease alive (a dead worker's call frees its seat). */
async function seatsTaken(tx: Transaction<Database>, campaignId: string, now: Date): Promise<number> {
  const row = await tx
    .selectFrom('attempts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('campaign_id', '=', campaignId)
    .where('ended_at', 'is', null)
    .where('status', '!=', 'leased')
    .where('lease_expires_at', '>', now)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Contacts on deck ahead of this attempt: better admission priority, then pass, then leased earlier. */
async function aheadOnDeck(tx: Transaction<Database>, attempt: Attempt, now: Date): Promise<number> {
  const row = await tx
    .selectFrom('attempts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('campaign_id', '=', attempt.campaign_id)
    .where('status', '=', 'leased')
    .where('ended_at', 'is', null)
    .where('lease_expires_at', '>', now)
    .where(
      sql<boolean>`(admit_priority, pass, queue_seq) < (${attempt.admit_priority}, ${attempt.pass}, ${attempt.queue_seq}::bigint)`,
    )
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Namespaces the claim's advisory lock key (hashed with the campaign id). */
const CLAIM_LOCK_PREFIX = 'ori-claim:';

/**
 * The campaign's claim lock (transaction-scoped). Claims serialise on it; a pause or a stop takes it too,
 * so a claim either commits before the status change (its call is in flight and finishes) or sees it (it
 * never dials). Without it a claim that read `running` just before a stop committed still dialled, and
 * its contact, finalised by the stop as waiting, ended `manually_stopped` although it was called.
 */
export async function lockCampaignClaims(tx: Transaction<Database>, campaignId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${CLAIM_LOCK_PREFIX + campaignId}, 0))`.execute(tx);
}

/** How many of the first in line on deck a freed seat wakes at most (the rest poll). */
const WAKE_AT_MOST = 5;

/**
 * Wake the first in line on deck, one per free seat up to WAKE_AT_MOST (NOTIFY `ori_deck`, payload the
 * attempt id; the dial activity waiting on deck listens for its own id). Called when a call ends, by every
 * admission round (a raised concurrency or an expired seat frees seats without a call ending) and by a
 * claim that leaves seats free, so a burst of ends is drained in a chain rather than by the 5-second poll.
 */
export async function wakeFirstOnDeck(
  tx: Transaction<Database>,
  campaignId: string,
  now: Date,
  /** What the caller already read in this transaction; the rest is read here. */
  known: { concurrency?: number; callsUp?: number } = {},
): Promise<void> {
  let concurrency = known.concurrency;
  if (concurrency === undefined) {
    const campaign = await tx
      .selectFrom('campaigns')
      .select('config')
      .where('id', '=', campaignId)
      .executeTakeFirst();
    if (!campaign) return;
    concurrency = campaign.config.concurrency;
  }
  const free = concurrency - (known.callsUp ?? (await seatsTaken(tx, campaignId, now)));
  if (free <= 0) return;
  const first = await tx
    .selectFrom('attempts')
    .select('attempt_id')
    .where('campaign_id', '=', campaignId)
    .where('status', '=', 'leased')
    .where('ended_at', 'is', null)
    .where('lease_expires_at', '>', now)
    .orderBy('admit_priority')
    .orderBy('pass')
    .orderBy('queue_seq')
    .limit(Math.min(free, WAKE_AT_MOST))
    .execute();
  for (const a of first) await sql`select pg_notify('ori_deck', ${a.attempt_id})`.execute(tx);
}

export type OriginateCommit =
  /** Write now: from this moment the call may exist on the switch, and a retry only ever reconciles it. */
  | { kind: 'write' }
  /** A stop or pause committed while the dial waited for its carrier moment: the seat was taken back. */
  | { kind: 'withdrawn'; reason: string; contactFinal: boolean }
  /** Another try of this dial took the claim over (this one was presumed dead): it must not write. */
  | { kind: 'superseded' };

/**
 * A write its claim stamped (`writeAtOnce`) whose switch changed before the write went out (the connection
 * came back to a restarted switch while the claim committed): the stamp must name the switch that takes the
 * write, because a follower that finds the named switch gone releases the attempt as never placed. False when
 * another try took the claim over meanwhile: then this one must not write.
 */
export async function restampWriteSwitch(
  db: Db,
  attemptId: string,
  claimToken: string,
  switchCoreUuid: string | null,
): Promise<boolean> {
  const row = await db
    .updateTable('attempts')
    .set({ originate_core_uuid: switchCoreUuid })
    .where('attempt_id', '=', attemptId)
    .where('claim_token', '=', claimToken)
    .where('ended_at', 'is', null)
    .returning('attempt_id')
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * The last step before the ESL write of a claim that did not stamp it itself (a capped carrier, whose
 * moment may lie ahead), right after the carrier's moment came: in one transaction, under
 * the campaign's claim lock, a run that stopped or paused meanwhile takes the seat back (the call never
 * went out), and otherwise the claiming try — and only it, by its token — stamps `originate_written_at`.
 * A worker that dies before this stamp never reached the switch: a retry of its dial claims again and
 * places the call. One that dies after it may have: a retry reconciles and never writes again.
 */
export async function commitToOriginate(
  db: Db,
  attemptId: string,
  claimToken: string,
  now: Date,
  /** The Core-UUID of the switch about to take the write, when known. */
  switchCoreUuid: string | null = null,
): Promise<OriginateCommit> {
  return db.transaction().execute(async (tx) => {
    const attempt = await tx
      .selectFrom('attempts')
      .select(['campaign_id', 'contact_id', 'run_no'])
      .where('attempt_id', '=', attemptId)
      .where('ended_at', 'is', null)
      .executeTakeFirst();
    if (!attempt) return { kind: 'superseded' };
    await lockCampaignClaims(tx, attempt.campaign_id);
    const campaign = await tx
      .selectFrom('campaigns')
      .select(['status', 'run_no', 'completion_reason'])
      .where('id', '=', attempt.campaign_id)
      .executeTakeFirstOrThrow();
    if (campaign.status === 'running' && campaign.run_no === attempt.run_no) {
      const stamped = await tx
        .updateTable('attempts')
        .set({ originate_written_at: now, originate_core_uuid: switchCoreUuid })
        .where('attempt_id', '=', attemptId)
        .where('claim_token', '=', claimToken)
        .where('originate_written_at', 'is', null)
        .where('ended_at', 'is', null)
        .returning('attempt_id')
        .executeTakeFirst();
      return stamped ? { kind: 'write' } : { kind: 'superseded' };
    }
    const gone = await tx
      .deleteFrom('attempts')
      .where('attempt_id', '=', attemptId)
      .where('claim_token', '=', claimToken)
      .where('originate_written_at', 'is', null)
      .returning('attempt_id')
      .executeTakeFirst();
    if (!gone) return { kind: 'superseded' };
    const ended = campaign.run_no !== attempt.run_no || ['completed', 'failed'].includes(campaign.status);
    if (!ended) {
      await returnSeats(tx, [attempt.contact_id], now);
      return { kind: 'withdrawn', reason: `campaign_${campaign.status}`, contactFinal: false };
    }
    await finaliseUndialled(tx, attempt.contact_id, stoppedState(campaign.completion_reason), now);
    return { kind: 'withdrawn', reason: `campaign_${campaign.status}`, contactFinal: true };
  });
}

/**
 * Claim a leased attempt for dialling: take a seat and its carrier moment (`originate_sent_at`). Everything that may forbid
 * a dial — suppression, pause, stop, the window, the seat budget, the carrier's rate — is checked in the
 * same transaction, so a dial happens at most once and only when allowed. A transaction-scoped advisory
 * lock per campaign serialises its claims, so two claims never take the last seat; admission, which only
 * adds and removes contacts on deck, does not hold them up.
 */
export async function claimAttempt(
  db: Db,
  attemptId: string,
  now: Date,
  /** The claiming worker (worker_presence id), recorded as `dialled_by`. */
  workerId: string | null = null,
  /** This try's fence (a fresh one per try of the dial activity). */
  claimToken: string = randomUUID(),
  /**
   * Given by a caller that writes the originate the moment the claim commits, with the switch it writes to:
   * when the carrier needs no spacing, the claim stamps the write itself — after the same checks, under the
   * same lock, in the same transaction as `commitToOriginate` would — and spares the dial a second commit.
   */
  writeAtOnce?: { switchCoreUuid: string | null },
): Promise<ClaimResult> {
  return db.transaction().execute(async (tx) => {
    const owner = await tx
      .selectFrom('attempts')
      .select('campaign_id')
      .where('attempt_id', '=', attemptId)
      .executeTakeFirst();
    if (!owner) return { kind: 'cancelled', reason: 'lease_lost', contactFinal: false };
    // The campaign's claim lock first, then the attempt. Not the campaign row's lock: admission holds that
    // for its whole round, and a freed seat's claim would wait behind the round the same call end woke.
    await lockCampaignClaims(tx, owner.campaign_id);
    const campaign = await tx
      .selectFrom('campaigns')
      .select(['status', 'run_no', 'config', 'completion_reason'])
      .where('id', '=', owner.campaign_id)
      .executeTakeFirstOrThrow();
    const attempt = await tx
      .selectFrom('attempts')
      .selectAll()
      .where('attempt_id', '=', attemptId)
      .forUpdate()
      .executeTakeFirst();
    if (!attempt) return { kind: 'cancelled', reason: 'lease_lost', contactFinal: false };
    if (attempt.ended_at) return { kind: 'ended', attempt };
    if (attempt.originate_written_at) return { kind: 'already_sent', attempt };
    if (attempt.originate_sent_at) {
      // Claimed by a try that never wrote the originate: it died (or stalled) before reaching the switch.
      // Its claim is taken back here and this try claims afresh — the gate, a seat, a new carrier moment —
      // and the old try, its token gone, can no longer write.
      await tx
        .updateTable('attempts')
        .set({
          status: 'leased',
          originate_sent_at: null,
          started_at: null,
          dialled_by: null,
          claim_token: null,
        })
        .where('attempt_id', '=', attemptId)
        .execute();
      attempt.status = 'leased';
      attempt.originate_sent_at = null;
    }
    const contact = await tx
      .selectFrom('contacts')
      .select(['excluded_at', 'final_at', 'state', 'metadata', 'timezones'])
      .where('id', '=', attempt.contact_id)
      .executeTakeFirstOrThrow();
    const optedOut = await tx
      .selectFrom('opt_outs')
      .select('phone')
      .where('phone', '=', attempt.phone)
      .executeTakeFirst();
    const frequency = await frequencyFacts(tx, attempt.phone, now);

    const sameRun = campaign.run_no === attempt.run_no;
    const runState: DialRunState =
      sameRun && ['completed', 'failed'].includes(campaign.status)
        ? 'ended'
        : sameRun && campaign.status === 'running'
          ? 'running'
          : sameRun && campaign.status === 'paused'
            ? 'paused'
            : 'not_running';
    const verdict = dialGate({
      campaign: campaign.config,
      run: { state: runState },
      contact: {
        suppressed: contact.excluded_at !== null || optedOut !== undefined,
        final: !!contact.final_at,
        timezones: contactTimezones(contact.timezones, contact.metadata, campaign.config.window.timezone),
        ...(frequency ? { frequency } : {}),
      },
      now,
    });
    let reason: string | null = null;
    let contactState: ContactState | null = null;
    /** A hold with its own time: the contact waits, not failed, and is admitted again from `until`. */
    let heldUntil: Date | null = null;
    if (verdict.allowed) {
      // dial
    } else if (verdict.reason === 'suppressed') {
      reason = 'suppressed';
      contactState = 'excluded';
    } else if (verdict.reason === 'contact_final') {
      reason = 'contact_final';
    } else if (verdict.reason === 'run_ended') {
      // The run ended (stopped, single-day window closed) while this seat waited for its carrier slot: the
      // stop and the window close only finalise waiting contacts, so this one is finalised here. Put back
      // to waiting, it stayed open forever in a completed campaign and its workflow never ended.
      reason = `campaign_${campaign.status}`;
      contactState = stoppedState(campaign.completion_reason);
    } else if (isCalendarBlock(verdict)) {
      reason = 'outside_window';
    } else if (verdict.reason === 'frequency_cap' || verdict.reason === 'outside_recipient_hours') {
      // Zones whose hours never meet the campaign's window give no opening: look again in a day.
      reason = verdict.reason === 'frequency_cap' ? 'frequency_cap' : 'recipient_hours';
      heldUntil = verdict.until ?? new Date(now.getTime() + 24 * 3_600_000);
    } else {
      // paused, or not this run: the seat goes back (the reason names the campaign's status, as the
      // contact workflow reports it)
      reason = `campaign_${campaign.status}`;
    }

    if (reason !== null) {
      await tx.deleteFrom('attempts').where('attempt_id', '=', attemptId).execute();
      const finalState = contactState;
      if (finalState !== null) {
        await finaliseUndialled(tx, attempt.contact_id, finalState, now);
      } else if (heldUntil && !contact.final_at) {
        await holdContact(tx, attempt.contact_id, reason, heldUntil, now);
      } else if (!contact.final_at) {
        await returnSeats(tx, [attempt.contact_id], now);
      }
      const contactFinal = finalState !== null || contact.final_at !== null;
      return {
        kind: 'cancelled',
        reason,
        contactFinal,
        ...(heldUntil && !contactFinal ? { heldUntil } : {}),
      };
    }

    // A seat is free for this contact only once every contact ahead of it on deck has one too: freed seats
    // go in admission order (a due callback before fresh contacts before retries), whoever claims first.
    const calls = await seatsTaken(tx, attempt.campaign_id, now);
    const seatFree = calls + (await aheadOnDeck(tx, attempt, now)) < campaign.config.concurrency;
    const slot = seatFree ? await reserveOriginate(tx, attempt.carrier_id, now) : null;
    const retryAt = slot && 'retryAt' in slot ? slot.retryAt : null;
    if (!slot || retryAt) {
      // On deck: keep the place (the lease) while this dial waits for a seat or its carrier's rate.
      await tx
        .updateTable('attempts')
        .set({ lease_expires_at: new Date(now.getTime() + UNCLAIMED_LEASE_MS), handed_off_at: now })
        .where('attempt_id', '=', attemptId)
        .execute();
      return retryAt ? { kind: 'wait', retryAt } : { kind: 'no_seat' };
    }
    const originateAt = 'at' in slot ? slot.at : now;
    const spacingMs = 'spacingMs' in slot ? slot.spacingMs : null;
    // Uncapped: no carrier moment to wait for, so the write follows this commit at once.
    const written = writeAtOnce && spacingMs === null ? { switchCoreUuid: writeAtOnce.switchCoreUuid } : null;

    await tx
      .updateTable('attempts')
      .set({
        status: 'dialling',
        originate_sent_at: originateAt,
        started_at: originateAt,
        lease_expires_at: new Date(now.getTime() + DIAL_LEASE_MS),
        dialled_by: workerId,
        claim_token: claimToken,
        ...(written ? { originate_written_at: now, originate_core_uuid: written.switchCoreUuid } : {}),
      })
      .where('attempt_id', '=', attemptId)
      .execute();
    await tx
      .updateTable('contacts')
      .set({ state: 'dialling', held_by: null, updated_at: now })
      .where('id', '=', attempt.contact_id)
      .where('run_no', '=', attempt.run_no)
      .where('final_at', 'is', null)
      .execute();
    await wakeFirstOnDeck(tx, attempt.campaign_id, now, {
      concurrency: campaign.config.concurrency,
      callsUp: calls + 1,
    });
    return { kind: 'claimed', originateAt, carrierId: attempt.carrier_id, spacingMs, claimToken, written };
  });
}

/**
 * A claimed call that never reached the switch (no ESL connection at the moment of the write, or the switch
 * knows nothing of it after the connection came back): it is not an attempt. The row goes, the contact's
 * attempt count is restored and it waits for admission again, as for a seat returned from the deck.
 */
export async function releaseUnplacedAttempt(db: Db, attemptId: string, now: Date): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const gone = await tx
      .deleteFrom('attempts')
      .where('attempt_id', '=', attemptId)
      .where('ended_at', 'is', null)
      .returning(['contact_id', 'campaign_id'])
      .executeTakeFirst();
    if (!gone) return false;
    await returnSeats(tx, [gone.contact_id], now);
    await wakeFirstOnDeck(tx, gone.campaign_id, now);
    await sql`select pg_notify('ori_seats', ${gone.campaign_id})`.execute(tx);
    return true;
  });
}

/** A dial on deck that cannot claim now (no switch) keeps its place: its lease is renewed. */
export async function keepOnDeck(db: Db, attemptId: string, now: Date): Promise<boolean> {
  const row = await db
    .updateTable('attempts')
    .set({ lease_expires_at: new Date(now.getTime() + UNCLAIMED_LEASE_MS) })
    .where('attempt_id', '=', attemptId)
    .where('status', '=', 'leased')
    .where('ended_at', 'is', null)
    .where('lease_expires_at', '>', now)
    .returning('attempt_id')
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Keep the seat while the call lives (called from the dial activity's heartbeat). False when the attempt
 * has ended meanwhile — another try of the same dial recorded it — or is gone.
 */
export async function renewLease(db: Db, attemptId: string, now: Date): Promise<boolean> {
  const row = await db
    .updateTable('attempts')
    .set({ lease_expires_at: new Date(now.getTime() + DIAL_LEASE_MS) })
    .where('attempt_id', '=', attemptId)
    .where('ended_at', 'is', null)
    .returning('attempt_id')
    .executeTakeFirst();
  return row !== undefined;
}

/** The voicemail message went to the machine on this call (written when the switch accepted it). */
export async function markVoicemailLeft(db: Db, attemptId: string): Promise<void> {
  await db
    .updateTable('attempts')
    .set({ voicemail_left: true })
    .where('attempt_id', '=', attemptId)
    .execute();
}

/** The voicemail setting of the attempt's run, from its config snapshot (older snapshots have none: hang up). */
export async function findVoicemailSetting(db: Db, attemptId: string): Promise<VoicemailSetting> {
  const run = await db
    .selectFrom('attempts')
    .innerJoin('campaign_runs', (j) =>
      j
        .onRef('campaign_runs.campaign_id', '=', 'attempts.campaign_id')
        .onRef('campaign_runs.run_no', '=', 'attempts.run_no'),
    )
    .select('campaign_runs.config')
    .where('attempts.attempt_id', '=', attemptId)
    .executeTakeFirst();
  return voicemailOf(run?.config ?? {});
}

/** The call's progress as the switch reports it: attempt status and the contact's in-flight state. */
export async function markCallProgress(
  db: Db,
  attemptId: string,
  phase: 'ringing' | 'in_progress',
  at: Date,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const updated = await tx
      .updateTable('attempts')
      .set(phase === 'in_progress' ? { status: 'in_progress', answered_at: at } : { status: 'ringing' })
      .where('attempt_id', '=', attemptId)
      .where('ended_at', 'is', null)
      .returning(['contact_id', 'run_no'])
      .executeTakeFirst();
    if (!updated) return;
    await tx
      .updateTable('contacts')
      .set({ state: phase, updated_at: at })
      .where('id', '=', updated.contact_id)
      .where('run_no', '=', updated.run_no)
      .where('final_at', 'is', null)
      .execute();
  });
}

export interface CallEnd {
  outcome: Outcome;
  sipCode: number | null;
  hangupCause: string | null;
  answeredAt: Date | null;
  endedAt: Date;
  ringS: number | null;
  talkS: number | null;
  coreUuid: string | null;
}

/**
 * Record how the call ended and free its seat. Idempotent: the first recorded end wins, so a retried
 * activity that re-observes the hangup cannot rewrite it. Wakes the first contact on deck and admission.
 */
export async function finishAttempt(db: Db, attemptId: string, end: CallEnd): Promise<Attempt> {
  return db.transaction().execute(async (tx) => {
    await tx
      .updateTable('attempts')
      .set({
        status: 'ended',
        outcome: end.outcome,
        sip_code: end.sipCode,
        hangup_cause: end.hangupCause,
        answered_at: end.answeredAt,
        ended_at: end.endedAt,
        ring_s: end.ringS,
        talk_s: end.talkS,
        core_uuid: end.coreUuid,
      })
      .where('attempt_id', '=', attemptId)
      .where('ended_at', 'is', null)
      .execute();
    const attempt = await tx
      .selectFrom('attempts')
      .selectAll()
      .where('attempt_id', '=', attemptId)
      .executeTakeFirstOrThrow();
    // A seat freed: the first on deck takes it, and admission puts the next contact on deck.
    await wakeFirstOnDeck(tx, attempt.campaign_id, end.endedAt);
    await sql`select pg_notify('ori_seats', ${attempt.campaign_id})`.execute(tx);
    return attempt;
  });
}

export async function getAttempt(db: Db, attemptId: string): Promise<Attempt | undefined> {
  return db.selectFrom('attempts').selectAll().where('attempt_id', '=', attemptId).executeTakeFirst();
}

export async function loadAttemptFacts(
  db: Db,
  contactId: string,
  attemptId: string | null,
): Promise<AttemptFacts> {
  const contact = await db
    .selectFrom('contacts')
    .innerJoin('campaigns', 'campaigns.id', 'contacts.campaign_id')
    .leftJoin('bots', 'bots.id', 'campaigns.bot_id')
    .select([
      'contacts.phones',
      'contacts.attempts',
      'contacts.pass',
      'contacts.phone_index',
      'contacts.excluded_at',
      'contacts.final_at',
      'contacts.reached_phone_index',
      'contacts.redials_stopped',
      'contacts.timezones',
      'contacts.metadata',
      'campaigns.config',
      'campaigns.status',
      'campaigns.run_no',
      'campaigns.completion_reason',
      'bots.callback_enabled',
    ])
    .where('contacts.id', '=', contactId)
    .executeTakeFirstOrThrow();
  const attempt = attemptId ? await getAttempt(db, attemptId) : undefined;
  const phone = attempt?.phone ?? contact.phones[contact.phone_index] ?? contact.phones[0] ?? '';
  const optedOut = await db
    .selectFrom('opt_outs')
    .select('phone')
    .where('phone', '=', phone)
    .executeTakeFirst();
  const passHistory = attempt
    ? await db
        .selectFrom('attempts')
        .select(['outcome', 'talk_s', 'disposition', 'turns'])
        .where('contact_id', '=', contactId)
        .where('run_no', '=', attempt.run_no)
        .where('pass', '=', attempt.pass)
        .where('attempt_no', '<', attempt.attempt_no)
        .where('ended_at', 'is not', null)
        .orderBy('attempt_no')
        .execute()
    : [];
  return {
    config: contact.config,
    botCallbackEnabled: contact.callback_enabled ?? false,
    campaignStatus: contact.status,
    campaignRunNo: contact.run_no,
    completionReason: contact.completion_reason,
    contact: {
      phones: contact.phones,
      attempts: contact.attempts,
      pass: contact.pass,
      phoneIndex: contact.phone_index,
      excluded: contact.excluded_at !== null,
      optedOut: optedOut !== undefined,
      final: contact.final_at !== null,
      reachedPhoneIndex: contact.reached_phone_index,
      redialsStopped: contact.redials_stopped,
      timezones: contactTimezones(contact.timezones, contact.metadata, contact.config.window.timezone),
      passHistory: passHistory.map((a) => ({
        outcome: (a.outcome ?? 'error') as Outcome,
        talkS: a.talk_s,
        disposition: a.disposition,
        turns: a.turns,
      })),
    },
    last:
      attempt && attempt.ended_at
        ? {
            attemptId: attempt.attempt_id,
            outcome: (attempt.outcome ?? 'error') as Outcome,
            talkS: attempt.talk_s,
            disposition: attempt.disposition,
            turns: attempt.turns,
            callbackAt: attempt.callback_at ? attempt.callback_at.toISOString() : null,
            endedAt: attempt.ended_at.toISOString(),
            hasResult: attempt.result_at !== null,
          }
        : null,
  };
}

/**
 * Every write a contact workflow makes is fenced by its run: after stop → restart → start, a call of the
 * old run that is still finishing must not touch the contact the new run has reset.
 */
export async function recordContactStep(
  db: Db,
  contactId: string,
  runNo: number,
  step: ContactStep,
  lastSipCode: number | null,
  now: Date,
): Promise<void> {
  const common = {
    last_outcome: step.outcome,
    last_disposition: step.disposition,
    last_sip_code: lastSipCode,
    updated_at: now,
  };
  if (step.kind === 'final') {
    await db.transaction().execute(async (tx) => {
      await tx
        .updateTable('contacts')
        .set({
          ...common,
          state: step.state,
          ready_at: null,
          next_due_at: null,
          final_at: now,
          exhausted_retries: step.exhaustedRetries,
        })
        .where('id', '=', contactId)
        .where('run_no', '=', runNo)
        .where('final_at', 'is', null)
        .execute();
      // A callback that was waiting and the contact ended another way: completed if it was dialled, else
      // cancelled (single-day window end, stop).
      await tx
        .updateTable('contacts')
        .set({
          callback_state: sql`case when callback_state = 'pending' and ${step.state} in ('window_closed','manually_stopped','excluded') then 'cancelled' when callback_state = 'pending' then 'completed' else callback_state end`,
        })
        .where('id', '=', contactId)
        .where('run_no', '=', runNo)
        .execute();
    });
    return;
  }
  await db
    .updateTable('contacts')
    .set({
      ...common,
      state: step.isCallback ? 'callback_scheduled' : 'retry_scheduled',
      ready_at: null,
      next_due_at: step.dueAt,
      pass: step.pass,
      phone_index: step.phoneIndex,
      priority: step.priority,
      reached_phone_index: step.reachedPhoneIndex,
      redials_stopped: step.redialsStopped,
      ...(step.isCallback ? { callback_at: step.dueAt, callback_state: 'pending' as const } : {}),
    })
    .where('id', '=', contactId)
    .where('run_no', '=', runNo)
    .where('final_at', 'is', null)
    .execute();
}

/**
 * The contact's timer fired: it is due and waits for a seat. Returns false when it became final meanwhile
 * (stopped, excluded, window closed) or a newer run took it over, so the workflow ends instead of waiting
 * for a seat forever.
 */
export async function markContactReady(
  db: Db,
  contactId: string,
  runNo: number,
  now: Date,
): Promise<boolean> {
  const row = await db
    .updateTable('contacts')
    .set({ ready_at: now, updated_at: now })
    .where('id', '=', contactId)
    .where('run_no', '=', runNo)
    .where('final_at', 'is', null)
    .returning('campaign_id')
    .executeTakeFirst();
  if (row) await sql`select pg_notify('ori_seats', ${row.campaign_id})`.execute(db);
  return row !== undefined;
}

/** Final for this run: a contact that a newer run has taken over is done as far as this run goes. */
export async function isContactFinal(db: Db, contactId: string, runNo: number): Promise<boolean> {
  const row = await db
    .selectFrom('contacts')
    .select(['final_at', 'run_no'])
    .where('id', '=', contactId)
    .executeTakeFirst();
  return !row || row.final_at !== null || row.run_no !== runNo;
}
