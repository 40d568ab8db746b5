import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../test/support/db';
import { seedRunningCampaign } from '../../test/fixtures/seed';
import { claimAttempt } from './attempts.repository';
import { admit } from './admission.repository';

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

async function claimAllAt(campaignId: string, now: Date) {
  const admitted = await admit(test.db, { campaignId, runNo: 1, now });
  const out = new Map<string, string>();
  for (const h of admitted.handoffs)
    out.set(h.contactId, (await claimAttempt(test.db, h.attemptId, now)).kind);
  return out;
}

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
      ready_at: new Date('2026-12-07T17:00:00Z'),
    });
    expect(await contactOf(kol)).toMatchObject({
      held_by: 'recipient_hours',
      next_due_at: new Date('2026-12-08T03:30:00Z'),
    });
    // Nobody is admitted again before their own opening…
    expect(
      (await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: new Date('2026-12-07T16:59:00Z') }))
        .handoffs,
    ).toEqual([]);
    // …and each is dialled at it.
    expect((await claimAllAt(s.campaignId, new Date('2026-12-07T17:00:00Z'))).get(la)).toBe('claimed');
    expect((await claimAllAt(s.campaignId, new Date('2026-12-08T03:30:00Z'))).get(kol)).toBe('claimed');
  });

  it('follows DST: on the day New York springs forward, 09:00 local is 13:00Z', async () => {
    const s = await campaignIn(['America/New_York']);
    const [ny] = s.contactIds as [string];
    expect((await claimAllAt(s.campaignId, new Date('2026-03-08T12:30:00Z'))).get(ny)).toBe('cancelled');
    expect(await contactOf(ny)).toMatchObject({ next_due_at: new Date('2026-03-08T13:00:00Z') });
    expect((await claimAllAt(s.campaignId, new Date('2026-03-08T13:00:00Z'))).get(ny)).toBe('claimed');
  });
});
