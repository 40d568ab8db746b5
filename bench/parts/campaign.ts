/**
 * A 100,000-contact campaign at high concurrency with near-zero call times, run for a bounded time: the
 * largest history of every campaignRun run (it continues-as-new) and of sampled contact workflows, pending
 * children, the worker's peak RSS, dials/s over time (does admission slow as contacts progress?), the
 * hottest statements (pg_stat_statements) and EXPLAIN ANALYZE of admission's queries on the full table.
 */
import { promises as fs } from 'node:fs';
import { sql } from 'kysely';
import { callsOf, rate, timeline } from '../calls';
import {
  campaignStatus,
  createCampaign,
  drain,
  sleep,
  startCampaign,
  stopCampaign,
  uploadContacts,
} from '../campaign';
import type { BenchContext } from '../context';
import { allRuns, describeRun } from '../histories';
import { cpuBetween, formatCpu, mb } from '../proc';
import { fmt, verdict, type PartReport } from '../report';
import { NEAR_ZERO_SCENARIO } from './dial';
import { resetStatements, statementRows, statementsTable, topStatements } from '../pgstat';
import { hangUpEverything } from './util';

/** EXPLAIN (ANALYZE, BUFFERS) of admission's queries, in a transaction that is rolled back. */
async function explainAdmission(
  ctx: BenchContext,
  campaignId: string,
  free: number,
): Promise<[string, string][]> {
  const id = `'${campaignId}'`;
  const queries: [string, string][] = [
    [
      'admission candidates (top ready contacts, FOR UPDATE SKIP LOCKED)',
      `select id, phones, pass, phone_index, attempts, workflow_started, excluded_at from contacts
       where campaign_id = ${id} and ready_at is not null and ready_at <= now()
       order by priority, pass, ready_at, seq limit ${free} for update skip locked`,
    ],
    [
      'seats in use',
      `select count(*) from attempts where campaign_id = ${id} and ended_at is null and lease_expires_at > now()`,
    ],
    [
      'unclaimed hand-offs',
      `select a.attempt_id from attempts a join contacts c on c.id = a.contact_id
       where a.campaign_id = ${id} and a.run_no = 1 and a.status = 'leased' and a.ended_at is null
         and (a.handed_off_at is null or a.handed_off_at < now() - interval '15 seconds')`,
    ],
    [
      'expired unclaimed leases',
      `select contact_id from attempts where campaign_id = ${id} and ended_at is null
         and originate_sent_at is null and lease_expires_at <= now()`,
    ],
    [
      'any open contact (completion check)',
      `select id from contacts where campaign_id = ${id} and final_at is null limit 1`,
    ],
    [
      'run counts (completion check)',
      `select count(*), count(*) filter (where final_at is not null), count(*) filter (where attempts > 0)
       from contacts where campaign_id = ${id}`,
    ],
  ];
  const out: [string, string][] = [];
  await ctx.stack.db
    .transaction()
    .execute(async (tx) => {
      for (const [name, q] of queries) {
        const r = await sql<{
          'QUERY PLAN': string;
        }>`explain (analyze, buffers, costs off) ${sql.raw(q)}`.execute(tx);
        out.push([name, r.rows.map((row) => row['QUERY PLAN']).join('\n')]);
      }
      throw new RollBack();
    })
    .catch((err: unknown) => {
      if (!(err instanceof RollBack)) throw err;
    });
  return out;
}

class RollBack extends Error {}

/**
 * The completion check late in a campaign: `hasOpenContacts` runs on every idle admission poll (each
 * 500 ms) while nothing is in flight. Simulated in a rolled-back transaction: every contact final but the
 * last few of the upload order, then the check's plan (the planner still has the statistics of the live run).
 */
