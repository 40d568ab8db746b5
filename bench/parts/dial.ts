/**
 * Sustained dials per second end to end, at near-zero call times, as a ratio to the raw throughput of the
 * same Temporal server for a trivial one-activity workflow measured just before.
 */
import { sql } from 'kysely';
import { rate } from '../calls';
import { measureCeiling } from '../ceiling';
import type { BenchContext } from '../context';
import { dialRun } from '../dial-run';
import { admissionRounds, allRuns, describeRounds, eventCounts } from '../histories';
import { cpuBetween, formatCpu } from '../proc';
import { fmt, verdict, type PartReport } from '../report';

/** The dial rate a dial should reach against the trivial workflow's on the same server. */
const DIAL_RATIO_TARGET = 0.8;

export const NEAR_ZERO_SCENARIO = { time_scale: 0.001, default: { 'answer:1': 1, 'no_answer:1': 1 } };

/** Mean events per contact workflow over a sample, and the campaignRun events per child it started. */
export async function eventsPerDial(
  ctx: BenchContext,
  campaignId: string,
  sample: number,
): Promise<{
  contact: number;
  parent: number;
  batches: number;
  parentRuns: number;
  batchRuns: number;
  byType: Record<string, number>;
}> {
  const { client, db } = ctx.stack;
  const rows = await sql<{ contact_id: string }>`
    select contact_id from attempts where campaign_id = ${campaignId} and ended_at is not null
    order by random() limit ${sample}`.execute(db);
  let total = 0;
  const byType: Record<string, number> = {};
  let n = 0;
  for (const r of rows.rows) {
    try {
      const c = await eventCounts(client, `contact-${campaignId}-run-1-${r.contact_id}`);
      total += c.total;
      for (const [k, v] of Object.entries(c.byType)) byType[k] = (byType[k] ?? 0) + v;
      n++;
    } catch {
      // Still running or not found: skip it.
    }
  }
  for (const k of Object.keys(byType)) byType[k] = (byType[k] ?? 0) / Math.max(1, n);
  const runs = await allRuns(client, `campaign-${campaignId}-run-1`);
  const parentEvents = runs.reduce((a, r) => a + r.historyLength, 0);
  const children = await sql<{ n: number }>`
    select count(*)::int as n from contacts where campaign_id = ${campaignId} and workflow_started`.execute(
    db,
  );
  // Hand-off batches (runs since the `handoff-batches` patch): short-lived children of the run.
  let batchEvents = 0;
  let batchRuns = 0;
  try {
    const prefix = `handoff-${campaignId}-run-1-`;
    for await (const w of client.workflow.list({ query: `WorkflowType = 'handOffBatch'` })) {
      if (!w.workflowId.startsWith(prefix)) continue;
      batchEvents += w.historyLength ?? (await eventCounts(client, w.workflowId, w.runId)).total;
      batchRuns++;
    }
  } catch {
    // Visibility not answering: counted as none.
  }
  const started = Math.max(1, children.rows[0]?.n ?? 0);
  return {
    contact: n ? total / n : Number.NaN,
    parent: parentEvents / started,
    batches: batchEvents / started,
    parentRuns: runs.length,
    batchRuns,
    byType,
  };
}

