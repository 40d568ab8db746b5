import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManagedProcess } from '../../scripts/processes';
import {
  buildCampaign,
  callsTo,
  digits,
  eventually,
  NumberPlan,
  sleep,
  startStack,
  waitForCompletion,
  type Stack,
} from './stack';

/**
 * The switch's word is final, and a switch outage spends nothing, proved against the simulator's call log:
 * - a worker killed (-9) while its calls ring: the other worker's ESL connection records their hangups in
 *   the call journal, the dead worker's dials are retried within seconds (short heartbeat timeout) and
 *   close every call with the outcome the switch gave it — not `timeout` — and nothing is dialled twice;
 * - the switch killed mid-run and brought back: while it is down admission leases nothing and the live
 *   panel says why, no contact is burnt (every attempt is a call the switch received), and dialling
 *   resumes within seconds of its return.
 */

const plan = new NumberPlan('+9194');
// Rings long enough to kill a worker while they ring, short enough to end before its dials are retried.
const RINGING = [
  ...plan.many(4, ['no_answer:9']),
  ...plan.many(3, ['sip:486:9']),
  ...plan.many(3, ['sip:603:8']),
];
const OUTAGE = plan.many(30, ['answer:2']);

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    scenario: { time_scale: 1, default: { 'sip:503': 1 }, numbers: plan.numbers },
    // A conversation cut off by the switch's death never gets its post-call result: do not wait long.
    workerEnv: { ORI_RESULT_GRACE_S: '5' },
  });
  await Promise.all([stack.startWorker(), stack.startWorker()]);
});
afterAll(async () => {
  await stack?.stop();
});

/** The pids of a process and its descendants (tsx runs the worker in a child of the managed process). */
function processTree(pid: number): number[] {
  const out = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' });
  const children = new Map<number, number[]>();
  for (const line of out.trim().split('\n')) {
    const [p, pp] = line.trim().split(/\s+/).map(Number);
    if (p === undefined || pp === undefined) continue;
    children.set(pp, [...(children.get(pp) ?? []), p]);
  }
  const all = [pid];
  for (let i = 0; i < all.length; i++) all.push(...(children.get(all[i]!) ?? []));
  return all;
}

/** What the switch's own record of a call says our attempt must hold. */
function expectedFromSwitch(outcome: string): { outcome: string; sip_code: number | null } {
  if (outcome === 'no_answer') return { outcome: 'no_answer', sip_code: 480 };
  const sip = /^sip:(\d+)$/.exec(outcome);
  if (sip) return { outcome: 'rejected', sip_code: Number(sip[1]) };
  throw new Error(`unexpected switch outcome ${outcome}`);
}

describe('a worker killed while its calls ring', () => {
  it('records every call with the outcome the switch gave it, takes over within seconds, dials nothing twice', async () => {
    const campaign = await buildCampaign(stack, { phones: RINGING, config: { concurrency: 10 } });
    await eventually(
      'every call placed',
      async () => callsTo(stack, RINGING).length === RINGING.length,
      60_000,
    );
    const attempts = () =>
      stack.db.db.selectFrom('attempts').selectAll().where('campaign_id', '=', campaign.id).execute();
    // The worker that placed the most calls dies while they ring.
    const placed = await attempts();
    let victim: ManagedProcess | undefined;
    let victimIds: string[] = [];
    let most = -1;
    for (const w of stack.workers) {
      const pids = new Set(processTree(w.pid));
      const ids = [...new Set(placed.map((a) => a.dialled_by ?? ''))].filter((id) =>
        pids.has(Number(id.split(':')[1])),
      );
      const count = placed.filter((a) => ids.includes(a.dialled_by ?? '')).length;
      if (count > most) [victim, victimIds, most] = [w, ids, count];
    }
    expect(most).toBeGreaterThan(0);
    const firstEnd = Math.min(...callsTo(stack, RINGING).map((c) => Date.parse(c.received_at) + 8_000));
    await sleep(Math.max(0, firstEnd - Date.now() - 2_500));
    expect(callsTo(stack, RINGING).every((c) => c.ended_at === null)).toBe(true);
    process.kill(-victim!.pid, 'SIGKILL');
    const killedAt = Date.now();
    await victim!.exited;
    // Restarted, as a supervisor would.
    await stack.startWorker();

    await waitForCompletion(stack, campaign.id, 120_000);
    const calls = callsTo(stack, RINGING);
    // Nothing dialled twice: one originate per number, one attempt per originate.
    expect(calls).toHaveLength(RINGING.length);
    expect(new Set(calls.map((c) => digits(c.number))).size).toBe(RINGING.length);
    const byId = new Map((await attempts()).map((a) => [a.attempt_id, a]));
    expect(byId.size).toBe(RINGING.length);
    for (const call of calls) {
      const attempt = byId.get(call.uuid);
      expect({ number: call.number, outcome: attempt?.outcome, sip_code: attempt?.sip_code }).toEqual({
        number: call.number,
        ...expectedFromSwitch(call.outcome),
      });
      expect(attempt?.hangup_cause).not.toBe('ORI_UNTRACKED');
    }
    // The victim's calls ended while it was dead: the survivor's journal is where their outcome came from.
    const victims = [...byId.values()].filter((a) => victimIds.includes(a.dialled_by ?? ''));
    const journal = await stack.db.db
      .selectFrom('call_journal')
      .select(['call_uuid', 'recorded_by'])
      .where(
        'call_uuid',
        'in',
        victims.map((a) => a.attempt_id),
      )
      .execute();
    expect(journal).toHaveLength(victims.length);
    expect(journal.every((j) => !victimIds.includes(j.recorded_by))).toBe(true);
    // Takeover: the dead worker's calls were closed within seconds of the kill, not after 20 s.
    const takeoverS = Math.max(...victims.map((a) => (a.ended_at!.getTime() - killedAt) / 1000));
    console.log(`takeover of a killed worker's calls: ${takeoverS.toFixed(1)} s after the kill`);
    expect(takeoverS).toBeLessThan(15);
  });
});

