import { afterEach, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../test/support/db';
import { seedRunningCampaign } from '../../test/fixtures/seed';
import { claimAttempt } from './attempts.repository';
import { admit } from './admission.repository';
import { updateSettings } from './settings.repository';

/**
 * The organisation's frequency cap, enforced by the claim under the number's own lock: campaigns claiming
 * the same number at the same moment (as two workers do) never place more dials than the cap, and the
 * contact held back waits for the moment the cap allows — it is not failed.
 */

const test = useTestDatabase();
const H = 3_600_000;

afterEach(async () => {
  await updateSettings(test.db, { frequency_cap: null }, 'test', new Date());
});

let nextPhone = 0;
/** `count` running campaigns, each with one contact on the same number, each admitted (a lease each). */
async function campaignsSharingANumber(count: number, seedOpts: { cpsLimit?: number }[] = []) {
  const phone = `+9197${String(40_000_000 + nextPhone++)}`;
  const leases = [];
  for (let i = 0; i < count; i++) {
    const s = await seedRunningCampaign(test.db, { contacts: 1, ...seedOpts[i] });
    await test.db
      .updateTable('contacts')
      .set({ phone, phones: [phone] })
      .where('id', '=', s.contactIds[0]!)
      .execute();
    const admitted = await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: new Date() });
    expect(admitted.handoffs).toHaveLength(1);
    leases.push({ ...admitted.handoffs[0]!, campaignId: s.campaignId, carrierId: s.carrierIds[0]! });
  }
  return { phone, leases };
}

const contactOf = (id: string) =>
  test.db
    .selectFrom('contacts')
    .select(['state', 'ready_at', 'next_due_at', 'held_by', 'attempts', 'final_at'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();

describe('frequency cap in the claim', () => {
  it('cap 2 per 24 h: of three campaigns claiming the same number at once, two dial and one waits', async () => {
    await updateSettings(test.db, { frequency_cap: { max_calls: 2, per_hours: 24 } }, 'test', new Date());
    const { phone, leases } = await campaignsSharingANumber(3);
    const now = new Date();
    const claims = await Promise.all(leases.map((l) => claimAttempt(test.db, l.attemptId, now)));
    expect(claims.filter((c) => c.kind === 'claimed')).toHaveLength(2);
    const held = leases.filter((_, i) => claims[i]!.kind !== 'claimed');
    expect(held).toHaveLength(1);
    const heldClaim = claims.find((c) => c.kind !== 'claimed');
    expect(heldClaim).toEqual({
      kind: 'cancelled',
      reason: 'frequency_cap',
      contactFinal: false,
      heldUntil: expect.any(Date),
    });

    const sent = await test.db
      .selectFrom('attempts')
      .select('originate_sent_at')
      .where('phone', '=', phone)
      .where('originate_sent_at', 'is not', null)
      .orderBy('originate_sent_at')
      .execute();
    expect(sent).toHaveLength(2);
    // Waiting, not failed: due when the older of the two dials leaves the 24-hour window.
    const contact = await contactOf(held[0]!.contactId);
    expect(contact).toMatchObject({
      state: 'pending',
      held_by: 'frequency_cap',
      attempts: 0,
      final_at: null,
    });
    // Its workflow sleeps until then and marks it ready: not ready meanwhile.
    expect(contact.next_due_at?.getTime()).toBe(sent[0]!.originate_sent_at!.getTime() + 24 * H);
    expect(contact.ready_at).toBeNull();
    expect(heldClaim?.kind === 'cancelled' && heldClaim.heldUntil).toEqual(contact.next_due_at);
    // Its lease is gone: the seat went back.
    expect(
      await test.db
        .selectFrom('attempts')
        .select('attempt_id')
        .where('attempt_id', '=', held[0]!.attemptId)
        .execute(),
    ).toEqual([]);
  });

  it('counts a dial another campaign placed for a later carrier moment: the third claim waits', async () => {
    await updateSettings(test.db, { frequency_cap: { max_calls: 2, per_hours: 24 } }, 'test', new Date());
    // The first campaign's carrier is paced and its next write moment is 800 ms out (another dial of the
    // carrier took the one before): its claim places the dial for then, ahead of the clock.
    const { phone, leases } = await campaignsSharingANumber(3, [{ cpsLimit: 2 }]);
    const now = new Date();
    await test.db
      .updateTable('carriers')
      .set({ next_originate_at: new Date(now.getTime() + 800) })
      .where('id', '=', leases[0]!.carrierId)
      .execute();
    const first = await claimAttempt(test.db, leases[0]!.attemptId, now);
    expect(first).toMatchObject({ kind: 'claimed', originateAt: new Date(now.getTime() + 800) });
    expect(await claimAttempt(test.db, leases[1]!.attemptId, now)).toMatchObject({ kind: 'claimed' });
    // Two dials placed to the number, one of them for a moment after `now`: the third is over the cap.
    expect(await claimAttempt(test.db, leases[2]!.attemptId, now)).toEqual({
      kind: 'cancelled',
      reason: 'frequency_cap',
      contactFinal: false,
      heldUntil: new Date(now.getTime() + 24 * H),
    });
    const sent = await test.db
      .selectFrom('attempts')
      .select('originate_sent_at')
      .where('phone', '=', phone)
      .where('originate_sent_at', 'is not', null)
      .execute();
    expect(sent).toHaveLength(2);
    // Waiting for the older dial (placed at `now`) to leave the window, not failed.
    expect(await contactOf(leases[2]!.contactId)).toMatchObject({
      state: 'pending',
      held_by: 'frequency_cap',
      final_at: null,
      next_due_at: new Date(now.getTime() + 24 * H),
    });
  });

  it('counts dials placed by other campaigns in the rolling window only', async () => {
    await updateSettings(test.db, { frequency_cap: { max_calls: 1, per_hours: 2 } }, 'test', new Date());
    const { leases } = await campaignsSharingANumber(2);
    const t0 = new Date();
    expect(await claimAttempt(test.db, leases[0]!.attemptId, t0)).toMatchObject({ kind: 'claimed' });
    // Three hours later the first dial has left the window: the second campaign may dial.
    expect(await claimAttempt(test.db, leases[1]!.attemptId, new Date(t0.getTime() + 3 * H))).toMatchObject({
      kind: 'claimed',
    });
  });

  it('without a cap, every campaign dials the number', async () => {
    const { leases } = await campaignsSharingANumber(3);
    const now = new Date();
    const claims = await Promise.all(leases.map((l) => claimAttempt(test.db, l.attemptId, now)));
    expect(claims.map((c) => c.kind)).toEqual(['claimed', 'claimed', 'claimed']);
  });
});