async function explainLateCompletionCheck(
  ctx: BenchContext,
  campaignId: string,
): Promise<{ plan: string; existsPlan: string }> {
  let plan = '';
  let existsPlan = '';
  await ctx.stack.db
    .transaction()
    .execute(async (tx) => {
      await sql`update contacts set final_at = now() where campaign_id = ${campaignId} and final_at is null
        and seq < (select max(seq) - 10 from contacts where campaign_id = ${campaignId})`.execute(tx);
      const r = await sql<{ 'QUERY PLAN': string }>`explain (analyze, buffers, costs off)
        select id from contacts where campaign_id = ${sql.lit(campaignId)} and final_at is null limit 1`.execute(
        tx,
      );
      plan = r.rows.map((row) => row['QUERY PLAN']).join('\n');
      // The same question as EXISTS: the planner takes the partial index contacts_open_idx.
      const e = await sql<{ 'QUERY PLAN': string }>`explain (analyze, buffers, costs off)
        select exists (select 1 from contacts where campaign_id = ${sql.lit(campaignId)} and final_at is null)`.execute(
        tx,
      );
      existsPlan = e.rows.map((row) => row['QUERY PLAN']).join('\n');
      throw new RollBack();
    })
    .catch((err: unknown) => {
      if (!(err instanceof RollBack)) throw err;
    });
  return { plan, existsPlan };
}

function seqScans(plans: [string, string][]): string[] {
  return plans.filter(([, p]) => /Seq Scan on (contacts|attempts)/.test(p)).map(([n]) => n);
}

function planTime(plan: string): number {
  return Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1] ?? Number.NaN);
}

