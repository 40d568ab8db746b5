/**
 * Pacing maths for admission (docs/architecture.md "Admission: seats, rate, priority"; docs/rules.md
 * "Pacing": concurrency is the seat budget, the carrier's dial-rate limit applies too and the tighter of the
 * two wins; the live panel of docs/rules.md "Operating a campaign"). Pure.
 */

/** Seats left for new dials: concurrency counts ringing and connected calls. Never negative. */
export function freeSeats(concurrency: number, inFlight: number): number {
  if (!Number.isFinite(concurrency) || !Number.isFinite(inFlight)) return 0;
  return Math.max(0, Math.floor(concurrency) - Math.max(0, Math.ceil(inFlight)));
}

/**
 * How many contacts wait on deck beyond the seats: leased, handed to their contact workflow and holding a
 * running dial activity, they take a seat the moment one frees (the claim counts the seats), so refilling a
 * seat costs one Postgres transaction instead of an admission round and three Temporal hops. The deck must
 * outlast a burst of ends — calls started together end together (the first wave of a campaign, a batch of
 * busy signals) — while admission and Temporal refill it, which takes seconds under load: a quarter of the
 * concurrency, at least one so a single-seat campaign refills as fast, and at most 250, since every dial on
 * deck polls its claim and a due callback has to bump one. Zero seats, zero on deck.
 */
export const ON_DECK_SHARE = 0.25;
export const ON_DECK_MAX = 250;
export function onDeckSeats(concurrency: number): number {
  if (!Number.isFinite(concurrency) || concurrency < 1) return 0;
  return Math.min(ON_DECK_MAX, Math.max(1, Math.ceil(Math.floor(concurrency) * ON_DECK_SHARE)));
}

/**
 * The cap actually enforced, or null for no cap. A cap of 1 or more is floored to whole calls per second:
 * "never more than cps dials in any 1 s window" cannot hold for a fractional average above 1 (2.5/s needs
 * some second with 3), so 2.5 is enforced as 2. Below 1 it is kept (0.5 = one dial every 2 s). A missing,
 * zero, negative or non-finite cap means the carrier has no cap configured.
 */
export function effectiveCps(cpsLimit: number | null | undefined): number | null {
  if (cpsLimit === null || cpsLimit === undefined || !Number.isFinite(cpsLimit) || cpsLimit <= 0) return null;
  return cpsLimit >= 1 ? Math.floor(cpsLimit) : cpsLimit;
}

/**
 * The least time between two originates of one carrier written to the switch: 1000/cps ms widened by
 * `guard` (the jitter between our write and the carrier's clock), rounded up; null when uncapped. Any
 * writes this far apart put at most cps arrivals into any sliding second, however late each was.
 */
export function originateSpacingMs(cpsLimit: number | null | undefined, guard = 0): number | null {
  const cps = effectiveCps(cpsLimit);
  return cps === null ? null : Math.ceil((1000 * (1 + Math.max(0, guard))) / cps);
}

/**
 * Milliseconds from the first slot to slot k: ceil(k·1000·(1+guard)/cps), in exact integer arithmetic when
 * it can (no guard, whole cps).
 */
function slotOffsetMs(k: number, cps: number, guard = 0): number {
  if (guard > 0) return Math.ceil((k * 1000 * (1 + guard)) / cps);
  return Number.isInteger(cps) ? Math.floor((k * 1000 + cps - 1) / cps) : Math.ceil((k * 1000) / cps);
}

export interface CarrierSlotsInput {
  /** The carrier's calls-per-second cap; null = no cap. */
  cpsLimit: number | null;
  /** The carrier's stored pacing cursor: the earliest instant the next dial may start. */
  nextSlotAt: Date | null;
  now: Date;
  /** How many dials the caller would like to start. */
  want: number;
  /** Only slots within now + leadMs + horizonMs (inclusive) are handed out; the dial waits for its slot. */
  horizonMs: number;
  /**
   * Extra spacing as a fraction of 1000/cps (0.15 = 15% wider). A carrier counts dials as they *arrive*, and
   * arrivals jitter behind their slots; exact spacing lets a late dial and an early one share a second.
   */
  guard?: number;
  /** The earliest slot of an idle carrier is this far out, so the first dials of a burst are not all late. */
  leadMs?: number;
}

export interface CarrierSlots {
  /** Start instants, ascending, at most `want`. */
  slots: Date[];
  /**
   * The cursor to store if every slot is used; null when uncapped. If only some are used, store
   * `nextSlotAfter(lastUsedSlot, cpsLimit)` instead. With no slot granted it is the input cursor.
   */
  nextSlotAt: Date | null;
}

/**
 * Dial slots on a carrier shared by every campaign using it: spaced 1/cps apart starting at
 * max(now, nextSlotAt), only those within the horizon. Slot k is at start + ceil(k·1000/cps) ms, so any
 * half-open 1 s window holds at most cps slots, also across successive calls that resume from the stored
 * cursor. Uncapped: `want` slots, all now.
 */
