/**
 * Worker takeover: two workers dial one campaign; the one that placed the most calls is killed with SIGKILL
 * while its calls ring. How long until the survivor follows each of the dead worker's calls again (the dial
 * activity's retry starting on it), and until each call's end is recorded in Postgres — with the switch's
 * own outcome, from the call log.
 */
import { sql } from 'kysely';
import { temporal } from '@temporalio/proto';
import { percentile } from '../calls';
import { createCampaign, drain, sleep, startCampaign, stopCampaign, uploadContacts } from '../campaign';
import type { BenchContext } from '../context';
import { cpuBetween } from '../proc';
import { fmt, verdict, type PartReport } from '../report';
import type { ManagedProcess } from '../../scripts/processes';

const EventType = temporal.api.enums.v1.EventType;
const TARGET_S = 5;
const CALLS = 20;
/** Calls that end while nobody follows them (6 s), and calls that outlive the takeover (30 s, 20 s). */
const SCENARIO = {
  time_scale: 1,
  default: { 'no_answer:6': 0.4, 'no_answer:30': 0.4, 'sip:486:20': 0.2 },
};

function tsMs(t: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  if (!t) return Number.NaN;
  const s = t.seconds;
  const seconds =
    typeof s === 'number'
      ? s
      : s && typeof (s as { toNumber?: () => number }).toNumber === 'function'
        ? (s as { toNumber: () => number }).toNumber()
        : Number(s ?? 0);
  return seconds * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}

/** When the dial activity of a contact workflow started again after the kill (attempt ≥ 2), and on whom. */
async function retriedDialStart(
  ctx: BenchContext,
  workflowId: string,
): Promise<{ at: number; identity: string } | null> {
  const history = await ctx.stack.client.workflow.getHandle(workflowId).fetchHistory();
  const dialScheduled = new Set<string>();
  for (const e of history.events ?? []) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (
      e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED &&
      scheduled?.activityType?.name === 'dial'
    )
      dialScheduled.add(String(e.eventId));
    const started = e.activityTaskStartedEventAttributes;
    if (
      e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED &&
      started &&
      dialScheduled.has(String(started.scheduledEventId)) &&
      (started.attempt ?? 1) >= 2
    ) {
      return { at: tsMs(e.eventTime), identity: started.identity ?? '' };
    }
  }
  return null;
}

