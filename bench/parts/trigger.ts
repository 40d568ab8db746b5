/**
 * The CRM trigger API under load: autocannon (as a library), 50 connections, every request with its own
 * idempotency key and its own number, against a draft campaign (so nothing dials: the API's own path).
 */
import autocannon from 'autocannon';
import { sql } from 'kysely';
import { createCampaign, phoneOf } from '../campaign';
import type { BenchContext } from '../context';
import { cpuBetween, formatCpu, mb } from '../proc';
import { fmt, verdict, type PartReport } from '../report';
import { resetStatements, statementsTable, topStatements } from '../pgstat';

function cannon(
  ctx: BenchContext,
  campaignId: string,
  durationS: number,
  connections: number,
  next: () => number,
): Promise<autocannon.Result> {
  return autocannon({
    url: ctx.stack.apiUrl,
    connections,
    duration: durationS,
    requests: [
      {
        method: 'POST',
        path: '/api/v1/campaigns/trigger',
        headers: { authorization: `Bearer ${ctx.stack.apiKey}`, 'content-type': 'application/json' },
        setupRequest: (req) => {
          const i = next();
          return {
            ...req,
            body: JSON.stringify({
              campaign_id: campaignId,
              mobile: phoneOf(50_000_000 + i),
              idempotency_key: `bench-${campaignId.slice(0, 8)}-${i}`,
              metadata: { source: 'bench', lead: `L-${i}` },
            }),
          };
        },
      },
    ],
  });
}

/** The next transaction id Postgres will hand out: only transactions that write take one. */
async function nextXid(ctx: BenchContext): Promise<number> {
  const { rows } = await sql<{ xid: string }>`
    select pg_snapshot_xmax(pg_current_snapshot())::text as xid`.execute(ctx.stack.db);
  return Number(rows[0]?.xid ?? 0);
}

