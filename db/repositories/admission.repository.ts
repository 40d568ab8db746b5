import { randomUUID } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { Db } from '../connection';
import type { Database } from '../schema';
import type { CampaignConfig } from '../../policy/campaign-config';
import { admissionBounds, dialGate, openTimezoneSets, type AdmissionBounds } from '../../policy/dial-gate';
import {
  carrierSlots,
  freeSeats,
  nextSlotAfter,
  ON_DECK_MAX,
  onDeckSeats,
  pickNumbers,
} from '../../policy/admission';
import { returnSeats, UNCLAIMED_LEASE_MS, wakeFirstOnDeck } from './attempts.repository';
import type { Handoff } from '../../workflows/messages';
import { switchStatus } from './worker-presence.repository';

/**
 * Admission: who dials next. One transaction per call asks Postgres for the top ready contacts up to the
 * campaign's open places — its seats plus a few on deck (policy `onDeckSeats`) — and its carriers'
 * dial-rate budget, in priority order, leases an attempt row to each and rotates the number pool. The seat
 * itself is taken by the dial activity's claim (attempts.repository `claimAttempt`), which counts the calls
 * in flight: a contact on deck dials the moment a call ends, without waiting for the next round. The
 * campaign row lock serialises admissions of one campaign (the engine's loop and the trigger API), the
 * carrier row lock serialises the rate budget across campaigns sharing a carrier.
 */

/** How far ahead a carrier pacing slot may be handed out; the dial activity waits for its slot. */
export const SLOT_HORIZON_MS = 1_000;

/**
 * Pacing margins. A carrier (and the simulator's `cps_limit`) counts dials as they arrive, and arrivals
 * jitter behind their slots: the hand-off, the ESL write, the switch's own event loop. With slots exactly
 * 1000/cps apart, a later dial arriving a little less late than the one `cps` slots before it puts cps + 1
 * arrivals into one second — measured against the simulator, a few SIP 429s in every 30 dials. So slots are
 * spaced PACING_GUARD wider than 1000/cps, and the first slot of an idle carrier is PACING_LEAD_MS out, about
 * what a hand-off takes to reach its dial activity, so the first dials of a burst are not all late together.
 */
export const PACING_GUARD = 0.15;
export const PACING_LEAD_MS = 300;

export interface AdmissionResult {
  handoffs: Handoff[];
  /** Why nothing (more) was admitted, for the run's story and the live panel. */
  status:
    | 'ok'
    | 'not_running'
    | 'outside_window'
    | 'no_seats'
    | 'no_rate'
    | 'no_numbers'
    | 'idle'
    /** No live worker holds an ESL connection: nothing could be dialled, so nothing is leased. */
    | 'no_switch';
  /** Attempts open after this round: calls in flight and contacts on deck. */
  inFlight: number;
  concurrency: number;
}

interface AdmitOptions {
  campaignId: string;
  runNo: number;
  now: Date;
  /** Admit only this contact (the trigger API's "dial now"). */
  onlyContactId?: string;
  /** Lease at most this many new contacts this round. */
  maxContacts?: number;
  /** Lease nothing while no live worker holds a switch connection (worker_presence). */
  requireSwitch?: boolean;
}

type Tx = Transaction<Database>;

async function lockRunnableCampaign(
  tx: Tx,
  campaignId: string,
  runNo: number,
): Promise<{ config: CampaignConfig } | null> {
  const row = await tx
    .selectFrom('campaigns')
    .select(['status', 'run_no', 'config'])
    .where('id', '=', campaignId)
    .forUpdate()
    .executeTakeFirst();
  if (!row || row.status !== 'running' || row.run_no !== runNo) return null;
  return { config: row.config };
}

