import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { MockActivityEnvironment } from '@temporalio/testing';
import { useTestDatabase } from '../test/support/db';
import { seedRunningCampaign } from '../test/fixtures/seed';
import { admit } from '../db/repositories/admission.repository';
import { claimAttempt, getAttempt, markCallProgress } from '../db/repositories/attempts.repository';
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
    .set({ originate_sent_at: new Date() })
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