export async function triggerPart(ctx: BenchContext): Promise<PartReport> {
  const { args, stack, log } = ctx;
  const t0 = Date.now();
  const setup = await createCampaign(stack, { name: 'bench trigger', concurrency: 50 });
  let seq = 0;
  const next = (): number => seq++;
  log(`trigger: warm-up 3 s, then ${args.triggerConnections} connections for ${args.triggerS} s`);
  await cannon(ctx, setup.id, 3, args.triggerConnections, next);
  const before = await sql<{ n: number }>`
    select count(*)::int as n from contacts where campaign_id = ${setup.id}`.execute(stack.db);
  ctx.apiRss.reset();
  const apiBefore = ctx.apiRss.last();
  await resetStatements(stack);
  const xid0 = await nextXid(ctx);
  const c0 = await ctx.cpu();
  const r = await cannon(ctx, setup.id, args.triggerS, args.triggerConnections, next);
  const cpu = cpuBetween(c0, await ctx.cpu());
  const writeTransactions = (await nextXid(ctx)) - xid0;
  const statements = await topStatements(stack, 6);
  const after = await sql<{ n: number }>`
    select count(*)::int as n from contacts where campaign_id = ${setup.id}`.execute(stack.db);
  const added = (after.rows[0]?.n ?? 0) - (before.rows[0]?.n ?? 0);
  const ok2xx = r['2xx'];
  const reqPerS = ok2xx / r.duration;
  const p99 = r.latency.p99;
  log(`trigger: ${fmt(reqPerS, 0)} req/s (2xx), p99 ${p99} ms, non-2xx ${r.non2xx}, errors ${r.errors}`);
  const body = [
    `A draft campaign; autocannon ${args.triggerConnections} connections, ${args.triggerS} s after a 3 s warm-up, ` +
      `\`POST /api/v1/campaigns/trigger\` with a distinct \`idempotency_key\` and a distinct mobile in every ` +
      `request (each request adds one contact and stores its idempotent answer). autocannon runs in the bench ` +
      `process, the API in its own process, on the same ${cpu.cores} cores.`,
    `**${fmt(reqPerS, 0)} req/s** answered 2xx (${ok2xx.toLocaleString('en-US')} in ${r.duration.toFixed(1)} s; ` +
      `non-2xx ${r.non2xx}, errors ${r.errors}, timeouts ${r.timeouts}). Latency ms: p50 ${r.latency.p50}, ` +
      `p90 ${r.latency.p90}, p97.5 ${r.latency.p97_5}, **p99 ${p99}**, max ${r.latency.max}. Contacts added: ` +
      `${added.toLocaleString('en-US')} (2xx answers: ${ok2xx.toLocaleString('en-US')}; the difference is requests the ` +
      `server finished after autocannon stopped counting — at most one per connection at each end of the run: ` +
      `${Math.abs(added - ok2xx) <= 2 * args.triggerConnections ? 'within that' : '**more than that**'}). API peak RSS ` +
      `${mb(ctx.apiRss.peak())} (${mb(apiBefore)} before). CPU: ${formatCpu(cpu)}.`,
  ];
  const hot = statementsTable('Statements by total time during the run (pg_stat_statements):', statements);
  if (hot) body.push(hot);
  const bottlenecks: string[] = [];
  if (!(reqPerS >= 2000) || !(p99 <= 50)) {
    const total = r['2xx'] + r.non2xx;
    const perReq = (cores: number): string => fmt((cores * cpu.seconds * 1000) / Math.max(1, total), 2);
    const api = cpu.byComponent.api ?? 0;
    const pg = cpu.byComponent.postgres ?? 0;
    const bench = cpu.byComponent['bench+simulator'] ?? 0;
    const statementsPerRequest = statements.reduce((a, st) => a + st.calls, 0) / Math.max(1, added);
    const stackMs = ((api + pg) * cpu.seconds * 1000) / Math.max(1, total);
    const writesPerRequest = writeTransactions / Math.max(1, added);
    const apiMs = (api * cpu.seconds * 1000) / Math.max(1, total);
    bottlenecks.push(
      `**CPU per request.** Postgres ${perReq(pg)} ms, API ${perReq(api)} ms, autocannon ${perReq(bench)} ms ` +
        `(Postgres ${fmt(pg, 2)} cores, API ${fmt(api, 2)}, autocannon ${fmt(bench, 2)}, other processes ` +
        `${fmt(cpu.othersCores, 2)} of ${cpu.cores}). 2,000 req/s needs ` +
        `${fmt((2000 * stackMs) / 1000, 2)} cores for the API and Postgres at this cost per request, plus ` +
        `autocannon's share, on the ${cpu.cores} cores every process here shares. Postgres ran ` +
        `${fmt(statementsPerRequest, 1)} statements and ${fmt(writesPerRequest, 2)} write transactions (transaction ` +
        `ids taken, so commits that write) per request: the campaign read and the upsert that also stores the ` +
        `key's answer; API keys come from the API's cache.`,
      `**What would lift it.** More cores, or fewer neighbours: the API's ${perReq(api)} ms per request is one ` +
        `core at ${fmt(1000 / Math.max(0.001, apiMs), 0)} req/s, so several API processes (node:cluster, or ` +
        `instances behind a load balancer: they keep no state of their own) scale it where the cores exist. ` +
        `Latency at ${args.triggerConnections} connections is mostly queueing behind those cores (p50 ` +
        `${r.latency.p50} ms).`,
    );
  }
  return {
    id: 'trigger',
    title: 'Trigger API under load',
    seconds: (Date.now() - t0) / 1000,
    figures: [
      {
        figure: `Trigger API, ${args.triggerConnections} connections, unique keys and numbers, draft campaign`,
        measured: `${fmt(reqPerS, 0)} req/s, p99 ${p99} ms`,
        target: '≥ 2,000 req/s, p99 ≤ 50 ms',
        verdict: verdict(reqPerS >= 2000 && p99 <= 50),
      },
    ],
    body,
    bottlenecks,
    cpu,
  };
}
