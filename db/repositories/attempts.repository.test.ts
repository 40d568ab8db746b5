import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../test/support/db';
import { seedRunningCampaign } from '../../test/fixtures/seed';
import {
  claimAttempt,
  isContactFinal,
  lockCampaignClaims,
  markContactReady,
  recordContactStep,
  commitToOriginate,
} from './attempts.repository';
import { admit } from './admission.repository';
import { stopCampaignRun } from './runs.repository';

const test = useTestDatabase();

describe('contact writes are fenced by run', () => {
  it('a workflow of an earlier run cannot touch a contact that a newer run has reset', async () => {
    const s = await seedRunningCampaign(test.db, { contacts: 1 });
    const id = s.contactIds[0]!;
    // Stop → restart → start: the contact now belongs to run 2, pending again.
    await test.db
      .updateTable('contacts')
      .set({ run_no: 2, state: 'pending', ready_at: null })
      .where('id', '=', id)
      .execute();
    const now = new Date();
    await recordContactStep(
      test.db,
      id,
      1,
      { kind: 'final', state: 'failed', outcome: 'no_answer', disposition: null, exhaustedRetries: false },
      480,
      now,
    );
    expect(await markContactReady(test.db, id, 1, now)).toBe(false);
    expect(await isContactFinal(test.db, id, 1)).toBe(true);
    const row = await test.db
      .selectFrom('contacts')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.state).toBe('pending');
    expect(row.final_at).toBeNull();
    expect(row.ready_at).toBeNull();
    // Its own run writes as before.
    expect(await markContactReady(test.db, id, 2, now)).toBe(true);
    expect(await isContactFinal(test.db, id, 2)).toBe(false);
  });
});

describe('a stop and a claim in flight', () => {
  it('the stop waits for a claim that holds the campaign claim lock: the claimed contact is not finalised as waiting', async () => {
    const s = await seedRunningCampaign(test.db, { contacts: 2, config: { concurrency: 2 } });
    const admitted = await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: new Date() });
    const claimed = admitted.handoffs[0]!;
    let stopDone = false;
    let stopping: Promise<number> | null = null;
    await test.db.transaction().execute(async (tx) => {
      // Where claimAttempt is after its checks read the campaign `running`.
      await lockCampaignClaims(tx, s.campaignId);
      stopping = stopCampaignRun(test.db, s.campaignId, 'tester', new Date()).then((n) => {
        stopDone = true;
        return n;
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(stopDone).toBe(false);
      // The claim's writes, as claimAttempt makes them.
      await tx
        .updateTable('attempts')
        .set({ status: 'dialling', originate_sent_at: new Date(), started_at: new Date() })
        .where('attempt_id', '=', claimed.attemptId)
        .execute();
      await tx
        .updateTable('contacts')
        .set({ state: 'dialling' })
        .where('id', '=', claimed.contactId)
        .where('final_at', 'is', null)
        .execute();
    });
    await stopping;
    const rows = await test.db
      .selectFrom('contacts')
      .select(['id', 'state', 'final_at'])
      .where('campaign_id', '=', s.campaignId)
      .execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    // The claimed contact is on a call: the engine finalises it when the call ends.
    expect(byId.get(claimed.contactId)).toMatchObject({ state: 'dialling', final_at: null });
    // The other, never claimed, is stopped with the run; its claim now sees the stop and never dials.
    const other = admitted.handoffs[1]!;
    expect(byId.get(other.contactId)?.state).toBe('manually_stopped');
    expect(await claimAttempt(test.db, other.attemptId, new Date())).toMatchObject({ kind: 'cancelled' });
  });
});

