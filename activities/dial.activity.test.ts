import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { MockActivityEnvironment } from '@temporalio/testing';
import { useTestDatabase } from '../test/support/db';
import { seedRunningCampaign } from '../test/fixtures/seed';
import { admit } from '../db/repositories/admission.repository';
import {
  claimAttempt,
  commitToOriginate,
  getAttempt,
  markCallProgress,
} from '../db/repositories/attempts.repository';
import { SwitchNotConnectedError } from '../telephony/esl-connection';
import type { ChannelEvent } from './call-tracker';
import { createDialActivities, type SwitchControl } from './dial.activity';

const test = useTestDatabase();

/**
 * One call up on a switch, answered by a machine (`amd_result=MACHINE` on its channel) before this dial
 * watched it: the switch hangs it up once a queued `hangup::` broadcast is taken, as FreeSWITCH does after
 * the message played. `refuse` makes the first commands fail as a switch that blinked would.
 */
class MachineCallSwitch implements SwitchControl {
  readonly connected = true;
  readonly commands: string[] = [];
  private readonly watchers = new Set<(e: ChannelEvent) => void>();
  private up = true;
  constructor(
    private readonly uuid: string,
    private refuse = 0,
  ) {}
  originate(): Promise<{ jobUuid: string }> {
    throw new Error('a reconciling dial never places the call again');
  }
  async kill(uuid: string): Promise<boolean> {
    this.commands.push(`uuid_kill ${uuid}`);
    if (this.refuse > 0) {
      this.refuse--;
      throw new SwitchNotConnectedError();
    }
    this.hangUp();
    return true;
  }
  async exists(uuid: string): Promise<boolean> {
    return this.up && uuid === this.uuid;
  }
  async api(command: string): Promise<string> {
    this.commands.push(command);
    if (command === `uuid_getvar ${this.uuid} amd_result`)
      return this.up ? 'MACHINE' : '-ERR No such channel!';
    if (!command.startsWith('uuid_broadcast')) return '-ERR Command not found!';
    if (this.refuse > 0) {
      this.refuse--;
      return '';
    }
    if (command.includes('hangup::')) setTimeout(() => this.hangUp(), 20);
    return '+OK Message sent\n';
  }
  watch(_uuid: string, listener: (e: ChannelEvent) => void): () => void {
    this.watchers.add(listener);
    return () => this.watchers.delete(listener);
  }
  onReconnect(): () => void {
    return () => undefined;
  }
  private hangUp(): void {
    if (!this.up) return;
    this.up = false;
    const answeredUs = String((Date.now() - 3_000) * 1000);
    for (const l of this.watchers)
      l({
        name: 'CHANNEL_HANGUP_COMPLETE',
        headers: {
          'Hangup-Cause': 'NORMAL_CLEARING',
          variable_amd_result: 'MACHINE',
          variable_answer_epoch: String(Math.floor(Date.now() / 1000) - 3),
          variable_answer_uepoch: answeredUs,
          variable_billsec: '3',
          variable_sip_term_status: '200',
        },
      });
  }
}

/** A dial whose first try placed the call, saw it answered, and was lost (e.g. its heartbeats were late). */
async function retriedDialOfAnsweredCall(config: Parameters<typeof seedRunningCampaign>[1]['config']) {
  const s = await seedRunningCampaign(test.db, { contacts: 1, config });
  // The run's config snapshot, which the voicemail action reads.
  await sql`insert into campaign_runs (campaign_id, run_no, status, config, setup)
    select id, 1, 'running', config, '{}'::jsonb from campaigns where id = ${s.campaignId}
    on conflict (campaign_id, run_no) do update set config = excluded.config`.execute(test.db);
  const admitted = await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: new Date() });
  const handoff = admitted.handoffs[0]!;
  expect(await claimAttempt(test.db, handoff.attemptId, new Date())).toMatchObject({ kind: 'claimed' });
  await test.db
    .updateTable('attempts')
    .set({ originate_sent_at: new Date(), originate_written_at: new Date() })
    .where('attempt_id', '=', handoff.attemptId)
    .execute();
  await markCallProgress(test.db, handoff.attemptId, 'in_progress', new Date());
  return { input: { campaignId: s.campaignId, runNo: 1, contactId: handoff.contactId, handoff }, handoff };
}

const timings = { ringTimeoutS: 1, maxCallS: 3, graceS: 1 };