export function carrierSlots(input: CarrierSlotsInput): CarrierSlots {
  const want = Number.isFinite(input.want) ? Math.max(0, Math.floor(input.want)) : 0;
  const cps = effectiveCps(input.cpsLimit);
  const now = input.now.getTime();
  if (cps === null) {
    return { slots: Array.from({ length: want }, () => new Date(now)), nextSlotAt: null };
  }
  const guard = Math.max(0, input.guard ?? 0);
  const earliest = now + Math.max(0, input.leadMs ?? 0);
  const cursor =
    input.nextSlotAt && Number.isFinite(input.nextSlotAt.getTime()) ? input.nextSlotAt.getTime() : earliest;
  const start = Math.max(earliest, cursor);
  const limit = earliest + Math.max(0, Number.isFinite(input.horizonMs) ? input.horizonMs : 0);
  const slots: Date[] = [];
  for (let k = 0; k < want; k++) {
    const t = start + slotOffsetMs(k, cps, guard);
    if (t > limit) break;
    slots.push(new Date(t));
  }
  if (slots.length === 0) return { slots, nextSlotAt: input.nextSlotAt };
  return { slots, nextSlotAt: new Date(start + slotOffsetMs(slots.length, cps, guard)) };
}

/**
 * The cursor to store after the last slot actually used: that slot + ceil(1000/cps) ms. Rounding up keeps
 * the 1 s bound (truncating 1000/3 = 333.3 to 333 would let a fourth dial into some second); null when
 * uncapped.
 */
export function nextSlotAfter(lastUsedSlot: Date, cpsLimit: number | null, guard = 0): Date | null {
  const cps = effectiveCps(cpsLimit);
  return cps === null ? null : new Date(lastUsedSlot.getTime() + slotOffsetMs(1, cps, Math.max(0, guard)));
}

export interface PoolNumber {
  id: string;
  lastUsedAt: Date | null;
}

/**
 * `n` caller-id numbers (ids) for the next dials: least recently used first (never used before anything
 * used; ties by id so the choice is deterministic), cycling through the pool in that order when n exceeds
 * its size, so the use spreads evenly. Empty pool or n ≤ 0 → [].
 */
export function pickNumbers(pool: readonly PoolNumber[], n: number): string[] {
  const count = Number.isFinite(n) ? Math.max(0, Math.floor(n)) : 0;
  if (pool.length === 0 || count === 0) return [];
  const usedAt = (p: PoolNumber) => {
    const t = p.lastUsedAt ? p.lastUsedAt.getTime() : Number.NEGATIVE_INFINITY;
    return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
  };
  const order = [...pool].sort((a, b) => usedAt(a) - usedAt(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return Array.from({ length: count }, (_, i) => (order[i % order.length] as PoolNumber).id);
}

export type LiveActivity = 'live' | 'idle' | 'outside_window' | 'paused' | 'stopped';

/** "No calls have been dialled recently (about 30 seconds)" turns the panel idle; Last Dial turns orange after it. */
export const IDLE_AFTER_MS = 30_000;

export interface LiveActivityInput {
  /** The campaign status: draft, running, paused, completed, failed. */
  status: string;
  /** Now is inside the calling window on a working day. */
  insideWindow: boolean;
  lastDialAt: Date | null;
  now: Date;
  ringing: number;
  inProgress: number;
}

/**
 * The live panel's state (docs/rules.md "Operating a campaign",
 * docs/troubleshooting.md "Quick triage": "Running but no calls go out"):
 * - `paused` when paused; `stopped` for every status that is not running (draft, completed, failed).
 * - `outside_window` when running outside the window or on a non-working day (calls still finishing
 *   included: the dialler is holding).
 * - `live` when a dial started within the last 30 s (inclusive), or calls are ringing or connected: a
 *   campaign whose seats are all busy with long calls is working, not "Idle — Waiting for retries".
 * - `idle` otherwise: nothing dialled for more than 30 s and nothing in flight.
 */
/** Why a running campaign inside its window is not dialling, when the activity alone does not say it. */
export type LiveActivityReason = 'switch_unreachable';

/**
 * `switch_unreachable` while the campaign would dial (running, inside its window) but no worker holds a
 * connection to the switch: admission leases nothing until one does. Null otherwise.
 */
export function liveActivityReason(input: {
  activity: LiveActivity;
  switchConnected: boolean;
}): LiveActivityReason | null {
  if (input.activity !== 'live' && input.activity !== 'idle') return null;
  return input.switchConnected ? null : 'switch_unreachable';
}

export function liveActivity(input: LiveActivityInput): LiveActivity {
  if (input.status === 'paused') return 'paused';
  if (input.status !== 'running') return 'stopped';
  if (!input.insideWindow) return 'outside_window';
  if (input.ringing > 0 || input.inProgress > 0) return 'live';
  if (input.lastDialAt && input.now.getTime() - input.lastDialAt.getTime() <= IDLE_AFTER_MS) return 'live';
  return 'idle';
}
