import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../test/support/db';
import { seedRunningCampaign } from '../../test/fixtures/seed';
import { admit, admitContactNow, UNCLAIMED_LEASE_MS } from './admission.repository';
import { claimAttempt, finishAttempt } from './attempts.repository';

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
  it('leases no more seats than the concurrency, and a freed seat admits the next contact', async () => {
    const s = await seedRunningCampaign(test.db, { contacts: 10, config: { concurrency: 3 } });
    const first = await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: now() });
    expect(first.handoffs).toHaveLength(3);
    expect(first.status).toBe('ok');
    const again = await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: now() });
    expect(again.handoffs).toHaveLength(0);
    expect(again.status).toBe('no_seats');
    expect(await openSeats(s.campaignId)).toBe(3);

    const h = first.handoffs[0]!;
    expect((await claimAttempt(test.db, h.attemptId, now())).kind).toBe('claimed');
    await finishAttempt(test.db, h.attemptId, {
      outcome: 'no_answer',
      sipCode: 480,
      hangupCause: 'NO_USER_RESPONSE',
      answeredAt: null,
      endedAt: now(),
      ringS: 3,
      talkS: null,
      coreUuid: null,
    });
    const next = await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: now() });
    expect(next.handoffs).toHaveLength(1);
    expect(await openSeats(s.campaignId)).toBe(3);
  });

  it('never admits two seats to one contact, even when two rounds race', async () => {
    const s = await seedRunningCampaign(test.db, { contacts: 40, config: { concurrency: 30 } });
    const rounds = await Promise.all(
      Array.from({ length: 6 }, () => admit(test.db, { campaignId: s.campaignId, runNo: 1, now: now() })),
    );
    const contactIds = rounds.flatMap((r) => r.handoffs.map((h) => h.contactId));
    expect(new Set(contactIds).size).toBe(contactIds.length);
    expect(contactIds.length).toBe(30);
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
    for (let i = 0; i < 4; i++) {
      const r = await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: now() });
      const h = r.handoffs[0]!;
      order.push(h.contactId);
      await test.db.deleteFrom('attempts').where('attempt_id', '=', h.attemptId).execute();
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
    expect((await claimAttempt(test.db, h!.attemptId, now())).kind).toBe('claimed');
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

  it('admits one contact now for the trigger API when a seat is free', async () => {
    const s = await seedRunningCampaign(test.db, { contacts: 3, config: { concurrency: 1 } });
    const target = s.contactIds[2]!;
    const got = await admitContactNow(test.db, { campaignId: s.campaignId, contactId: target, now: now() });
    expect(got).not.toBeNull();
    expect(
      await admitContactNow(test.db, { campaignId: s.campaignId, contactId: s.contactIds[0]!, now: now() }),
    ).toBeNull();
    // The engine's next round hands the trigger's lease to a workflow.
    const round = await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: now() });
    expect(round.handoffs.map((h) => h.attemptId)).toEqual([got!.attemptId]);
  });
  it('holds a claim back when the carrier already sent cps_limit originates in the last second', async () => {
    const s = await seedRunningCampaign(test.db, { contacts: 3, cpsLimit: 2, config: { concurrency: 3 } });
    // Slots far apart in admission, but three claims at once: the third must wait.
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
    expect([first.kind, second.kind]).toEqual(['claimed', 'claimed']);
    expect(third.kind).toBe('wait');
    if (third.kind === 'wait') expect(third.retryAt.getTime()).toBeGreaterThan(t.getTime() + 1000);
    // A second later it goes.
    expect((await claimAttempt(test.db, all[2]!.attemptId, new Date(t.getTime() + 1100))).kind).toBe(
      'claimed',
    );
  });
});