export async function dialPart(ctx: BenchContext): Promise<PartReport> {
  const { args, stack, log } = ctx;
  const t0 = Date.now();

  log(`ceiling: trivial workflow, ${args.ceilingInFlight} in flight for ${args.ceilingS} s`);
  const c0 = await ctx.cpu();
  const ceiling = await measureCeiling({
    address: stack.temporal.address,
    namespace: stack.temporal.namespace,
    client: stack.client,
    durationS: args.ceilingS,
    inFlight: args.ceilingInFlight,
    log,
  });
  const ceilingCpu = cpuBetween(c0, await ctx.cpu());
  ctx.shared.ceilingPerSecond = ceiling.perSecond;
  log(`ceiling: ${fmt(ceiling.perSecond)} workflows/s (${ceiling.failures} failures)`);
  let trivialEvents = Number.NaN;
  try {
    const list = stack.client.workflow.list({ query: `WorkflowType = 'trivial'` });
    for await (const w of list) {
      trivialEvents = (await eventCounts(stack.client, w.workflowId, w.runId)).total;
      break;
    }
  } catch {
    // Visibility not answering: the figure stays n/a.
  }

  log(`dial: concurrency ${args.dialConcurrency}, time_scale 0.001, ${args.dialS} s`);
  const d0 = await ctx.cpu();
  const run = await dialRun(stack, {
    name: 'bench dial throughput',
    concurrency: args.dialConcurrency,
    contacts: args.dialContacts,
    durationS: args.dialS,
    scenario: NEAR_ZERO_SCENARIO,
    log,
  });
  const dialCpu = cpuBetween(d0, await ctx.cpu());
  const first = run.calls[0]?.start ?? run.startedAt;
  const warm = Math.min(10_000, (run.stoppedAt - first) / 4);
  const sustained = rate(run.calls, first + warm, run.stoppedAt);
  ctx.shared.dialPerSecond = sustained;
  const ratio = sustained / ceiling.perSecond;
  const events = await eventsPerDial(ctx, run.campaignId, 20);
  const perDial = events.contact + events.parent + events.batches;
  ctx.shared.eventsPerDial = perDial;
  const cpuMsPerDial = (component: string): number =>
    ((dialCpu.byComponent[component] ?? 0) * dialCpu.seconds * 1000) / Math.max(1, run.calls.length);
  ctx.shared.cpuPerDial = { temporal: cpuMsPerDial('temporal'), worker: cpuMsPerDial('worker') };
  log(
    `dial: ${fmt(sustained)} dials/s sustained = ${fmt(ratio, 2)} of the ceiling; ${fmt(perDial, 0)} events/dial`,
  );

  // CPU-milliseconds each component spent per unit of work: where a dial's cost goes, against the reference.
  const perUnit = (cpu: typeof dialCpu, units: number): string =>
    Object.entries(cpu.byComponent)
      .filter(([k]) => k !== 'others')
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${fmt((v * cpu.seconds * 1000) / Math.max(1, units), 1)}`)
      .join(', ');
  const stackMs = (cpu: typeof dialCpu, units: number): number =>
    (Object.entries(cpu.byComponent)
      .filter(([k]) => k !== 'others')
      .reduce((a, [, v]) => a + v, 0) *
      cpu.seconds *
      1000) /
    Math.max(1, units);
  const stackMsPerDial = stackMs(dialCpu, run.calls.length);
  const stackMsPerWorkflow = stackMs(ceilingCpu, ceiling.total);
  const rounds = describeRounds(
    await admissionRounds(stack.client, `campaign-${run.campaignId}-run-1`).catch(() => []),
  );
  const held = run.seatsHeld;
  ctx.shared.seatsFullShare =
    held.filter((h) => h >= 0.9 * args.dialConcurrency).length / Math.max(1, held.length);
  const lowSeconds = held.filter((h) => h < args.dialConcurrency / 2).length;
  const body = [
    `**Ceiling.** \`bench/workflows/trivial.workflow.ts\` (start → one activity → complete, ` +
      `${fmt(trivialEvents, 0)} history events) driven closed-loop with ${args.ceilingInFlight} executions ` +
      `in flight for ${args.ceilingS} s (first ${fmt(ceiling.warmupS, 0)} s not counted), worker in the bench ` +
      `process with SDK defaults: **${fmt(ceiling.perSecond)} workflows/s** (${ceiling.completed} completed, ` +
      `${ceiling.failures} failed). CPU: ${formatCpu(ceilingCpu)}.`,
    `**Dialling.** A campaign with ${fmt(args.dialContacts, 0)} due contacts, concurrency ` +
      `${args.dialConcurrency}, max_attempts 1, simulator \`time_scale\` 0.001 with \`answer:1\`/\`no_answer:1\` ` +
      `(answered calls post their result to the API, which signals the contact workflow), started and stopped ` +
      `through the API after ${args.dialS} s. The switch received ${run.calls.length} originates ` +
      `(${run.attemptsEnded} attempts recorded as ended); first originate ${((first - run.startedAt) / 1000).toFixed(1)} s ` +
      `after the start call. Sustained rate, counted from ${(warm / 1000).toFixed(0)} s after the first ` +
      `originate to the stop: **${fmt(sustained)} dials/s**, i.e. **${fmt(ratio, 2)}×** the ceiling. ` +
      `CPU: ${formatCpu(dialCpu)}.`,
    `**Temporal work per dial.** A contact workflow's history holds ${fmt(events.contact, 1)} events on average ` +
      `(sample of 20: ${Object.entries(events.byType)
        .map(([k, v]) => `${k} ${fmt(v, 1)}`)
        .join(', ')}); the campaignRun adds ${fmt(events.parent, 1)} events per contact started ` +
      `(${events.parentRuns} run(s)) and the hand-off batches ${fmt(events.batches, 1)} (${events.batchRuns} ` +
      `batch(es)): **${fmt(perDial, 1)} events per dial** against ${fmt(trivialEvents, 0)} for ` +
      `the trivial workflow, so the dev server's event throughput alone predicts a ratio near ` +
      `${fmt(trivialEvents / perDial, 2)}.`,
    `**CPU per unit of work** (CPU-ms by component): per dial — ${perUnit(dialCpu, run.calls.length)}; per ` +
      `trivial workflow — ${perUnit(ceilingCpu, ceiling.total)} (the ceiling's worker and client live in the ` +
      `bench process). In all, ${fmt(stackMsPerDial, 0)} ms of CPU per dial against ${fmt(stackMsPerWorkflow, 0)} ` +
      `per trivial workflow: on a machine whose cores are the limit, that alone predicts a ratio near ` +
      `${fmt(stackMsPerWorkflow / stackMsPerDial, 2)}.`,
    `Both measurements share the machine with other processes (${fmt(ceilingCpu.othersCores, 2)} cores busy ` +
      `elsewhere during the ceiling, ${fmt(dialCpu.othersCores, 2)} during the dialling); both figures move ` +
      `with that load, so compare the ratio and the CPU cost per unit of work rather than the absolute rates.`,
    `Seats held (open attempts) once a second: ${held.join(', ')}. ` +
      `${lowSeconds} of ${held.length} samples held fewer than half the seats.`,
    rounds,
  ];
  const bottlenecks: string[] = [];
  if (!(ratio >= DIAL_RATIO_TARGET)) {
    const serverMsPerDial = cpuMsPerDial('temporal');
    const serverMsPerWorkflow =
      ((ceilingCpu.byComponent.temporal ?? 0) * ceilingCpu.seconds * 1000) / Math.max(1, ceiling.total);
    bottlenecks.push(
      `**Temporal work per dial.** Each dial costs ${fmt(perDial, 1)} history events on the server ` +
        `(${fmt(events.contact, 1)} in the contact workflow, ${fmt(events.parent, 1)} in campaignRun and ` +
        `${fmt(events.batches, 1)} in the hand-off batches that start the contacts: each contact's ` +
        `\`START_CHILD_WORKFLOW_EXECUTION_INITIATED\` and \`CHILD_WORKFLOW_EXECUTION_STARTED\`, with their share of ` +
        `the batches' workflow tasks) against ${fmt(trivialEvents, 0)} for the reference workflow; the server ` +
        `spent ${fmt(serverMsPerDial, 1)} CPU-ms per dial against ${fmt(serverMsPerWorkflow, 1)} per trivial ` +
        `workflow, so even a saturated server gives a ratio near ` +
        `${fmt(serverMsPerWorkflow / Math.max(1e-9, serverMsPerDial), 2)}.`,
      `**The cores.** In all ${fmt(stackMsPerDial, 0)} CPU-ms per dial (server, worker, Postgres, API, ` +
        `simulator) against ${fmt(stackMsPerWorkflow, 0)} per trivial workflow: where the ${dialCpu.cores} ` +
        `cores are the limit (other processes took ${fmt(dialCpu.othersCores, 2)} of them while dialling), ` +
        `the ratio cannot pass ${fmt(stackMsPerWorkflow / Math.max(1e-9, stackMsPerDial), 2)}. The worker's ` +
        `${fmt(cpuMsPerDial('worker'), 1)} CPU-ms per dial (workflow tasks, the dial activity following the ` +
        `call's events) and the server's are what is left to cut: a dial is a child workflow with its own ` +
        `history by design. ${lowSeconds} of ${held.length} seconds held fewer than half the seats.`,
    );
  }
  return {
    id: 'dial',
    title: 'Dial throughput against the Temporal ceiling',
    seconds: (Date.now() - t0) / 1000,
    figures: [
      {
        figure: 'Ceiling: trivial one-activity workflows/s (same server, same run)',
        measured: fmt(ceiling.perSecond),
        target: 'reference',
        verdict: 'n/a',
      },
      {
        figure: `Sustained dials/s end to end (time_scale 0.001, concurrency ${args.dialConcurrency})`,
        measured: `${fmt(sustained)} dials/s = ${fmt(ratio, 2)}× ceiling`,
        target: `≥ ${DIAL_RATIO_TARGET}× ceiling`,
        verdict: verdict(ratio >= DIAL_RATIO_TARGET),
      },
      {
        figure: 'History events per dial (contact, its share of campaignRun and of the hand-off batches)',
        measured: `${fmt(perDial, 1)} (trivial workflow: ${fmt(trivialEvents, 0)})`,
        target: 'reference',
        verdict: 'n/a',
      },
      {
        figure: 'CPU-ms per dial: Temporal server, worker, Postgres',
        measured: `${fmt(cpuMsPerDial('temporal'), 1)}, ${fmt(cpuMsPerDial('worker'), 1)}, ${fmt(cpuMsPerDial('postgres'), 1)}`,
        target: 'reference',
        verdict: 'n/a',
      },
    ],
    body,
    bottlenecks,
    cpu: dialCpu,
  };
}