describe('a retried dial of a call a machine answered', () => {
  it('asks the switch for the detection verdict it did not see, and leaves the message once', async () => {
    const { input, handoff } = await retriedDialOfAnsweredCall({
      voicemail: { action: 'message', message: 'Please call us back' },
    });
    const sw = new MachineCallSwitch(handoff.attemptId);
    const { dial } = createDialActivities({
      db: test.db,
      switch: sw,
      seats: { seatLatch: () => ({ wait: async () => false, close: () => undefined }) },
      timings,
    });
    const result = await new MockActivityEnvironment().run(dial, input);

    expect(result).toMatchObject({ kind: 'ended', outcome: 'machine' });
    const broadcasts = sw.commands.filter((c) => c.startsWith('uuid_broadcast'));
    expect(broadcasts).toEqual([
      `uuid_broadcast ${handoff.attemptId} 'say:Please call us back' aleg`,
      `uuid_broadcast ${handoff.attemptId} hangup::NORMAL_CLEARING aleg`,
    ]);
    expect((await getAttempt(test.db, handoff.attemptId))?.voicemail_left).toBe(true);
  });

  it('hangs up on the machine, trying again when the switch refused the first time', async () => {
    const { input, handoff } = await retriedDialOfAnsweredCall({ voicemail: { action: 'hangup' } });
    const sw = new MachineCallSwitch(handoff.attemptId, 1);
    const { dial } = createDialActivities({
      db: test.db,
      switch: sw,
      seats: { seatLatch: () => ({ wait: async () => false, close: () => undefined }) },
      timings,
    });
    const result = await new MockActivityEnvironment().run(dial, input);

    expect(result).toMatchObject({ kind: 'ended', outcome: 'machine' });
    // Ended by our second hangup, not by the stale-call kill (ALLOTTED_TIMEOUT) seconds later.
    expect(sw.commands.filter((c) => c.startsWith('uuid_kill'))).toEqual([
      `uuid_kill ${handoff.attemptId}`,
      `uuid_kill ${handoff.attemptId}`,
    ]);
    expect((await getAttempt(test.db, handoff.attemptId))?.hangup_cause).toBe('NORMAL_CLEARING');
  });
});

/** A switch on which every originate is refused busy (SIP 486) a moment later; it logs what it was sent. */
class BusySwitch implements SwitchControl {
  readonly connected = true;
  readonly originated: string[] = [];
  private readonly watchers = new Map<string, Set<(e: ChannelEvent) => void>>();
  async originate(req: { uuid: string }): Promise<{ jobUuid: string }> {
    this.originated.push(req.uuid);
    setTimeout(() => {
      for (const l of this.watchers.get(req.uuid) ?? [])
        l({
          name: 'CHANNEL_HANGUP_COMPLETE',
          headers: { 'Hangup-Cause': 'USER_BUSY', variable_sip_term_status: '486' },
        });
    }, 20);
    return { jobUuid: `job-${req.uuid}` };
  }
  async kill(): Promise<boolean> {
    return false;
  }
  async exists(uuid: string): Promise<boolean> {
    return this.originated.includes(uuid);
  }
  async api(): Promise<string> {
    return '-ERR Command not found!';
  }
  watch(uuid: string, listener: (e: ChannelEvent) => void): () => void {
    const set = this.watchers.get(uuid) ?? new Set();
    set.add(listener);
    this.watchers.set(uuid, set);
    return () => set.delete(listener);
  }
  onReconnect(): () => void {
    return () => undefined;
  }
}

describe('a retried dial whose first try died between its seat claim and its originate write', () => {
  it('claims again and places the call: the contact is dialled once, not spent without a call', async () => {
    const s = await seedRunningCampaign(test.db, { contacts: 1 });
    const admitted = await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: new Date() });
    const handoff = admitted.handoffs[0]!;
    // The first try's claim; its worker was killed before it wrote anything to the switch.
    const dead = await claimAttempt(test.db, handoff.attemptId, new Date(), 'dead-worker');
    expect(dead.kind).toBe('claimed');

    const sw = new BusySwitch();
    const { dial } = createDialActivities({
      db: test.db,
      switch: sw,
      seats: { seatLatch: () => ({ wait: async () => false, close: () => undefined }) },
      timings,
      workerId: 'live-worker',
    });
    const input = { campaignId: s.campaignId, runNo: 1, contactId: handoff.contactId, handoff };
    const result = await new MockActivityEnvironment().run(dial, input);

    expect(result).toMatchObject({ kind: 'ended', sipCode: 486 });
    expect(sw.originated).toEqual([handoff.attemptId]);
    const attempt = await getAttempt(test.db, handoff.attemptId);
    // The switch's own word, not a reconciled guess (ORI_UNTRACKED).
    expect(attempt).toMatchObject({ hangup_cause: 'USER_BUSY', sip_code: 486, dialled_by: 'live-worker' });
    // The dead try, had it only stalled, can no longer write its originate.
    if (dead.kind === 'claimed')
      expect(await commitToOriginate(test.db, handoff.attemptId, dead.claimToken, new Date())).toEqual({
        kind: 'superseded',
      });
  });
});

/**
 * A switch that takes the originate (`+OK Job-UUID`) and dies before its job creates the channel: no event
 * of the call ever comes. `restart()` brings up a new switch process (a new Core-UUID unless told to keep
 * it, as if it were the same process after a network blip) that has never heard of the call.
 */