describe('the switch killed mid-run', () => {
  it('pauses dialling while it is down, burns no contact, and dials again within seconds of its return', async () => {
    const campaign = await buildCampaign(stack, {
      phones: OUTAGE,
      config: { concurrency: 4, max_attempts: 1 },
    });
    await eventually('a few calls placed', async () => callsTo(stack, OUTAGE).length >= 6, 60_000);
    await stack.sim.crash();
    const crashedAt = Date.now();
    const live = await eventually(
      'the live panel to say the switch is unreachable',
      async () => {
        const r = await stack.api<{ activity_reason: string | null }>(
          'GET',
          `/api/v1/campaigns/${campaign.id}/live`,
        );
        return r.body.activity_reason === 'switch_unreachable' ? r.body : null;
      },
      20_000,
    );
    expect(live.activity_reason).toBe('switch_unreachable');
    await sleep(Math.max(0, crashedAt + 4_000 - Date.now()));
    // While it is down no dial is spent on it.
    const spentWhileDown = await stack.db.db
      .selectFrom('attempts')
      .select(['attempt_id', 'hangup_cause'])
      .where('campaign_id', '=', campaign.id)
      .where('outcome', '=', 'error')
      .execute();
    expect(spentWhileDown).toEqual([]);
    const beforeReturn = callsTo(stack, OUTAGE).length;
    await stack.sim.recover();
    const recoveredAt = Date.now();
    const resumed = await eventually(
      'a dial after the switch came back',
      async () => callsTo(stack, OUTAGE).find((c) => Date.parse(c.received_at) >= recoveredAt),
      30_000,
    );
    console.log(
      `dialling resumed ${((Date.parse(resumed.received_at) - recoveredAt) / 1000).toFixed(1)} s after the switch came back`,
    );
    expect(callsTo(stack, OUTAGE).length).toBeGreaterThan(beforeReturn);

    await waitForCompletion(stack, campaign.id, 180_000);
    const calls = callsTo(stack, OUTAGE);
    const received = new Set(calls.map((c) => c.uuid));
    const attempts = await stack.db.db
      .selectFrom('attempts')
      .select(['attempt_id', 'phone', 'outcome', 'hangup_cause'])
      .where('campaign_id', '=', campaign.id)
      .execute();
    // Every attempt counted is a call the switch received: none burnt on a switch that was not there.
    expect(attempts.filter((a) => !received.has(a.attempt_id))).toEqual([]);
    expect(attempts.filter((a) => a.outcome === 'error')).toEqual([]);
    // Every contact was dialled, once.
    expect(new Set(calls.map((c) => digits(c.number)))).toEqual(new Set(OUTAGE.map(digits)));
    expect(calls).toHaveLength(OUTAGE.length);
    const contacts = await stack.db.db
      .selectFrom('contacts')
      .select(['phone', 'state', 'final_at'])
      .where('campaign_id', '=', campaign.id)
      .execute();
    expect(contacts.every((c) => c.final_at !== null)).toBe(true);
  }, 240_000);
});