describe('a claimed dial waiting for its carrier moment', () => {
  it('is written while the run dials, taken back when a stop committed meanwhile, and waits again after a pause', async () => {
    const s = await seedRunningCampaign(test.db, { contacts: 2, config: { concurrency: 2 } });
    const admitted = await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: new Date() });
    const [first, second] = admitted.handoffs as [
      (typeof admitted.handoffs)[0],
      (typeof admitted.handoffs)[0],
    ];
    const tokens: string[] = [];
    for (const h of [first, second]) {
      const claim = await claimAttempt(test.db, h.attemptId, new Date());
      expect(claim).toMatchObject({ kind: 'claimed' });
      if (claim.kind === 'claimed') tokens.push(claim.claimToken);
    }
    const [firstToken, secondToken] = tokens as [string, string];
    // Paused before the write: the seat goes back, the contact waits to be admitted again.
    await test.db.updateTable('campaigns').set({ status: 'paused' }).where('id', '=', s.campaignId).execute();
    expect(await commitToOriginate(test.db, first.attemptId, firstToken, new Date())).toEqual({
      kind: 'withdrawn',
      reason: 'campaign_paused',
      contactFinal: false,
    });
    const waiting = await test.db
      .selectFrom('contacts')
      .select(['state', 'final_at', 'attempts'])
      .where('id', '=', first.contactId)
      .executeTakeFirstOrThrow();
    expect(waiting).toMatchObject({ final_at: null, attempts: 0 });
    expect(['pending', 'retry_scheduled']).toContain(waiting.state);

    // Stopped before the write: never dialled, finalised as the stop finalises waiting contacts.
    await test.db
      .updateTable('campaigns')
      .set({ status: 'running' })
      .where('id', '=', s.campaignId)
      .execute();
    await stopCampaignRun(test.db, s.campaignId, 'tester', new Date());
    expect(await commitToOriginate(test.db, second.attemptId, secondToken, new Date())).toEqual({
      kind: 'withdrawn',
      reason: 'campaign_completed',
      contactFinal: true,
    });
    const stopped = await test.db
      .selectFrom('contacts')
      .select(['state', 'attempts'])
      .where('id', '=', second.contactId)
      .executeTakeFirstOrThrow();
    expect(stopped).toEqual({ state: 'manually_stopped', attempts: 0 });
    const left = await test.db
      .selectFrom('attempts')
      .select('attempt_id')
      .where('campaign_id', '=', s.campaignId)
      .execute();
    expect(left).toEqual([]);
  });
});

describe('the claim and the write are fenced per try of the dial', () => {
  async function claimedAttempt() {
    const s = await seedRunningCampaign(test.db, { contacts: 1 });
    const [h] = (await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: new Date() })).handoffs;
    const first = await claimAttempt(test.db, h!.attemptId, new Date(), 'worker-a');
    if (first.kind !== 'claimed') throw new Error(`expected a claim, got ${first.kind}`);
    return { s, attemptId: h!.attemptId, contactId: h!.contactId, first };
  }

  it('writes once the running run stamps the claiming try: a retry then reconciles, never claims again', async () => {
    const { attemptId, first } = await claimedAttempt();
    expect(await commitToOriginate(test.db, attemptId, first.claimToken, new Date())).toEqual({
      kind: 'write',
    });
    const row = await test.db
      .selectFrom('attempts')
      .select(['originate_written_at', 'claim_token', 'dialled_by'])
      .where('attempt_id', '=', attemptId)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ claim_token: first.claimToken, dialled_by: 'worker-a' });
    expect(row.originate_written_at).not.toBeNull();
    expect((await claimAttempt(test.db, attemptId, new Date(), 'worker-b')).kind).toBe('already_sent');
    // The same try cannot stamp twice (a second write would be a second call).
    expect(await commitToOriginate(test.db, attemptId, first.claimToken, new Date())).toEqual({
      kind: 'superseded',
    });
  });

  it('lets the retry of a try that died before its write claim and place the call, and fences the dead try out', async () => {
    const { attemptId, contactId, first } = await claimedAttempt();
    // worker-a died between its claim and its write: the retry on worker-b claims afresh.
    const retry = await claimAttempt(test.db, attemptId, new Date(), 'worker-b');
    expect(retry.kind).toBe('claimed');
    if (retry.kind !== 'claimed') return;
    expect(retry.claimToken).not.toBe(first.claimToken);
    // Had worker-a only stalled, its late write is refused: one originate, by the retry.
    expect(await commitToOriginate(test.db, attemptId, first.claimToken, new Date())).toEqual({
      kind: 'superseded',
    });
    expect(await commitToOriginate(test.db, attemptId, retry.claimToken, new Date())).toEqual({
      kind: 'write',
    });
    const row = await test.db
      .selectFrom('attempts')
      .select(['dialled_by', 'status'])
      .where('attempt_id', '=', attemptId)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ dialled_by: 'worker-b', status: 'dialling' });
    // Still one attempt for the contact, counted once.
    const contact = await test.db
      .selectFrom('contacts')
      .select(['attempts', 'state'])
      .where('id', '=', contactId)
      .executeTakeFirstOrThrow();
    expect(contact).toEqual({ attempts: 1, state: 'dialling' });
  });

  it('gives the seat back when the run paused while the claiming try was dead', async () => {
    const { s, attemptId, contactId } = await claimedAttempt();
    await test.db.updateTable('campaigns').set({ status: 'paused' }).where('id', '=', s.campaignId).execute();
    expect(await claimAttempt(test.db, attemptId, new Date(), 'worker-b')).toMatchObject({
      kind: 'cancelled',
      reason: 'campaign_paused',
      contactFinal: false,
    });
    const contact = await test.db
      .selectFrom('contacts')
      .select(['attempts', 'final_at'])
      .where('id', '=', contactId)
      .executeTakeFirstOrThrow();
    expect(contact).toEqual({ attempts: 0, final_at: null });
    const left = await test.db
      .selectFrom('attempts')
      .select('attempt_id')
      .where('attempt_id', '=', attemptId)
      .execute();
    expect(left).toEqual([]);
  });
});