class SwitchThatDiesBeforeTheJob implements SwitchControl {
  connected = true;
  coreUuid = 'core-before';
  readonly originated: string[] = [];
  private readonly reconnects = new Set<() => void>();
  async originate(req: { uuid: string }): Promise<{ jobUuid: string }> {
    this.originated.push(req.uuid);
    return { jobUuid: `job-${req.uuid}` };
  }
  restart(coreUuid = 'core-after'): void {
    this.coreUuid = coreUuid;
    for (const l of this.reconnects) l();
  }
  async kill(): Promise<boolean> {
    return false;
  }
  async exists(): Promise<boolean> {
    return false;
  }
  async api(): Promise<string> {
    return '-ERR No such channel!';
  }
  watch(): () => void {
    return () => undefined;
  }
  onReconnect(listener: () => void): () => void {
    this.reconnects.add(listener);
    return () => this.reconnects.delete(listener);
  }
}

/** A first try of the dial activity against `sw`, with no seat notifications: it claims at once. */
function runDial(
  sw: SwitchControl,
  campaignId: string,
  handoff: Awaited<ReturnType<typeof admit>>['handoffs'][number],
) {
  const { dial } = createDialActivities({
    db: test.db,
    switch: sw,
    seats: { seatLatch: () => ({ wait: async () => false, close: () => undefined }) },
    timings,
  });
  return new MockActivityEnvironment().run(dial, {
    campaignId,
    runNo: 1,
    contactId: handoff.contactId,
    handoff,
  });
}

describe('an originate the switch took and then died before running', () => {
  async function dialOnce(sw: SwitchThatDiesBeforeTheJob, restartTo?: string) {
    const s = await seedRunningCampaign(test.db, { contacts: 1 });
    const handoff = (await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: new Date() }))
      .handoffs[0]!;
    setTimeout(() => sw.restart(restartTo), 50);
    const result = await runDial(sw, s.campaignId, handoff);
    const contact = await test.db
      .selectFrom('contacts')
      .select(['attempts', 'final_at'])
      .where('id', '=', handoff.contactId)
      .executeTakeFirstOrThrow();
    return { result, contact, attempt: await getAttempt(test.db, handoff.attemptId) };
  }

  it('is no attempt once a restarted switch (another Core-UUID) knows nothing of it: the contact waits again', async () => {
    const sw = new SwitchThatDiesBeforeTheJob();
    const { result, contact, attempt } = await dialOnce(sw);
    expect(sw.originated).toHaveLength(1);
    expect(result).toEqual({ kind: 'cancelled', reason: 'switch_unavailable', contactFinal: false });
    expect(attempt).toBeUndefined();
    expect(contact).toEqual({ attempts: 0, final_at: null });
  });

  it('stays a spent attempt when the same switch is still there: it may have placed the call', async () => {
    const sw = new SwitchThatDiesBeforeTheJob();
    const { result, attempt } = await dialOnce(sw, 'core-before');
    expect(result).toMatchObject({ kind: 'ended', outcome: 'timeout' });
    expect(attempt).toMatchObject({ hangup_cause: 'ORI_UNTRACKED', originate_core_uuid: 'core-before' });
  });

  it('is released by a retry on another worker that reads the switch it was written to', async () => {
    const s = await seedRunningCampaign(test.db, { contacts: 1 });
    const handoff = (await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: new Date() }))
      .handoffs[0]!;
    // The first try wrote it to the switch 'core-before' and died with it.
    const claim = await claimAttempt(test.db, handoff.attemptId, new Date(), 'dead-worker');
    if (claim.kind !== 'claimed') throw new Error(claim.kind);
    await commitToOriginate(test.db, handoff.attemptId, claim.claimToken, new Date(), 'core-before');
    const sw = new SwitchThatDiesBeforeTheJob();
    sw.coreUuid = 'core-after';
    const result = await runDial(sw, s.campaignId, handoff);
    expect(result).toEqual({ kind: 'cancelled', reason: 'switch_unavailable', contactFinal: false });
    expect(sw.originated).toEqual([]);
    expect(await getAttempt(test.db, handoff.attemptId)).toBeUndefined();
  });
});

describe('a claim that stamps its own write (an uncapped carrier)', () => {
  it('names the switch that takes the write when the connection moved to a restarted switch while the claim committed', async () => {
    const s = await seedRunningCampaign(test.db, { contacts: 1 });
    const handoff = (await admit(test.db, { campaignId: s.campaignId, runNo: 1, now: new Date() }))
      .handoffs[0]!;
    // The claim reads 'core-before'; by the write the connection is to 'core-after'.
    const sw = new SwitchThatDiesBeforeTheJob();
    let reads = 0;
    Object.defineProperty(sw, 'coreUuid', { get: () => (reads++ === 0 ? 'core-before' : 'core-after') });
    await runDial(sw, s.campaignId, handoff);
    expect(sw.originated).toEqual([handoff.attemptId]);
    // Stamped with the old switch, a follower that finds it gone would have released a call that was placed.
    const attempt = await getAttempt(test.db, handoff.attemptId);
    expect(attempt).toMatchObject({ originate_core_uuid: 'core-after' });
    expect(attempt?.originate_written_at).not.toBeNull();
  });
});
