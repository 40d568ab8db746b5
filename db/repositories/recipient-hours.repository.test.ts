import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../test/support/db';
import { seedRunningCampaign } from '../../test/fixtures/seed';
import { claimAttempt, markContactReady } from './attempts.repository';
import { sql } from 'kysely';
import { admit, dueZoneSets } from './admission.repository';
import { liveView } from './live.repository';

/**
 * Recipient hours in the claim: with the campaign window open all day, each contact is dialled only inside
 * 09:00–20:00 on its own clock; one outside waits (not failed) until its own next opening, DST included.
 */

const test = useTestDatabase();

async function campaignIn(zones: string[]) {
  const s = await seedRunningCampaign(test.db, {
    contacts: zones.length,
    config: { recipient_hours: true, concurrency: 10 },
  });
  for (const [i, id] of s.contactIds.entries()) {
    await test.db
      .updateTable('contacts')
      .set({ metadata: JSON.stringify({ timezone: zones[i] }), ready_at: new Date('2026-01-01T00:00:00Z') })
      .where('id', '=', id)
      .execute();
  }
  return s;
}

/** Each admitted contact's claim: its kind, and for a hold the time its workflow sleeps to. */
async function claimAllAt(campaignId: string, now: Date) {
  const admitted = await admit(test.db, { campaignId, runNo: 1, now });
  const out = new Map<string, string>();
  for (const h of admitted.handoffs) {
    const claim = await claimAttempt(test.db, h.attemptId, now);
    out.set(h.contactId, claim.kind);
    if (claim.kind === 'cancelled' && claim.heldUntil) heldUntil.set(h.contactId, claim.heldUntil);
  }
  return out;
}
const heldUntil = new Map<string, Date>();
/** What the contact's workflow does when its own timer fires. */
const timerFires = (contactId: string, at: Date) => markContactReady(test.db, contactId, 1, at);

const contactOf = (id: string) =>
  test.db
    .selectFrom('contacts')
    .select(['state', 'ready_at', 'next_due_at', 'held_by', 'final_at'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();

describe('recipient hours in the claim', () => {
  it('New York, Los Angeles and Kolkata: each dialled only inside its own 09:00–20:00', async () => {
    const s = await campaignIn(['America/New_York', 'America/Los_Angeles', 'Asia/Kolkata']);
    const [ny, la, kol] = s.contactIds as [string, string, string];
    // 15:00Z: New York 10:00 (open), Los Angeles 07:00, Kolkata 20:30.
    const first = await claimAllAt(s.campaignId, new Date('2026-12-07T15:00:00Z'));
    expect(first.get(ny)).toBe('claimed');
    expect(first.get(la)).toBe('cancelled');
    expect(first.get(kol)).toBe('cancelled');
    expect(await contactOf(la)).toMatchObject({
      state: 'pending',
      held_by: 'recipient_hours',
      final_at: null,
      next_due_at: new Date('2026-12-07T17:00:00Z'),
      // Not ready: its workflow sleeps on its own timer to its own opening, then marks it ready.
      ready_at: null,
    });
    expect(heldUntil.get(la)).toEqual(new Date('2026-12-07T17:00:00Z'));
    expect(await contactOf(kol)).toMatchObject({
      held_by: 'recipient_hours',
      next_due_at: new Date('2026-12-08T03:30:00Z'),
      ready_at: null,
    });
    expect(heldUntil.get(kol)).toEqual(new Date('2026-12-08T03:30:00Z'));
    // Nobody is admitted again before their own timer fires…
    expect(
      (await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: new Date('2026-12-07T16:59:00Z') }))
        .handoffs,
    ).toEqual([]);
    // …and each is dialled once it has.
    await timerFires(la, new Date('2026-12-07T17:00:00Z'));
    expect((await claimAllAt(s.campaignId, new Date('2026-12-07T17:00:00Z'))).get(la)).toBe('claimed');
    await timerFires(kol, new Date('2026-12-08T03:30:00Z'));
    expect((await claimAllAt(s.campaignId, new Date('2026-12-08T03:30:00Z'))).get(kol)).toBe('claimed');
  });

  it('follows DST: on the day New York springs forward, 09:00 local is 13:00Z', async () => {
    const s = await campaignIn(['America/New_York']);
    const [ny] = s.contactIds as [string];
    expect((await claimAllAt(s.campaignId, new Date('2026-03-08T12:30:00Z'))).get(ny)).toBe('cancelled');
    expect(await contactOf(ny)).toMatchObject({ next_due_at: new Date('2026-03-08T13:00:00Z') });
    await timerFires(ny, new Date('2026-03-08T13:00:00Z'));
    expect((await claimAllAt(s.campaignId, new Date('2026-03-08T13:00:00Z'))).get(ny)).toBe('claimed');
  });
});