export async function takeoverPart(ctx: BenchContext): Promise<PartReport> {
  const { stack, log } = ctx;
  const t0 = Date.now();
  const main = stack.worker() ?? (await stack.startWorker());
  const second = await stack.startExtraWorker();
  const c0 = await ctx.cpu();
  stack.sim.setScenario(SCENARIO);
  stack.sim.clearCalls();
  const setup = await createCampaign(stack, { name: 'bench takeover', concurrency: CALLS });
  await uploadContacts(stack, setup.id, CALLS, 2_000_000);
  await startCampaign(stack, setup.id);

  type Row = { attempt_id: string; contact_id: string; dialled_by: string | null; ended_at: Date | null };
  const attempts = async (): Promise<Row[]> =>
    (
      await sql<Row>`select attempt_id, contact_id, dialled_by, ended_at from attempts
        where campaign_id = ${setup.id}`.execute(stack.db)
    ).rows;
  const deadline = Date.now() + 60_000;
  let placed: Row[] = [];
  for (;;) {
    placed = (await attempts()).filter((a) => a.dialled_by !== null);
    const received = stack.sim.calls().filter((c) => c.vars['ori_campaign_id'] === setup.id).length;
    if (placed.length === CALLS && received === CALLS) break;
    if (Date.now() > deadline) throw new Error(`takeover: only ${received} of ${CALLS} calls placed in 60 s`);
    await sleep(200);
  }
  // Every call rings (the shortest for 6 s): kill while they do.
  const firstCall = Math.min(...stack.sim.calls().map((c) => Date.parse(c.received_at)));
  await sleep(Math.max(0, firstCall + 4_000 - Date.now()));
  const byPid = (w: ManagedProcess): Row[] => placed.filter((a) => a.dialled_by?.includes(`:${w.pid}:`));
  const [victim, survivor] = byPid(second).length >= byPid(main).length ? [second, main] : [main, second];
  const victimCalls = byPid(victim);
  if (victimCalls.length === 0) throw new Error('takeover: the killed worker had placed no call');
  process.kill(-victim.pid, 'SIGKILL');
  const killedAt = Date.now();
  log(`takeover: killed a worker with ${victimCalls.length} of ${CALLS} calls ringing`);

  // When each of the dead worker's calls is recorded as ended (polled every 100 ms).
  const recordedAt = new Map<string, number>();
  const ids = victimCalls.map((a) => a.attempt_id);
  const recordDeadline = Date.now() + 120_000;
  while (recordedAt.size < ids.length && Date.now() < recordDeadline) {
    const rows = await sql<{ attempt_id: string }>`select attempt_id from attempts
      where attempt_id in (${sql.join(ids)}) and ended_at is not null`.execute(stack.db);
    for (const r of rows.rows) if (!recordedAt.has(r.attempt_id)) recordedAt.set(r.attempt_id, Date.now());
    await sleep(100);
  }
  await victim.exited;
  // The rest of the campaign ends on its own (one wave of calls, max one attempt each).
  const doneDeadline = Date.now() + 120_000;
  while ((await attempts()).some((a) => a.ended_at === null) && Date.now() < doneDeadline) await sleep(500);
  const cpu = cpuBetween(c0, await ctx.cpu());
  await stopCampaign(stack, setup.id).catch(() => false);
  await drain(stack, setup.id, 30_000);

  // Ground truth: the switch's call log against what was recorded.
  const calls = new Map(
    stack.sim
      .calls()
      .filter((c) => c.vars['ori_campaign_id'] === setup.id)
      .map((c) => [c.uuid, c]),
  );
  const recorded = await sql<{
    attempt_id: string;
    outcome: string | null;
    sip_code: number | null;
    hangup_cause: string | null;
  }>`select attempt_id, outcome, sip_code, hangup_cause from attempts where attempt_id in (${sql.join(ids)})`.execute(
    stack.db,
  );
  let truthful = 0;
  const wrong: string[] = [];
  for (const a of recorded.rows) {
    const call = calls.get(a.attempt_id);
    const want =
      call?.outcome === 'no_answer'
        ? { outcome: 'no_answer', sip: 480 }
        : call?.outcome === 'sip:486'
          ? { outcome: 'rejected', sip: 486 }
          : null;
    if (want && a.outcome === want.outcome && a.sip_code === want.sip) truthful += 1;
    else wrong.push(`${a.attempt_id}: ${a.outcome}/${a.sip_code}/${a.hangup_cause} vs ${call?.outcome}`);
  }

  const takeovers: { id: string; s: number; identity: string; endedBefore: boolean }[] = [];
  for (const a of victimCalls) {
    const retried = await retriedDialStart(ctx, `contact-${setup.id}-run-1-${a.contact_id}`);
    const call = calls.get(a.attempt_id);
    const endedAt = call?.ended_at ? Date.parse(call.ended_at) : Number.POSITIVE_INFINITY;
    if (retried)
      takeovers.push({
        id: a.attempt_id,
        s: (retried.at - killedAt) / 1000,
        identity: retried.identity,
        endedBefore: endedAt < retried.at,
      });
  }
  const secs = takeovers.map((t) => t.s).sort((a, b) => a - b);
  const worst = secs.at(-1) ?? Number.NaN;
  const survivorPid = String(survivor.pid);
  const onSurvivor = takeovers.filter((t) => t.identity.startsWith(`${survivorPid}@`)).length;
  const endedBefore = takeovers.filter((t) => t.endedBefore);
  const lagAfterEnd = victimCalls
    .map((a) => {
      const call = calls.get(a.attempt_id);
      const at = recordedAt.get(a.attempt_id);
      return call?.ended_at && at ? (at - Math.max(Date.parse(call.ended_at), killedAt)) / 1000 : Number.NaN;
    })
    .filter(Number.isFinite);
  const recordedAfterKill = [...recordedAt.values()].map((t) => (t - killedAt) / 1000).sort((a, b) => a - b);
  const ok = takeovers.length === victimCalls.length && worst <= TARGET_S && wrong.length === 0;
  log(`takeover: max ${fmt(worst)} s over ${takeovers.length} calls; ${truthful} truthful`);

  const body = [
    `Two workers (\`worker/main.ts\` processes) on one task queue; one campaign of ${CALLS} contacts at ` +
      `concurrency ${CALLS}, simulator \`time_scale\` 1 drawing \`no_answer:6\` 40% (rings 6 s), \`no_answer:30\` ` +
      `40%, \`sip:486:20\` 20%. About 4 s after the first originate, while every call rings, the worker that ` +
      `had placed the most calls (${victimCalls.length} of ${CALLS}) is killed with SIGKILL. **Takeover** of ` +
      `a call = the kill → its dial activity's retry starting on a live worker (the \`ACTIVITY_TASK_STARTED\` ` +
      `of the retried \`dial\` in the contact's history; ${onSurvivor} of ${takeovers.length} started on the ` +
      `survivor): p50 ${fmt(percentile(secs, 50))} s, **max ${fmt(worst)} s** over ${takeovers.length} calls.`,
    `${endedBefore.length} of the calls ended at the switch before their takeover: the survivor's ESL ` +
      `connection journalled their hangups and the retried dial closed them from the journal. Each of the dead ` +
      `worker's calls was recorded as ended in Postgres (polled every 100 ms) at most ` +
      `${fmt(Math.max(...lagAfterEnd))} s after the later of its hangup and the kill (p50 ` +
      `${fmt(
        percentile(
          lagAfterEnd.sort((a, b) => a - b),
          50,
        ),
      )} s): the calls that ended before their ` +
      `takeover waited for it, the others were recorded at their hangup; the last, ` +
      `${fmt(recordedAfterKill.at(-1) ?? Number.NaN)} s after the kill, when its ring ended. ` +
      `Recorded outcome = the switch's (SIP 480 → \`no_answer\`, 486 → \`rejected\`, from the call log): ` +
      `${truthful} of ${recorded.rows.length}${wrong.length ? `; wrong: ${wrong.join('; ')}` : ''}.`,
  ];
  const report: PartReport = {
    id: 'takeover',
    title: 'Worker takeover after kill -9',
    seconds: (Date.now() - t0) / 1000,
    figures: [
      {
        figure: `Worker killed (-9) while its calls ring → each call followed by the surviving worker (max over ${takeovers.length} calls)`,
        measured: `${fmt(worst)} s (p50 ${fmt(percentile(secs, 50))} s; outcomes as the switch's: ${truthful}/${recorded.rows.length})`,
        target: `≤ ${TARGET_S} s`,
        verdict: verdict(ok),
      },
    ],
    body,
    bottlenecks: ok
      ? []
      : [
          `A dead worker's dials are found by the dial activity's heartbeat timeout (5 s, heartbeats every second, ` +
            `sent to the server at most every 0.8 × the timeout) and retried after the retry policy's first ` +
            `interval (1 s): the kill → retry gap is the time since the last heartbeat the server saw, plus 5 s, ` +
            `plus 1 s. Lifting it: a shorter heartbeat timeout (the throttle shrinks with it) or a first retry ` +
            `interval near zero for the dial.`,
        ],
    cpu,
  };
  if (!survivor.exitInfo && survivor !== main) await survivor.stop();
  if (victim === main) await stack.startWorker();
  return report;
}