describe('a claim for a dial that writes at once', () => {
  it('stamps the write itself on an uncapped carrier, and leaves it to commitToOriginate on a capped one', async () => {
    const uncapped = await seedRunningCampaign(test.db, { contacts: 1 });
    const [free] = (await admit(test.db, { campaignId: uncapped.campaignId, runNo: 1, now: new Date() }))
      .handoffs;
    const claim = await claimAttempt(test.db, free!.attemptId, new Date(), 'w1', undefined, {
      switchCoreUuid: 'core-1',
    });
    expect(claim).toMatchObject({ kind: 'claimed', spacingMs: null, written: { switchCoreUuid: 'core-1' } });
    const stamped = await test.db
      .selectFrom('attempts')
      .select(['originate_written_at', 'originate_core_uuid', 'status'])
      .where('attempt_id', '=', free!.attemptId)
      .executeTakeFirstOrThrow();
    expect(stamped).toMatchObject({ originate_core_uuid: 'core-1', status: 'dialling' });
    expect(stamped.originate_written_at).not.toBeNull();
    // Already written: a second stamp is refused, and a retried try reconciles instead of dialling.
    if (claim.kind === 'claimed')
      expect(await commitToOriginate(test.db, free!.attemptId, claim.claimToken, new Date())).toEqual({
        kind: 'superseded',
      });
    expect(await claimAttempt(test.db, free!.attemptId, new Date())).toMatchObject({ kind: 'already_sent' });

    const capped = await seedRunningCampaign(test.db, { contacts: 1, cpsLimit: 4 });
    const [paced] = (await admit(test.db, { campaignId: capped.campaignId, runNo: 1, now: new Date() }))
      .handoffs;
    const later = await claimAttempt(test.db, paced!.attemptId, new Date(), 'w1', undefined, {
      switchCoreUuid: 'core-1',
    });
    expect(later).toMatchObject({ kind: 'claimed', written: null });
    const unstamped = await test.db
      .selectFrom('attempts')
      .select(['originate_written_at'])
      .where('attempt_id', '=', paced!.attemptId)
      .executeTakeFirstOrThrow();
    expect(unstamped.originate_written_at).toBeNull();
  });
});