describe('recipient hours in admission', () => {
  /** Contacts as an import stores them: zones in contacts.timezones, ready since long ago. */
  async function campaignWithStoredZones(zones: (string[] | null)[], config: Record<string, unknown> = {}) {
    const s = await seedRunningCampaign(test.db, {
      contacts: zones.length,
      config: { recipient_hours: true, concurrency: 10, ...config },
    });
    for (const [i, id] of s.contactIds.entries()) {
      await test.db
        .updateTable('contacts')
        .set({ timezones: zones[i] ?? null, ready_at: new Date('2026-01-01T00:00:00Z') })
        .where('id', '=', id)
        .execute();
    }
    return s;
  }
  /** Who admission leases at `now`; they are then finished, so a later round sees only the others. */
  const leasedAt = async (campaignId: string, now: Date) => {
    const ids = (await admit(test.db, { campaignId, runNo: 1, now })).handoffs.map((h) => h.contactId);
    if (ids.length > 0) {
      await test.db.updateTable('attempts').set({ ended_at: now }).where('contact_id', 'in', ids).execute();
      await test.db
        .updateTable('contacts')
        .set({ state: 'completed', final_at: now, ready_at: null })
        .where('id', 'in', ids)
        .execute();
    }
    return ids.sort();
  };

  it('leases only the contacts whose own hours are open now; the others are not touched', async () => {
    const s = await campaignWithStoredZones([
      ['America/New_York'],
      ['America/Los_Angeles'],
      ['Asia/Kolkata'],
      ['America/Boise', 'America/Los_Angeles'],
      [], // no zone known: the campaign's (UTC here)
      null, // stored before zones were kept: left to the claim
    ]);
    const [ny, la, kol, boise, none, legacy] = s.contactIds as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    // 15:00Z: New York 10:00, UTC 15:00 (open); Los Angeles and Boise 07:00/08:00, Kolkata 20:30 (closed).
    expect(await leasedAt(s.campaignId, new Date('2026-12-07T15:00:00Z'))).toEqual([ny, none, legacy].sort());
    for (const id of [la, kol, boise]) {
      expect(await contactOf(id)).toMatchObject({
        state: 'pending',
        held_by: null,
        ready_at: new Date('2026-01-01T00:00:00Z'),
      });
    }
    // The live panel counts the three waiting for their local hours.
    const live = await liveView(test.db, s.campaignId, new Date('2026-12-07T15:00:00Z'));
    expect(live.held).toEqual({ frequency_cap: 0, recipient_hours: 3 });
    // 17:00Z: Los Angeles opens at 09:00, Boise (10:00) too: a number in both zones is dialled once both hold.
    expect(await leasedAt(s.campaignId, new Date('2026-12-07T17:00:00Z'))).toEqual([la, boise].sort());
    // 03:30Z: Kolkata's 09:00.
    expect(await leasedAt(s.campaignId, new Date('2026-12-08T03:30:00Z'))).toEqual([kol]);
  });

  it('a number whose zones never share an open hour is never leased; hours off lease everyone', async () => {
    // 09:00–12:00 in London (09–12Z) and in Tokyo (00–03Z) never meet.
    const hours = { recipient_hours: { start: '09:00', end: '12:00' } };
    const s = await campaignWithStoredZones([['Asia/Tokyo', 'Europe/London'], ['Europe/London']], hours);
    const [apart, london] = s.contactIds as [string, string];
    const leased: string[] = [];
    for (let hour = 0; hour < 24; hour++) {
      leased.push(...(await leasedAt(s.campaignId, new Date(Date.UTC(2026, 11, 7, hour, 30)))));
    }
    expect(leased).toEqual([london]);
    expect(await contactOf(apart)).toMatchObject({ state: 'pending', final_at: null });
    const off = await campaignWithStoredZones([['Asia/Tokyo', 'Europe/London']], { recipient_hours: null });
    expect(await leasedAt(off.campaignId, new Date('2026-12-07T18:30:00Z'))).toEqual(off.contactIds);
  });

  it('reads the zone sets, not the contacts: 20,000 waiting in closed zones, the open one is found', async () => {
    const s = await campaignWithStoredZones([['Asia/Kolkata']]);
    await test.db
      .insertInto('contacts')
      .columns(['campaign_id', 'phone', 'phones', 'metadata', 'timezones', 'ready_at', 'priority'])
      .expression(
        sql`select ${s.campaignId}::uuid, '+131077' || lpad(g::text, 5, '0'), array['+131077' || lpad(g::text, 5, '0')],
                   '{}'::jsonb, array['America/Los_Angeles'], '2025-01-01T00:00:00Z'::timestamptz, 0
            from generate_series(1, 20000) g`,
      )
      .execute();
    await sql`analyze contacts`.execute(test.db);
    // 05:00Z: Kolkata 10:30 (open), Los Angeles 21:00 (closed) — and every LA contact ranks first.
    const at = new Date('2026-12-07T05:00:00Z');
    const sets = await dueZoneSets(test.db, s.campaignId);
    expect(sets.map((z) => z?.join())).toEqual(['America/Los_Angeles', 'Asia/Kolkata']);
    expect(await leasedAt(s.campaignId, at)).toEqual(s.contactIds);
  });
});