export async function campaignPart(ctx: BenchContext): Promise<PartReport> {
  const { args, stack, log } = ctx;
  const t0 = Date.now();
  const total = args.campaignContacts;
  const concurrency = args.campaignConcurrency;
  log(`campaign: restarting the worker for a clean RSS measurement`);
  await stack.startWorker();
  ctx.workerRss.reset();
  stack.sim.setScenario(NEAR_ZERO_SCENARIO);
  stack.sim.clearCalls();
  await resetStatements(stack);

  const setup = await createCampaign(stack, { name: `bench ${total} contacts`, concurrency });
  const u0 = Date.now();
  await uploadContacts(stack, setup.id, total, 20_000_000);
  const uploadS = (Date.now() - u0) / 1000;
  log(
    `campaign: ${total} contacts uploaded in ${uploadS.toFixed(1)} s; starting at concurrency ${concurrency}`,
  );
  const workflowId = `campaign-${setup.id}-run-1`;
  const temporalDbSize = async (): Promise<number> => {
    let total = 0;
    for (const f of [stack.temporalDbFile, `${stack.temporalDbFile}-wal`])
      total += (await fs.stat(f).catch(() => null))?.size ?? 0;
    return total;
  };
  const dbBefore = await temporalDbSize();
  const c0 = await ctx.cpu();
  ctx.workerRss.reset();
  await startCampaign(stack, setup.id);
  const startedAt = Date.now();
  const pendingMax = new Map<string, number>();
  let pendingPeak = 0;
  let samples = 0;
  let lastLog = startedAt;
  let completed = false;
  // CPU minute by minute: if dials/s drops, is it the stack or the rest of the machine?
  const minuteCpu: ReturnType<typeof cpuBetween>[] = [];
  let minuteSnap = c0;
  while (Date.now() - startedAt < args.campaignS * 1000) {
    await sleep(5_000);
    if (Date.now() - minuteSnap.at >= 60_000) {
      const snap = await ctx.cpu();
      minuteCpu.push(cpuBetween(minuteSnap, snap));
      minuteSnap = snap;
    }
    try {
      const d = await describeRun(stack.client, workflowId);
      samples++;
      pendingPeak = Math.max(pendingPeak, d.pendingChildren);
      pendingMax.set(d.runId, Math.max(pendingMax.get(d.runId) ?? 0, d.pendingChildren));
    } catch {
      // Between a run's continue-as-new and the next: sample again later.
    }
    if (Date.now() - lastLog >= 30_000) {
      lastLog = Date.now();
      log(
        `  ${((Date.now() - startedAt) / 1000).toFixed(0)} s: ${stack.sim.calls().length} originates, ` +
          `pending children ≤ ${pendingPeak}, ${pendingMax.size} run(s) seen, worker RSS ${mb(ctx.workerRss.last())}`,
      );
    }
    if ((await campaignStatus(stack, setup.id)) === 'completed') {
      completed = true;
      break;
    }
  }
  const stoppedAt = Date.now();
  const cpu = cpuBetween(c0, await ctx.cpu());
  const dbAfter = await temporalDbSize();
  const workerPeak = ctx.workerRss.peak();

  // Evidence on the full table while the run is still live.
  const statements = await topStatements(stack, 8);
  // Leases that expired before their contact workflow dialled (admission deletes them and re-queues the
  // contact), and leases handed off again because they were not claimed within 15 s.
  const expired = await statementRows(stack, ['delete from "attempts"%', '%"originate_sent_at" is null%']);
  const rehanded = await statementRows(stack, ['update "attempts" set "handed_off_at"%']);
  const plans = await explainAdmission(ctx, setup.id, concurrency);
  const late = await explainLateCompletionCheck(ctx, setup.id);
  const latePlan = late.plan;
  const lateSeq = /Seq Scan on contacts/.test(latePlan);
  const contactsInTable = await sql<{ n: number }>`select count(*)::int as n from contacts`.execute(stack.db);
  const progress = await sql<{ final: number; dialled: number }>`
    select count(*) filter (where final_at is not null)::int as final,
           count(*) filter (where attempts > 0)::int as dialled
    from contacts where campaign_id = ${setup.id}`.execute(stack.db);

  await stopCampaign(stack, setup.id);
  await hangUpEverything(ctx);
  const drained = await drain(stack, setup.id, 120_000);
  const calls = callsOf(stack.sim.calls(), setup.id).filter((c) => c.start < stoppedAt);
  const ended = await sql<{ n: number }>`
    select count(*)::int as n from attempts where campaign_id = ${setup.id} and ended_at is not null`.execute(
    stack.db,
  );
  const first = calls[0]?.start ?? startedAt;
  const dialsPerS = rate(calls, first, stoppedAt);
  const perMinute = timeline(calls, first, stoppedAt, 60);

  const runs = await allRuns(stack.client, workflowId);
  const maxRun = Math.max(0, ...runs.map((r) => r.historyLength));
  const sampleRows = await sql<{ id: string }>`
    select id from contacts where campaign_id = ${setup.id} and workflow_started
    order by random() limit ${args.campaignSampleContacts}`.execute(stack.db);
  const contactLengths: number[] = [];
  for (const r of sampleRows.rows) {
    try {
      contactLengths.push(
        (await describeRun(stack.client, `contact-${setup.id}-run-1-${r.id}`)).historyLength,
      );
    } catch {
      // Not started in Temporal (a lease handed off just before the stop): nothing to measure.
    }
  }
  const maxContact = Math.max(0, ...contactLengths);
  const meanContact = contactLengths.reduce((a, b) => a + b, 0) / Math.max(1, contactLengths.length);
  const largest = Math.max(maxRun, maxContact);
  const processed = ended.rows[0]?.n ?? 0;
  log(
    `campaign: ${processed} of ${total} contacts dialled in ${((stoppedAt - startedAt) / 1000).toFixed(0)} s ` +
      `(${fmt(dialsPerS)}/s), ${runs.length} runs, largest history ${maxRun}, pending children ≤ ${pendingPeak}, ` +
      `worker peak ${mb(workerPeak)}`,
  );

  const seqs = seqScans(plans);
  const minutes = perMinute.map((r) => fmt(r)).join(', ');
  const firstMin = perMinute[0] ?? Number.NaN;
  const lastMin = perMinute.length > 1 ? (perMinute[perMinute.length - 1] ?? Number.NaN) : Number.NaN;
  // Does the rate fall as the campaign progresses, or when the rest of the machine is busy?
  const quiet = perMinute.filter((_, i) => (minuteCpu[i]?.othersCores ?? 1) < 0.25);
  const busy = perMinute.filter((_, i) => (minuteCpu[i]?.othersCores ?? 0) >= 0.25);
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const trend =
    quiet.length >= 2
      ? `Minutes in which other processes used < 0.25 cores: ${quiet.map((r) => fmt(r)).join(', ')} dials/s ` +
        `(first ${fmt(quiet[0] ?? Number.NaN)}, last ${fmt(quiet[quiet.length - 1] ?? Number.NaN)})` +
        (busy.length
          ? `; minutes with more: ${busy.map((r) => fmt(r)).join(', ')} (mean ${fmt(mean(busy))})`
          : '') +
        '. '
      : '';
  const label = `measured over ${processed.toLocaleString('en-US')} of the ${total.toLocaleString('en-US')} contacts`;
  const body = [
    `A campaign of ${total.toLocaleString('en-US')} contacts (uploaded through the API in ${uploadS.toFixed(1)} s), ` +
      `concurrency ${concurrency}, max_attempts 1, \`time_scale\` 0.001 (\`answer:1\`/\`no_answer:1\`), on a freshly ` +
      `started worker; run for ${((stoppedAt - startedAt) / 1000).toFixed(0)} s and then stopped through the API` +
      `${completed ? ' (it completed on its own first)' : ''}. It cannot finish on a dev server within the bench: ` +
      `**every figure here is ${label}**.`,
    `Dialled ${processed.toLocaleString('en-US')} contacts (${progress.rows[0]?.final ?? 0} final at the stop), ` +
      `${fmt(dialsPerS)} dials/s overall. Per minute: ${minutes}. ` +
      (Number.isFinite(lastMin) ? `Last minute vs first: ${fmt((lastMin / firstMin) * 100, 0)}%.` : '') +
      ` ${trend}Cores used per minute — Temporal: ${minuteCpu.map((m) => fmt(m.byComponent.temporal ?? 0, 2)).join(', ')}; ` +
      `worker: ${minuteCpu.map((m) => fmt(m.byComponent.worker ?? 0, 2)).join(', ')}; other processes on the ` +
      `machine: ${minuteCpu.map((m) => fmt(m.othersCores, 2)).join(', ')}. ` +
      `Temporal's SQLite file (+WAL) grew from ${mb(dbBefore)} to ${mb(dbAfter)} during the run. ` +
      `Drained after the stop: ${drained ? 'yes' : '**no**'}. CPU: ${formatCpu(cpu)}.`,
    `**Histories.** campaignRun \`${workflowId}\` ran as ${runs.length} run(s) (continue-as-new); history ` +
      `lengths: ${runs.map((r) => `${r.historyLength} (${r.status})`).join(', ')}. Largest: **${maxRun}** events. ` +
      `Contact workflows, random sample of ${contactLengths.length}: mean ${fmt(meanContact, 1)}, max ${maxContact} events. ` +
      `Pending children of the current run, sampled every 5 s (${samples} samples): max **${pendingPeak}**` +
      ` (per run: ${[...pendingMax.values()].join(', ')}).`,
    `**Worker RSS** (the worker's node process, sampled every 250 ms from /proc): peak **${mb(workerPeak)}**; ` +
      `with the rest of its process group (${ctx.workerRss.others() || 'none'}): ${mb(ctx.workerRss.groupPeak())}.`,
  ];
  if (expired && rehanded) {
    body.push(
      `**Hand-off churn.** Leases that expired unclaimed (the contact workflow had not dialled within 30 s; ` +
        `admission deleted the attempt and re-queued the contact): **${expired.rows}**. Leases handed off again ` +
        `because they were not claimed within 15 s: **${rehanded.rows}** (in ${rehanded.calls} rounds).`,
    );
  }
  const hot = statementsTable(
    '**Hottest statements** during this part (pg_stat_statements, by total time):',
    statements,
  );
  if (hot) body.push(hot);
  body.push(
    `**EXPLAIN ANALYZE** of admission's queries on this campaign at the stop (${total.toLocaleString('en-US')} ` +
      `contacts, rolled back): ` +
      plans.map(([n, p]) => `${n} ${fmt(planTime(p), 2)} ms`).join('; ') +
      `. Sequential scans on contacts/attempts: ${seqs.length ? `${seqs.join(', ')}` : 'none'} (the run counts are ` +
      `read only once nothing is left in flight, and count every contact of the campaign, so a scan is the right ` +
      `plan there; the open-contact check is the one that matters, below).\n\n` +
      plans
        .map(([n, p]) => `<details><summary>${n}</summary>\n\n\`\`\`\n${p}\n\`\`\`\n</details>`)
        .join('\n'),
  );
  // Slow, not merely a scan: the planner may scan when the first open contact comes early (10 buffers).
  const existsSlow = planTime(late.existsPlan) > 5;
  body.push(
    `**Late in a campaign.** With every contact final but the last 10 of the upload order (simulated in a ` +
      `rolled-back transaction), the completion check \`hasOpenContacts\` — \`select exists (select 1 from ` +
      `contacts where campaign_id = $1 and final_at is null)\`, which \`admitRound\` runs on idle polls while ` +
      `nothing is in flight — takes **${fmt(planTime(late.existsPlan), 3)} ms** ` +
      `(${/contacts_open_idx/.test(late.existsPlan) ? 'through the partial index contacts_open_idx' : 'see plan'}). ` +
      `The same question as \`select id … limit 1\`, as it was written before, takes ` +
      `${fmt(planTime(latePlan), 1)} ms${lateSeq ? ` as a sequential scan of the whole contacts table (${contactsInTable.rows[0]?.n.toLocaleString('en-US')} rows, every campaign's): the planner's statistics, taken while the contacts were open, say most rows match` : ''}.\n\n` +
      `<details><summary>plan (exists, as shipped)</summary>\n\n\`\`\`\n${late.existsPlan}\n\`\`\`\n</details>\n` +
      `<details><summary>plan (limit 1, before)</summary>\n\n\`\`\`\n${latePlan}\n\`\`\`\n</details>`,
  );
  const bottlenecks: string[] = [];
  if (existsSlow) {
    bottlenecks.push(
      `**Completion check scans the contacts table late in a run.** \`hasOpenContacts\` ` +
        `(admission.repository.ts) took ${fmt(planTime(late.existsPlan), 1)} ms although it is asked as ` +
        `\`exists\`: check that the partial index contacts_open_idx exists (migration T0300) and the plan below.`,
    );
  }
  if (!(largest < 10_000)) {
    bottlenecks.push(
      `A history reached ${largest} events. campaignRun continues-as-new at 8,000 events or 1,000 children ` +
        `started; a round that starts many children at once can overshoot. Lower MAX_HISTORY_EVENTS / ` +
        `MAX_CHILDREN_PER_RUN, or stop starting children from the parent (signalWithStart from the admission ` +
        `activity keeps the parent at O(1) events per round).`,
    );
  }
  if (!(workerPeak < 1024 ** 3)) {
    bottlenecks.push(
      `Worker RSS peaked at ${mb(workerPeak)}. The worker caches up to 2,000 workflows (maxCachedWorkflows) and ` +
        `runs up to 2,000 activities; each cached workflow is a V8 context. Lower maxCachedWorkflows (a contact ` +
        `workflow is short: its cache hit rate is low anyway).`,
    );
  }
  if (!(pendingPeak < 2000)) {
    bottlenecks.push(
      `Pending children reached ${pendingPeak}: at 2,000 a workflow task that starts one more schedules ` +
        `nothing and the run sticks (temporal#4326). Continue-as-new earlier, or start contacts outside the parent.`,
    );
  }
  return {
    id: 'campaign',
    title: `A ${total.toLocaleString('en-US')}-contact campaign (bounded run)`,
    seconds: (Date.now() - t0) / 1000,
    figures: [
      {
        figure: `Largest workflow history, ${total.toLocaleString('en-US')}-contact campaign (every campaignRun run + ${contactLengths.length} sampled contacts; ${label})`,
        measured: `${largest} events (campaignRun max ${maxRun} over ${runs.length} runs; contacts max ${maxContact})`,
        target: '< 10,000 events',
        verdict: verdict(largest < 10_000),
      },
      {
        figure: `Pending children of campaignRun (sampled every 5 s; ${label})`,
        measured: `max ${pendingPeak}`,
        target: '< 2,000',
        verdict: verdict(pendingPeak < 2000),
      },
      {
        figure: `Worker peak RSS during the campaign (concurrency ${concurrency}; ${label})`,
        measured: `${mb(workerPeak)}`,
        target: '< 1 GB',
        verdict: verdict(workerPeak < 1024 ** 3),
      },
      {
        figure: `Dials/s during the ${total.toLocaleString('en-US')}-contact campaign`,
        measured: `${fmt(dialsPerS)} (${processed.toLocaleString('en-US')} contacts in ${((stoppedAt - startedAt) / 60000).toFixed(1)} min)`,
        target: 'reported',
        verdict: 'n/a',
      },
    ],
    body,
    bottlenecks,
    cpu,
  };
}
