import { describe, expect, it } from 'vitest';
import { Client } from 'pg';
import { sql } from 'kysely';
import { useTestDatabase } from '../../test/support/db';
import { seedRunningCampaign } from '../../test/fixtures/seed';
import fc from 'fast-check';
import { admit, admitContactNow, dialGateFor, dueCandidates } from './admission.repository';
import { admissionBounds, dialGate } from '../../policy/dial-gate';
import { resolveCampaignConfig } from '../../policy/campaign-config';
import { claimAttempt, commitToOriginate, finishAttempt, UNCLAIMED_LEASE_MS } from './attempts.repository';

/** Admission against real Postgres: seats, rate, priority, rotation, suppression and lease recovery. */

const test = useTestDatabase();
const now = () => new Date();

async function openSeats(campaignId: string): Promise<number> {
  const rows = await test.db
    .selectFrom('attempts')
    .select('attempt_id')
    .where('campaign_id', '=', campaignId)
    .where('ended_at', 'is', null)
    .execute();
  return rows.length;
}

describe('admission', () => {
  const ended = {
    outcome: 'no_answer' as const,
    sipCode: 480,
    hangupCause: 'NO_USER_RESPONSE',
    answeredAt: null,
    ringS: 3,
    talkS: null,
    coreUuid: null,
  };

  it('leases the seats plus the contacts on deck; the claim never lets more calls up than the concurrency', async () => {
    const s = await seedRunningCampaign(test.db, { contacts: 10, config: { concurrency: 3 } });
    const first = await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: now() });
    // Three seats and one on deck (onDeckSeats(3) = 1).
    expect(first.handoffs).toHaveLength(4);
    expect(first.status).toBe('ok');
    const again = await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: now() });
    expect(again.handoffs).toHaveLength(0);
    expect(again.status).toBe('no_seats');
    expect(await openSeats(s.campaignId)).toBe(4);

    const [h1, h2, h3, onDeck] = first.handoffs;
    const claims = [];
    for (const h of [h1, h2, h3, onDeck])
      claims.push((await claimAttempt(test.db, h!.attemptId, now())).kind);
    expect(claims).toEqual(['claimed', 'claimed', 'claimed', 'no_seat']);

    // A call ends: the contact on deck takes its seat at once, with no admission round in between.
    await finishAttempt(test.db, h1!.attemptId, { ...ended, endedAt: now() });
    expect((await claimAttempt(test.db, onDeck!.attemptId, now())).kind).toBe('claimed');
    // The round after it puts the next contact on deck.
    const next = await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: now() });
    expect(next.handoffs).toHaveLength(1);
    expect(await openSeats(s.campaignId)).toBe(4);
    expect((await claimAttempt(test.db, next.handoffs[0]!.attemptId, now())).kind).toBe('no_seat');
  });

  it('lets no two claims racing for the last seat both dial', async () => {
    const s = await seedRunningCampaign(test.db, { contacts: 30, config: { concurrency: 20 } });
    const { handoffs } = await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: now() });
    expect(handoffs).toHaveLength(25); // 20 seats and 5 on deck
    const kinds = await Promise.all(handoffs.map((h) => claimAttempt(test.db, h.attemptId, now())));
    expect(kinds.filter((k) => k.kind === 'claimed')).toHaveLength(20);
    expect(kinds.filter((k) => k.kind === 'no_seat')).toHaveLength(5);
  });

  it('keeps a contact waiting until its claim: on deck it is not yet dialling', async () => {
    const s = await seedRunningCampaign(test.db, { contacts: 1, config: { concurrency: 1 } });
    const [h] = (await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: now() })).handoffs;
    const stateOf = async () =>
      await test.db
        .selectFrom('contacts')
        .select(['state', 'attempts'])
        .where('id', '=', h!.contactId)
        .executeTakeFirstOrThrow();
    expect(await stateOf()).toEqual({ state: 'pending', attempts: 1 });
    expect((await claimAttempt(test.db, h!.attemptId, now())).kind).toBe('claimed');
    expect(await stateOf()).toEqual({ state: 'dialling', attempts: 1 });
  });

  it('keeps a contact on deck while its dial waits: each claim renews the lease, so it is neither lost nor re-handed', async () => {
    const s = await seedRunningCampaign(test.db, { contacts: 2, config: { concurrency: 1 } });
    const t0 = now();
    const [busy, onDeck] = (await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: t0 })).handoffs;
    expect((await claimAttempt(test.db, busy!.attemptId, t0)).kind).toBe('claimed');
    // The on-deck dial keeps claiming while the call lasts (the dial activity heartbeats the call's lease).
    let t = t0.getTime();
    for (let i = 0; i < 30; i++) {
      t += 2_000;
      await test.db
        .updateTable('attempts')
        .set({ lease_expires_at: new Date(t + 90_000) })
        .where('attempt_id', '=', busy!.attemptId)
        .execute();
      expect((await claimAttempt(test.db, onDeck!.attemptId, new Date(t))).kind).toBe('no_seat');
    }
    // A minute on deck, past the unclaimed lease (30 s) and the re-hand-off age (15 s): still there.
    expect(t - t0.getTime()).toBeGreaterThan(UNCLAIMED_LEASE_MS + 15_000);
    const round = await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: new Date(t + 1) });
    expect(round.handoffs).toEqual([]);
    expect(await openSeats(s.campaignId)).toBe(2);
    await finishAttempt(test.db, busy!.attemptId, { ...ended, endedAt: new Date(t + 2) });
    expect((await claimAttempt(test.db, onDeck!.attemptId, new Date(t + 3))).kind).toBe('claimed');
  });

  it('names the first in line on deck when a call ends or a round finds seats free (NOTIFY ori_deck)', async () => {
    const listener = new Client({ connectionString: test.url });
    await listener.connect();
    const named: string[] = [];
    let heard: () => void = () => undefined;
    listener.on('notification', (m) => {
      if (m.channel === 'ori_deck' && m.payload) named.push(m.payload);
      heard();
    });
    await listener.query('LISTEN ori_deck');
    const nextNamed = (): Promise<string> =>
      new Promise((resolve) => {
        const take = (): void => {
          const id = named.shift();
          if (id) {
            heard = () => undefined;
            resolve(id);
          } else heard = take;
        };
        take();
      });
    try {
      const s = await seedRunningCampaign(test.db, { contacts: 6, config: { concurrency: 2 } });
      const { handoffs } = await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: now() });
      const [a, b, onDeck] = handoffs;
      for (const h of [a, b, onDeck]) await claimAttempt(test.db, h!.attemptId, now());
      named.length = 0;
      // A call ends: the contact on deck is named, and nobody else.
      await finishAttempt(test.db, a!.attemptId, { ...ended, endedAt: now() });
      expect(await nextNamed()).toBe(onDeck!.attemptId);
      expect((await claimAttempt(test.db, onDeck!.attemptId, now())).kind).toBe('claimed');

      // The concurrency is raised: no call ends, but the next round finds a seat and names who takes it.
      const next = await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: now() });
      expect(next.handoffs).toHaveLength(1);
      expect((await claimAttempt(test.db, next.handoffs[0]!.attemptId, now())).kind).toBe('no_seat');
      await test.db
        .updateTable('campaigns')
        .set({ config: sql`jsonb_set(config, '{concurrency}', '3')` })
        .where('id', '=', s.campaignId)
        .execute();
      named.length = 0;
      await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: now() });
      expect(await nextNamed()).toBe(next.handoffs[0]!.attemptId);

      // A burst: six calls end together with six on deck. The ends name at most five; the first claim
      // names the rest, so none waits for its poll.
      const burst = await seedRunningCampaign(test.db, { contacts: 30, config: { concurrency: 24 } });
      const all = (await admit(test.db, { campaignId: burst.campaignId, runNo: 1, now: now() })).handoffs;
      expect(all).toHaveLength(30);
      for (const h of all) await claimAttempt(test.db, h.attemptId, now());
      const deck = all.slice(24).map((h) => h.attemptId);
      await listener.query('select 1');
      named.length = 0;
      for (const h of all.slice(0, 6))
        await finishAttempt(test.db, h.attemptId, { ...ended, endedAt: now() });
      await listener.query('select 1'); // every notification of the finishes has arrived before this answer
      expect(new Set(named)).toEqual(new Set(deck.slice(0, 5)));
      named.length = 0;
      expect((await claimAttempt(test.db, deck[0]!, now())).kind).toBe('claimed');
      await listener.query('select 1');
      expect(named).toContain(deck[5]);
    } finally {
      await listener.end();
    }
  });

  it('never admits two seats to one contact, even when two rounds race', async () => {
    const s = await seedRunningCampaign(test.db, { contacts: 40, config: { concurrency: 30 } });
    const rounds = await Promise.all(
      Array.from({ length: 6 }, () => admit(test.db, { campaignId: s.campaignId, runNo: 1, now: now() })),
    );
    const contactIds = rounds.flatMap((r) => r.handoffs.map((h) => h.contactId));
    expect(new Set(contactIds).size).toBe(contactIds.length);
    expect(contactIds.length).toBe(38); // 30 seats and 8 on deck
  });

  it('rotates the number pool least recently used first', async () => {
    const s = await seedRunningCampaign(test.db, { contacts: 9, numbers: 3, config: { concurrency: 9 } });
    const r = await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: now() });
    const perNumber = new Map<string, number>();
    for (const h of r.handoffs) perNumber.set(h.numberId, (perNumber.get(h.numberId) ?? 0) + 1);
    expect([...perNumber.values()]).toEqual([3, 3, 3]);
  });

  it('paces dials by the carrier cps limit shared across campaigns', async () => {
    const a = await seedRunningCampaign(test.db, { contacts: 20, cpsLimit: 4, config: { concurrency: 20 } });
    const b = await seedRunningCampaign(test.db, {
      contacts: 20,
      carrierId: a.carrierIds[0],
      config: { concurrency: 20 },
    });
    const t = now();
    const ra = await admit(test.db, { campaignId: a.campaignId, runNo: 1, now: t });
    const rb = await admit(test.db, { campaignId: b.campaignId, runNo: 1, now: t });
    const slots = [...ra.handoffs, ...rb.handoffs]
      .map((h) => Date.parse(h.dialNotBefore))
      .sort((x, y) => x - y);
    // Within the one-second horizon a 4 cps carrier hands out at most 4 or 5 slots (both ends inclusive),
    // and no half-open one-second window ever holds more than 4.
    expect(slots.length).toBeGreaterThanOrEqual(4);
    expect(slots.length).toBeLessThanOrEqual(5);
    for (let i = 0; i + 4 < slots.length; i++) expect(slots[i + 4]! - slots[i]!).toBeGreaterThanOrEqual(1000);
    expect(rb.status).toBe('no_rate');
  });

  it('orders due callbacks first, then fresh contacts, then retries by pass', async () => {
    const s = await seedRunningCampaign(test.db, { contacts: 6, config: { concurrency: 1 } });
    const [c0, c1, c2, c3] = s.contactIds;
    await test.db.updateTable('contacts').set({ priority: 2, pass: 3 }).where('id', '=', c0!).execute();
    await test.db.updateTable('contacts').set({ priority: 2, pass: 2 }).where('id', '=', c1!).execute();
    await test.db.updateTable('contacts').set({ priority: 0 }).where('id', '=', c3!).execute();
    await test.db
      .updateTable('contacts')
      .set({ ready_at: null })
      .where('id', 'not in', [c0!, c1!, c2!, c3!])
      .execute();
    const order: string[] = [];
    // One seat and one on deck: two contacts a round.
    for (let i = 0; i < 2; i++) {
      const r = await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: now() });
      expect(r.handoffs).toHaveLength(2);
      for (const h of r.handoffs) {
        order.push(h.contactId);
        await test.db.deleteFrom('attempts').where('attempt_id', '=', h.attemptId).execute();
      }
    }
    expect(order).toEqual([c3, c2, c1, c0]);
  });

  it('never leases a seat to an excluded contact or an opted-out number', async () => {
    const s = await seedRunningCampaign(test.db, { contacts: 3, config: { concurrency: 5 } });
    const [c0, c1] = s.contactIds;
    await test.db.updateTable('contacts').set({ excluded_at: now() }).where('id', '=', c0!).execute();
    const phone = (
      await test.db.selectFrom('contacts').select('phone').where('id', '=', c1!).executeTakeFirstOrThrow()
    ).phone;
    await test.db.insertInto('opt_outs').values({ phone }).execute();
    const r = await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: now() });
    expect(r.handoffs.map((h) => h.contactId)).toEqual([s.contactIds[2]]);
    const states = await test.db
      .selectFrom('contacts')
      .select(['id', 'state'])
      .where('id', 'in', [c0!, c1!])
      .execute();
    expect(states.map((x) => x.state)).toEqual(['excluded', 'excluded']);
  });

  it('admits nothing when the campaign is paused, outside its window, or for another run', async () => {
    const paused = await seedRunningCampaign(test.db, { contacts: 2, status: 'paused' });
    expect((await admit(test.db, { campaignId: paused.campaignId, runNo: 1, now: now() })).status).toBe(
      'not_running',
    );
    const h = new Date().getUTCHours();
    const closed = await seedRunningCampaign(test.db, {
      contacts: 2,
      config: {
        window: {
          start: `${String((h + 2) % 24).padStart(2, '0')}:00`,
          end: `${String((h + 2) % 24).padStart(2, '0')}:30`,
          timezone: 'UTC',
        },
      },
    });
    const r = await admit(test.db, { campaignId: closed.campaignId, runNo: 1, now: now() });
    expect(r.status).toBe('outside_window');
    expect(r.handoffs).toHaveLength(0);
    expect((await admit(test.db, { campaignId: closed.campaignId, runNo: 2, now: now() })).status).toBe(
      'not_running',
    );
  });

  it('recovers a seat whose hand-off was lost: the unclaimed lease expires and the contact is ready again', async () => {
    const s = await seedRunningCampaign(test.db, { contacts: 1, config: { concurrency: 1 } });
    const t0 = now();
    const r = await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: t0 });
    expect(r.handoffs).toHaveLength(1);
    const later = new Date(t0.getTime() + UNCLAIMED_LEASE_MS + 1000);
    const again = await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: later });
    expect(again.handoffs).toHaveLength(1);
    expect(again.handoffs[0]!.attemptNo).toBe(1);
    expect(again.handoffs[0]!.attemptId).not.toBe(r.handoffs[0]!.attemptId);
    // The lost attempt can no longer be dialled.
    expect((await claimAttempt(test.db, r.handoffs[0]!.attemptId, later)).kind).toBe('cancelled');
  });

  it('claims an attempt once: a retried dial reconciles instead of dialling again', async () => {
    const s = await seedRunningCampaign(test.db, { contacts: 1 });
    const [h] = (await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: now() })).handoffs;
    const claim = await claimAttempt(test.db, h!.attemptId, now());
    if (claim.kind !== 'claimed') throw new Error(`expected a claim, got ${claim.kind}`);
    expect((await commitToOriginate(test.db, h!.attemptId, claim.claimToken, now())).kind).toBe('write');
    expect((await claimAttempt(test.db, h!.attemptId, now())).kind).toBe('already_sent');
  });

  it('re-checks suppression and pause at the claim, right before the originate', async () => {
    const s = await seedRunningCampaign(test.db, { contacts: 2 });
    const [h1, h2] = (await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: now() })).handoffs;
    await test.db
      .updateTable('contacts')
      .set({ excluded_at: now() })
      .where('id', '=', h1!.contactId)
      .execute();
    expect(await claimAttempt(test.db, h1!.attemptId, now())).toEqual({
      kind: 'cancelled',
      reason: 'suppressed',
      contactFinal: true,
    });
    await test.db.updateTable('campaigns').set({ status: 'paused' }).where('id', '=', s.campaignId).execute();
    expect(await claimAttempt(test.db, h2!.attemptId, now())).toEqual({
      kind: 'cancelled',
      reason: 'campaign_paused',
      contactFinal: false,
    });
    const c2 = await test.db
      .selectFrom('contacts')
      .selectAll()
      .where('id', '=', h2!.contactId)
      .executeTakeFirstOrThrow();
    expect(c2.state).toBe('pending');
    expect(c2.attempts).toBe(0);
    expect(c2.ready_at).not.toBeNull();
  });

  it('admits one contact now for the trigger API only when a seat is free, and shows it dialling', async () => {
    const s = await seedRunningCampaign(test.db, { contacts: 3, config: { concurrency: 1 } });
    const target = s.contactIds[2]!;
    const got = await admitContactNow(test.db, { campaignId: s.campaignId, contactId: target, now: now() });
    expect(got).not.toBeNull();
    const row = await test.db
      .selectFrom('contacts')
      .select('state')
      .where('id', '=', target)
      .executeTakeFirstOrThrow();
    expect(row.state).toBe('dialling');
    // The place on deck is free, but "dial now" answers `dialled` only with a seat: none is left.
    expect(
      await admitContactNow(test.db, { campaignId: s.campaignId, contactId: s.contactIds[0]!, now: now() }),
    ).toBeNull();
    // The engine's next round hands the trigger's lease to a workflow (and puts one contact on deck).
    const round = await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: now() });
    expect(round.handoffs.map((h) => h.attemptId)).toContain(got!.attemptId);
    expect(round.handoffs).toHaveLength(2);
  });

  it("the trigger's dial-now finds its contact already leased by the run's own round: it holds a seat, dialled", async () => {
    const s = await seedRunningCampaign(test.db, { contacts: 1, config: { concurrency: 2 } });
    const target = s.contactIds[0]!;
    // The run's round polls while seats are free: it took the contact between the upsert and this call.
    const round = await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: now() });
    const leased = round.handoffs.find((h) => h.contactId === target);
    expect(leased).toBeDefined();
    expect(
      await admitContactNow(test.db, { campaignId: s.campaignId, contactId: target, now: now() }),
    ).toEqual({
      attemptId: leased!.attemptId,
    });
    // Nothing more was leased: one attempt for the contact.
    const attempts = await test.db
      .selectFrom('attempts')
      .select('attempt_id')
      .where('contact_id', '=', target)
      .execute();
    expect(attempts).toHaveLength(1);
  });

  it('takes freed seats in priority order: a callback that falls due bumps a retry from the deck, never a call', async () => {
    const s = await seedRunningCampaign(test.db, { contacts: 4, config: { concurrency: 2 } });
    const [a, b, c, d] = s.contactIds;
    // Two seats and one on deck, all retries (priority 2); the fourth contact is not due yet.
    await test.db
      .updateTable('contacts')
      .set({ priority: 2, pass: 2, attempts: 1 })
      .where('id', 'in', [a!, b!, c!])
      .execute();
    await test.db.updateTable('contacts').set({ ready_at: null }).where('id', '=', d!).execute();
    const first = await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: now() });
    expect(first.handoffs).toHaveLength(3);
    for (const h of first.handoffs.slice(0, 2))
      expect((await claimAttempt(test.db, h.attemptId, now())).kind).toBe('claimed');
    const retryOnDeck = first.handoffs[2]!;

    // Its callback falls due: the retry on deck gives its place back; the calls in flight are untouched.
    await test.db
      .updateTable('contacts')
      .set({ ready_at: now(), priority: 0, pass: 2 })
      .where('id', '=', d!)
      .execute();
    const round = await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: now() });
    expect(round.handoffs.map((h) => h.contactId)).toEqual([d]);
    expect((await claimAttempt(test.db, retryOnDeck.attemptId, now())).kind).toBe('cancelled');
    const bumped = await test.db
      .selectFrom('contacts')
      .select(['state', 'attempts', 'ready_at'])
      .where('id', '=', retryOnDeck.contactId)
      .executeTakeFirstOrThrow();
    expect(bumped.ready_at).not.toBeNull();
    expect(bumped.state).toBe('retry_scheduled');
    expect(await openSeats(s.campaignId)).toBe(3);

    // A call ends: the callback takes the seat, and the retry is back on deck behind it.
    await finishAttempt(test.db, first.handoffs[0]!.attemptId, { ...ended, endedAt: now() });
    const again = await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: now() });
    expect(again.handoffs.map((h) => h.contactId)).toEqual([retryOnDeck.contactId]);
    expect((await claimAttempt(test.db, again.handoffs[0]!.attemptId, now())).kind).toBe('no_seat');
    expect((await claimAttempt(test.db, round.handoffs[0]!.attemptId, now())).kind).toBe('claimed');
  });

  it('gives freed seats in admission order, whichever dial on deck claims first', async () => {
    const s = await seedRunningCampaign(test.db, { contacts: 4, config: { concurrency: 2 } });
    const { handoffs } = await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: now() });
    expect(handoffs).toHaveLength(3);
    const [h1, h2, h3] = handoffs;
    // The third claims before the second: the second's seat is owed to it.
    expect((await claimAttempt(test.db, h1!.attemptId, now())).kind).toBe('claimed');
    expect((await claimAttempt(test.db, h3!.attemptId, now())).kind).toBe('no_seat');
    expect((await claimAttempt(test.db, h2!.attemptId, now())).kind).toBe('claimed');
    expect((await claimAttempt(test.db, h3!.attemptId, now())).kind).toBe('no_seat');
  });

  it('gives each claim its own write moment on the carrier, 1/cps (+25 %) apart, at most 1 s ahead', async () => {
    const s = await seedRunningCampaign(test.db, { contacts: 3, cpsLimit: 2, config: { concurrency: 3 } });
    // Slots far apart in admission, but three claims at once: they get moments 625 ms apart.
    const t = new Date();
    const handoffs = (await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: t })).handoffs;
    const more = (
      await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: new Date(t.getTime() + 2000) })
    ).handoffs;
    const all = [...handoffs, ...more];
    expect(all.length).toBeGreaterThanOrEqual(3);
    const first = await claimAttempt(test.db, all[0]!.attemptId, t);
    const second = await claimAttempt(test.db, all[1]!.attemptId, new Date(t.getTime() + 10));
    const third = await claimAttempt(test.db, all[2]!.attemptId, new Date(t.getTime() + 20));
    expect(first).toMatchObject({ kind: 'claimed', spacingMs: 625 });
    expect(second).toMatchObject({ kind: 'claimed', spacingMs: 625 });
    if (first.kind !== 'claimed' || second.kind !== 'claimed') throw new Error('unreachable');
    expect(first.originateAt.getTime()).toBe(t.getTime());
    expect(second.originateAt.getTime()).toBe(t.getTime() + 625);
    // The third's moment (t + 1250) is more than a second out: it comes back when it is within one.
    expect(third).toEqual({ kind: 'wait', retryAt: new Date(t.getTime() + 250) });
    const again = await claimAttempt(test.db, all[2]!.attemptId, new Date(t.getTime() + 250));
    expect(again).toMatchObject({ kind: 'claimed', originateAt: new Date(t.getTime() + 1250) });
    // What Postgres holds: the planned write moments, spaced.
    const sent = await test.db
      .selectFrom('attempts')
      .select('originate_sent_at')
      .where(
        'attempt_id',
        'in',
        all.slice(0, 3).map((h) => h.attemptId),
      )
      .orderBy('originate_sent_at')
      .execute();
    expect(sent.map((r) => r.originate_sent_at!.getTime() - t.getTime())).toEqual([0, 625, 1250]);
  });

  // The candidates query is the set-wise form of the dial gate: for any mix of contacts (due, not yet due,
  // not waiting, excluded, opted out) the query's rows that pass the per-row gate are exactly the contacts
  // the gate allows one by one.
  it('admits exactly the contacts the dial gate allows one by one (the SQL and the gate agree)', async () => {
    const s = await seedRunningCampaign(test.db, { contacts: 12 });
    const { config } = resolveCampaignConfig({ window: { start: '00:00', end: '23:59', timezone: 'UTC' } });
    const at = new Date('2026-12-09T12:00:00Z');
    const arbContact = fc.record({
      readyIn: fc.option(fc.integer({ min: -3_600_000, max: 3_600_000 })),
      excluded: fc.boolean(),
      optedOut: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(arbContact, { minLength: 12, maxLength: 12 }), async (facts) => {
        await test.db.deleteFrom('opt_outs').execute();
        const contacts: {
          id: string;
          phone: string;
          readyAt: Date | null;
          excluded: boolean;
          optedOut: boolean;
        }[] = [];
        for (const [i, f] of facts.entries()) {
          const id = s.contactIds[i]!;
          const phone = `+9199000000${String(i).padStart(2, '0')}`;
          const readyAt = f.readyIn === null ? null : new Date(at.getTime() + f.readyIn);
          await test.db
            .updateTable('contacts')
            .set({ phones: [phone], phone_index: 0, ready_at: readyAt, excluded_at: f.excluded ? at : null })
            .where('id', '=', id)
            .execute();
          if (f.optedOut) await test.db.insertInto('opt_outs').values({ phone }).execute();
          contacts.push({ id, phone, readyAt, ...f });
        }
        const one = contacts
          .filter(
            (c) =>
              dialGate({
                campaign: config,
                run: { state: 'running' },
                contact: { suppressed: c.excluded || c.optedOut, dueAt: c.readyAt },
                now: at,
              }).allowed,
          )
          .map((c) => c.id)
          .sort();
        const bounds = admissionBounds({ campaign: config, run: { state: 'running' }, now: at });
        if (!bounds.open) throw new Error('the window is open all day');
        const setWise = await test.db.transaction().execute(async (tx) => {
          const rows = await dueCandidates(tx, s.campaignId, bounds, { limit: 100 });
          const optedOut = new Set(contacts.filter((c) => c.optedOut).map((c) => c.phone));
          return rows.filter((r) => dialGateFor(r, optedOut, config, at).allowed).map((r) => r.id);
        });
        expect(setWise.sort()).toEqual(one);
      }),
      { numRuns: 25 },
    );
  });
});