/** Attempts holding a place: calls in flight and contacts on deck (leased, not yet dialled). */
async function openAttempts(tx: Tx, campaignId: string, now: Date): Promise<number> {
  const row = await tx
    .selectFrom('attempts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('campaign_id', '=', campaignId)
    .where('ended_at', 'is', null)
    .where('lease_expires_at', '>', now)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * A seat leased but never dialled whose lease ran out (its hand-off was lost or its worker died before the
 * originate): the attempt never happened, so it is removed and the contact waits for a seat again.
 */
async function recoverUnclaimedLeases(tx: Tx, campaignId: string, now: Date): Promise<void> {
  const stale = await tx
    .deleteFrom('attempts')
    .where('campaign_id', '=', campaignId)
    .where('ended_at', 'is', null)
    .where('originate_sent_at', 'is', null)
    .where('lease_expires_at', '<=', now)
    .returning(['contact_id'])
    .execute();
  await returnSeats(
    tx,
    stale.map((s) => s.contact_id),
    now,
  );
}

/** Leased seats that were handed off long ago but never claimed: hand them off again (idempotent). */
async function unclaimedHandoffs(tx: Tx, campaignId: string, runNo: number, now: Date): Promise<Handoff[]> {
  const rows = await tx
    .selectFrom('attempts')
    .innerJoin('contacts', 'contacts.id', 'attempts.contact_id')
    .select([
      'attempts.attempt_id',
      'attempts.attempt_no',
      'attempts.contact_id',
      'attempts.phone',
      'attempts.phone_index',
      'contacts.phones',
      'attempts.pass',
      'attempts.from_number',
      'attempts.number_id',
      'attempts.gateway',
      'attempts.dial_not_before',
      'attempts.handed_off_at',
    ])
    .where('attempts.campaign_id', '=', campaignId)
    .where('attempts.run_no', '=', runNo)
    .where('attempts.status', '=', 'leased')
    .where('attempts.ended_at', 'is', null)
    .where((eb) =>
      eb.or([
        eb('attempts.handed_off_at', 'is', null),
        eb('attempts.handed_off_at', '<', new Date(now.getTime() - 15_000)),
      ]),
    )
    .execute();
  if (rows.length === 0) return [];
  await tx
    .updateTable('attempts')
    .set({ handed_off_at: now })
    .where(
      'attempt_id',
      'in',
      rows.map((r) => r.attempt_id),
    )
    .execute();
  return rows.map((r) => ({
    attemptId: r.attempt_id,
    attemptNo: r.attempt_no,
    contactId: r.contact_id,
    phone: r.phone,
    phoneIndex: r.phone_index,
    phones: r.phones,
    pass: r.pass,
    fromNumber: r.from_number ?? '',
    numberId: r.number_id ?? '',
    gateway: r.gateway ?? '',
    dialNotBefore: (r.dial_not_before ?? now).toISOString(),
    // A hint only: the parent falls back to the other way (start ↔ wake) when the hint is wrong.
    startWorkflow: r.attempt_no === 1,
  }));
}

/**
 * Every place is taken, but contacts became ready that rank before some on deck (a callback fell due, the
 * trigger added a fresh contact while retries wait): the worst on deck give their places back, so freed
 * seats keep going in priority order. Only contacts not yet dialled move: nothing is cut. Returns how many
 * places it freed.
 */
async function bumpFromDeck(tx: Tx, campaignId: string, now: Date, zones: ZoneFilter): Promise<number> {
  const worst = await tx
    .selectFrom('attempts')
    .select(['attempt_id', 'contact_id', 'admit_priority', 'pass'])
    .where('campaign_id', '=', campaignId)
    .where('status', '=', 'leased')
    .where('ended_at', 'is', null)
    .where('originate_sent_at', 'is', null)
    .orderBy('admit_priority', 'desc')
    .orderBy('pass', 'desc')
    .orderBy('queue_seq', 'desc')
    .limit(ON_DECK_MAX)
    .forUpdate()
    .execute();
  if (worst.length === 0) return 0;
  // Only contacts admission could take now: not those waiting for their local hours.
  let bestQuery = tx
    .selectFrom('contacts')
    .select(['priority', 'pass'])
    .where('campaign_id', '=', campaignId)
    .where('ready_at', 'is not', null)
    .where('ready_at', '<=', now)
    .where('excluded_at', 'is', null)
    .orderBy('priority')
    .orderBy('pass')
    .limit(worst.length);
  if (zones !== 'all') {
    bestQuery = bestQuery.where(
      sql<boolean>`id = any(array(${bestInZones(campaignId, now, zones, worst.length)}))`,
    );
  }
  const best = await bestQuery.execute();
  const bumped: typeof worst = [];
  for (const [i, contact] of best.entries()) {
    const onDeck = worst[i];
    if (!onDeck) break;
    const ranksBefore =
      contact.priority < onDeck.admit_priority ||
      (contact.priority === onDeck.admit_priority && contact.pass < onDeck.pass);
    if (!ranksBefore) break;
    bumped.push(onDeck);
  }
  if (bumped.length === 0) return 0;
  await tx
    .deleteFrom('attempts')
    .where(
      'attempt_id',
      'in',
      bumped.map((b) => b.attempt_id),
    )
    .execute();
  await returnSeats(
    tx,
    bumped.map((b) => b.contact_id),
    now,
  );
  return bumped.length;
}

/**
 * The contacts the gate's per-contact due rule lets through, best first: the set-wise form of
 * `dialGate`'s `not_due` rule (`ready_at <= dueBy`; a contact not waiting has no `ready_at`). Suppression
 * is asked of the gate per returned row (`dialGateFor`), since the opt-out list is keyed by phone.
 */
export async function dueCandidates(
  tx: Tx,
  campaignId: string,
  bounds: Extract<AdmissionBounds, { open: true }>,
  opts: {
    limit: number;
    onlyContactId?: string | undefined;
    /** The zone sets whose recipient hours are open now (`dueZoneSets`); 'all' or omitted: no filter. */
    zones?: ZoneFilter;
  },
) {
  let query = tx
    .selectFrom('contacts')
    .select([
      'id',
      'phones',
      'pass',
      'phone_index',
      'attempts',
      'workflow_started',
      'excluded_at',
      'ready_at',
      'priority',
    ])
    .where('campaign_id', '=', campaignId)
    .where('ready_at', 'is not', null)
    .where('ready_at', '<=', bounds.dueBy)
    .orderBy('priority')
    .orderBy('pass')
    .orderBy('ready_at')
    .orderBy('seq')
    .limit(opts.limit)
    .forUpdate()
    .skipLocked();
  if (opts.onlyContactId) query = query.where('id', '=', opts.onlyContactId);
  if (opts.zones && opts.zones !== 'all') {
    // `= any(array(…))`: the branches run first (an InitPlan) and the rows are then fetched by id; as
    // `in (…)` the planner could walk the campaign's whole admission order testing each id against them.
    const best = bestInZones(campaignId, bounds.dueBy, opts.zones, opts.limit);
    query = query.where(sql<boolean>`id = any(array(${best}))`);
  }
  return query.execute();
}

/** Which zone sets admission may take contacts from now: 'all', or the open ones (policy `openTimezoneSets`). */
export type ZoneFilter = 'all' | (readonly string[] | null)[];

/**
 * The zone sets among the campaign's waiting contacts, read as a loose index scan of
 * contacts_due_by_zone_idx: one index probe per distinct set (a few hundred at most: libphonenumber's map
 * has about as many distinct values), however many contacts share each. Null stands for contacts stored
 * before zones were kept.
 */
export async function dueZoneSets(tx: Tx | Db, campaignId: string): Promise<(string[] | null)[]> {
  const { rows } = await sql<{ zones: string[] | null; legacy: boolean }>`
    with recursive sets(z) as (
      (select timezones from contacts
        where campaign_id = ${campaignId} and ready_at is not null and timezones is not null
        order by timezones limit 1)
      union all
      select (select c.timezones from contacts c
               where c.campaign_id = ${campaignId} and c.ready_at is not null and c.timezones > s.z
               order by c.timezones limit 1)
      from sets s where s.z is not null
    )
    select z as zones, false as legacy from sets where z is not null
    union all
    select null, true where exists (
      select 1 from contacts where campaign_id = ${campaignId} and ready_at is not null and timezones is null)`.execute(
    tx,
  );
  return rows.map((r) => (r.legacy ? null : r.zones));
}

/** Whose recipient hours are open now, among the campaign's waiting contacts (policy decides, per set). */
async function zoneFilter(
  tx: Tx,
  campaignId: string,
  config: CampaignConfig,
  now: Date,
): Promise<ZoneFilter> {
  if (!config.recipient_hours) return 'all';
  const sets = await dueZoneSets(tx, campaignId);
  const open = openTimezoneSets(config, sets, now);
  return open !== 'all' && open.length === sets.length ? 'all' : open;
}

/**
 * The ids of the best `limit` due contacts in the open zone sets: the top of each set by the index's own
 * order, merged. Each branch stops after `limit` rows of its set, so contacts in closed zones are never read.
 */
function bestInZones(
  campaignId: string,
  dueBy: Date,
  sets: readonly (readonly string[] | null)[],
  limit: number,
) {
  if (sets.length === 0) return sql`select null::uuid where false`;
  const branch = (set: readonly string[] | null) => sql`(
    select id, priority, pass, ready_at, seq from contacts
    where campaign_id = ${campaignId} and ready_at is not null and ready_at <= ${dueBy}
      and ${set === null ? sql`timezones is null` : sql`timezones = ${[...set]}::text[]`}
    order by priority, pass, ready_at, seq limit ${limit})`;
  return sql`select id from (${sql.join(sets.map(branch), sql` union all `)}) best
    order by priority, pass, ready_at, seq limit ${limit}`;
}

type Candidate = Awaited<ReturnType<typeof dueCandidates>>[number];

/** The number a contact dials next: its current phone, else its first. */
const dialPhoneOf = (c: Pick<Candidate, 'phones' | 'phone_index'>): string =>
  c.phones[c.phone_index] ?? c.phones[0] ?? '';

async function optedOutPhones(tx: Tx, phones: string[]): Promise<Set<string>> {
  if (phones.length === 0) return new Set();
  const rows = await tx.selectFrom('opt_outs').select('phone').where('phone', 'in', phones).execute();
  return new Set(rows.map((r) => r.phone));
}

/** The gate's verdict on one candidate row, with the facts admission holds about it. */
export function dialGateFor(
  c: Pick<Candidate, 'phones' | 'phone_index' | 'excluded_at' | 'ready_at'>,
  optedOut: ReadonlySet<string>,
  config: CampaignConfig,
  now: Date,
) {
  return dialGate({
    campaign: config,
    run: { state: 'running' },
    contact: { suppressed: c.excluded_at !== null || optedOut.has(dialPhoneOf(c)), dueAt: c.ready_at },
    now,
  });
}

async function admitInTransaction(tx: Tx, opts: AdmitOptions): Promise<AdmissionResult> {
  const { campaignId, runNo, now } = opts;
  const campaign = await lockRunnableCampaign(tx, campaignId, runNo);
  if (!campaign) return { handoffs: [], status: 'not_running', inFlight: 0, concurrency: 0 };
  const { config } = campaign;

  await recoverUnclaimedLeases(tx, campaignId, now);
  const reHandoffs = opts.onlyContactId ? [] : await unclaimedHandoffs(tx, campaignId, runNo, now);

  const inFlight = await openAttempts(tx, campaignId, now);
  const base = { inFlight, concurrency: config.concurrency };
  // The campaign is running this run (locked above): the gate's calendar decides, and its bounds drive
  // the candidates query below.
  const bounds = admissionBounds({ campaign: config, run: { state: 'running' }, now });
  if (!bounds.open) return { handoffs: reHandoffs, status: 'outside_window', ...base };
  if (opts.requireSwitch && !(await switchStatus(tx, now)).connected) {
    // A contact leased now would only wait on deck, or worse be burnt by a failing originate.
    return { handoffs: reHandoffs, status: 'no_switch', ...base };
  }
  // A round leases the seats and a few contacts on deck; the trigger's "dial now" only a seat that no one
  // on deck is owed, since it answers `dialled`.
  const onDeck = opts.onlyContactId ? 0 : onDeckSeats(config.concurrency);
  let free = freeSeats(config.concurrency + onDeck, inFlight);
  // Contacts outside their own recipient hours are not candidates (the claim asks again per contact).
  const zones = await zoneFilter(tx, campaignId, config, now);
  if (free === 0 && onDeck > 0) free = await bumpFromDeck(tx, campaignId, now, zones);
  if (free === 0) return { handoffs: reHandoffs, status: 'no_seats', ...base };

  const candidates = await dueCandidates(tx, campaignId, bounds, {
    limit: Math.max(1, Math.min(free, opts.maxContacts ?? free)),
    onlyContactId: opts.onlyContactId,
    zones,
  });
  if (candidates.length === 0) return { handoffs: reHandoffs, status: 'idle', ...base };

  // Suppression: excluded contacts and opted-out numbers never get a seat.
  const optedOut = await optedOutPhones(tx, candidates.map(dialPhoneOf));
  const verdicts = new Map(candidates.map((c) => [c.id, dialGateFor(c, optedOut, config, now)]));
  const suppressed = candidates.filter((c) => {
    const v = verdicts.get(c.id);
    return v?.allowed === false && v.reason === 'suppressed';
  });
  if (suppressed.length > 0) {
    await tx
      .updateTable('contacts')
      .set({ state: 'excluded', ready_at: null, final_at: now, updated_at: now })
      .where(
        'id',
        'in',
        suppressed.map((c) => c.id),
      )
      .execute();
  }
  const eligible = candidates.filter((c) => verdicts.get(c.id)?.allowed === true);
  if (eligible.length === 0) return { handoffs: reHandoffs, status: 'idle', ...base };

  const pool = await tx
    .selectFrom('campaign_numbers')
    .innerJoin('numbers', 'numbers.id', 'campaign_numbers.number_id')
    .innerJoin('carriers', 'carriers.id', 'numbers.carrier_id')
    .select([
      'numbers.id as number_id',
      'numbers.e164',
      'numbers.last_used_at',
      'carriers.id as carrier_id',
      'carriers.gateway',
    ])
    .where('campaign_numbers.campaign_id', '=', campaignId)
    .where('numbers.inbound_only', '=', false)
    .execute();
  if (pool.length === 0) return { handoffs: reHandoffs, status: 'no_numbers', ...base };

  // Lock the carriers in a stable order (no deadlock between campaigns) and take rate slots from each.
  const carrierIds = [...new Set(pool.map((p) => p.carrier_id))].sort();
  const carriers = await tx
    .selectFrom('carriers')
    .select(['id', 'cps_limit', 'next_dial_slot_at'])
    .where('id', 'in', carrierIds)
    .orderBy('id')
    .forUpdate()
    .execute();
  const slotsByCarrier = new Map<
    string,
    { slots: Date[]; next: (used: number) => Date | null; used: number }
  >();
  for (const c of carriers) {
    const granted = carrierSlots({
      cpsLimit: c.cps_limit,
      nextSlotAt: c.next_dial_slot_at,
      now,
      want: eligible.length,
      horizonMs: SLOT_HORIZON_MS,
      guard: PACING_GUARD,
      leadMs: PACING_LEAD_MS,
    });
    const { slots } = granted;
    // The cursor to store once `used` slots are taken: right after the last one used.
    const next = (used: number): Date | null =>
      used >= slots.length
        ? granted.nextSlotAt
        : nextSlotAfter(slots[used - 1] ?? now, c.cps_limit, PACING_GUARD);
    slotsByCarrier.set(c.id, { slots, next, used: 0 });
  }

  // Least recently used numbers first, skipping numbers whose carrier has no slot left.
  const order = pickNumbers(
    pool.map((p) => ({ id: p.number_id, lastUsedAt: p.last_used_at })),
    eligible.length * Math.max(1, pool.length),
  );
  const byId = new Map(pool.map((p) => [p.number_id, p]));
  const handoffs: Handoff[] = [];
  const priorityOf = new Map<string, number>();
  const numberUse = new Map<string, Date>();
  let cursor = 0;
  for (const contact of eligible) {
    let assigned: { number: (typeof pool)[number]; slot: Date } | null = null;
    for (let tries = 0; tries < pool.length && !assigned; tries++) {
      const id = order[cursor % order.length];
      cursor++;
      const number = id === undefined ? undefined : byId.get(id);
      if (!number) continue;
      const budget = slotsByCarrier.get(number.carrier_id);
      if (!budget || budget.used >= budget.slots.length) continue;
      const slot = budget.slots[budget.used];
      if (!slot) continue;
      budget.used++;
      assigned = { number, slot };
    }
    if (!assigned) break;
    const attemptNo = contact.attempts + 1;
    const phone = dialPhoneOf(contact);
    handoffs.push({
      attemptId: randomUUID(),
      attemptNo,
      contactId: contact.id,
      phone,
      phoneIndex: contact.phone_index,
      phones: contact.phones,
      pass: contact.pass,
      fromNumber: assigned.number.e164,
      numberId: assigned.number.number_id,
      gateway: assigned.number.gateway,
      dialNotBefore: assigned.slot.toISOString(),
      startWorkflow: !contact.workflow_started,
    });
    priorityOf.set(contact.id, contact.priority);
    numberUse.set(assigned.number.number_id, assigned.slot);
  }
  if (handoffs.length === 0) return { handoffs: reHandoffs, status: 'no_rate', ...base };

  await tx
    .insertInto('attempts')
    .values(
      handoffs.map((h) => ({
        attempt_id: h.attemptId,
        campaign_id: campaignId,
        run_no: runNo,
        contact_id: h.contactId,
        attempt_no: h.attemptNo,
        pass: h.pass,
        phone: h.phone,
        phone_index: h.phoneIndex,
        number_id: h.numberId,
        from_number: h.fromNumber,
        carrier_id: byId.get(h.numberId)?.carrier_id ?? null,
        gateway: h.gateway,
        status: 'leased' as const,
        admit_priority: priorityOf.get(h.contactId) ?? 1,
        lease_expires_at: new Date(now.getTime() + UNCLAIMED_LEASE_MS),
        dial_not_before: h.dialNotBefore,
        handed_off_at: now,
        created_at: now,
      })),
    )
    .execute();
  await tx
    .updateTable('contacts')
    // On deck the state stays waiting until the claim (nothing is dialled yet); the trigger's contact has a
    // free seat and shows `dialling` at once, as its answer says.
    .set((eb) => ({
      ...(opts.onlyContactId ? { state: 'dialling' as const } : {}),
      ready_at: null,
      attempts: eb('attempts', '+', 1),
      workflow_started: true,
      last_attempt_at: now,
      updated_at: now,
    }))
    .where(
      'id',
      'in',
      handoffs.map((h) => h.contactId),
    )
    .execute();
  for (const [numberId, usedAt] of numberUse) {
    await tx.updateTable('numbers').set({ last_used_at: usedAt }).where('id', '=', numberId).execute();
  }
  for (const [carrierId, budget] of slotsByCarrier) {
    if (budget.used === 0) continue;
    await tx
      .updateTable('carriers')
      .set({ next_dial_slot_at: budget.next(budget.used) })
      .where('id', '=', carrierId)
      .execute();
  }
  if (!opts.onlyContactId) await wakeFirstOnDeck(tx, campaignId, now, { concurrency: config.concurrency });
  return {
    handoffs: [...reHandoffs, ...handoffs],
    status: handoffs.length < eligible.length ? 'no_rate' : 'ok',
    inFlight: inFlight + handoffs.length,
    concurrency: config.concurrency,
  };
}

/** One admission round for a campaign run. */
export async function admit(db: Db, opts: AdmitOptions): Promise<AdmissionResult> {
  const result = await db.transaction().execute((tx) => admitInTransaction(tx, opts));
  return result;
}

/**
 * The trigger API's "dial now": lease a seat for this one contact if the campaign is running, inside its
 * window, with a free seat and rate budget. The engine's next round hands the lease to a workflow.
 */
export async function admitContactNow(
  db: Db,
  opts: { campaignId: string; contactId: string; now: Date },
): Promise<{ attemptId: string } | null> {
  const campaign = await db
    .selectFrom('campaigns')
    .select(['run_no'])
    .where('id', '=', opts.campaignId)
    .executeTakeFirst();
  if (!campaign) return null;
  const result = await db.transaction().execute(async (tx) => {
    const r = await admitInTransaction(tx, {
      campaignId: opts.campaignId,
      runNo: campaign.run_no,
      now: opts.now,
      onlyContactId: opts.contactId,
    });
    // Handed off by the engine's loop, not here: clear the stamp so its next round picks it up at once.
    const mine = r.handoffs.find((h) => h.contactId === opts.contactId);
    if (mine) {
      await tx
        .updateTable('attempts')
        .set({ handed_off_at: null })
        .where('attempt_id', '=', mine.attemptId)
        .execute();
      return mine;
    }
    // The run's own round may have leased it between the trigger's upsert and this lock (it polls while
    // seats are free): the contact holds its seat all the same, and is on its way to the switch.
    const leased = await tx
      .selectFrom('attempts')
      .select('attempt_id as attemptId')
      .where('contact_id', '=', opts.contactId)
      .where('run_no', '=', campaign.run_no)
      .where('ended_at', 'is', null)
      .executeTakeFirst();
    return leased ?? null;
  });
  return result ? { attemptId: result.attemptId } : null;
}

/**
 * Whether the run still has a contact that is not final. Asked as `exists`, so the planner always probes
 * the partial index contacts_open_idx: as a `limit 1` select it chose a sequential scan of every contact
 * once few were left open (70 ms vs 0.02 ms on 600k rows), on every idle poll.
 */
export async function hasOpenContacts(db: Db, campaignId: string): Promise<boolean> {
  const { rows } = await sql<{ open: boolean }>`
    select exists (select 1 from contacts where campaign_id = ${campaignId} and final_at is null) as open`.execute(
    db,
  );
  return rows[0]?.open ?? false;
}
