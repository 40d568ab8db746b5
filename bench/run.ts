/**
 * `npm run bench`: start the stack on its own, run each benchmark part, write BENCHMARKS.md.
 * See bench/args.ts for the flags (`--only=dial,import`, `--quick`, sizes).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseArgs, type PartId } from './args';
import { createContext, type BenchContext } from './context';
import { campaignPart } from './parts/campaign';
import { cpsPart } from './parts/cps';
import { dialPart } from './parts/dial';
import { importPart } from './parts/import';
import { reportPart } from './parts/report';
import { takeoverPart } from './parts/takeover';
import { triggerPart } from './parts/trigger';
import { utilPart } from './parts/util';
import { cpuBetween, type CpuUse } from './proc';
import { machine, markdownTable, renderReport, type PartReport } from './report';
import { startStack, type BenchStack, type TemporalKind } from './stack';
import { TEMPORAL_SERVER_SHARDS } from '../scripts/temporal-server';

const ROOT = path.resolve(__dirname, '..');

const PART_FNS: Record<PartId, (ctx: BenchContext) => Promise<PartReport>> = {
  dial: dialPart,
  util: utilPart,
  cps: cpsPart,
  takeover: takeoverPart,
  campaign: campaignPart,
  import: importPart,
  report: reportPart,
  trigger: triggerPart,
};
const ENGINE_PARTS: readonly PartId[] = ['dial', 'util', 'cps', 'takeover', 'campaign'];
const API_PARTS: readonly PartId[] = ['import', 'report', 'trigger'];

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const args = parseArgs(argv);
  const startedAt = new Date();
  const t0 = Date.now();
  const log = (m: string): void => {
    const s = (Date.now() - t0) / 1000;
    console.log(
      `[bench ${String(Math.floor(s / 60)).padStart(2, '0')}:${String(Math.floor(s % 60)).padStart(2, '0')}] ${m}`,
    );
  };
  log(`parts: ${args.parts.join(', ')}${args.quick ? ' (quick sizes)' : ''}; report → ${args.out}`);

  const running: { stack?: BenchStack } = {};
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(130);
    stopping = true;
    log(`${signal}: stopping the stack`);
    void (running.stack?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const label = (kind: TemporalKind): string => (kind === 'dev' ? 'dev server' : 'self-hosted server');
  const sideBySide = args.temporal.length > 1;
  const parts: PartReport[] = [];
  const byKind = new Map<TemporalKind, PartReport[]>();
  const versions: { postgres: string; temporal: string[] } = { postgres: '', temporal: [] };
  let wholeCpu: CpuUse | undefined;
  let statStatements = false;
  for (const [i, kind] of args.temporal.entries()) {
    // The API parts do not involve Temporal: they run once, on the first stack.
    const ids = i === 0 ? args.parts : args.parts.filter((p) => ENGINE_PARTS.includes(p));
    if (ids.length === 0) continue;
    const stack = await startStack({
      pgFsyncOff: args.pgFsyncOff,
      ...(Object.keys(args.temporalConfig).length && kind === 'dev'
        ? { temporalConfig: args.temporalConfig }
        : {}),
      temporalKind: kind,
      log,
    });
    running.stack = stack;
    versions.postgres = stack.versions.postgres;
    versions.temporal.push(
      sideBySide ? `${label(kind)}: ${stack.versions.temporal}` : stack.versions.temporal,
    );
    statStatements = stack.statStatements;
    log(`stack ready: ${stack.versions.temporal}; Postgres ${stack.versions.postgres.split(' ')[1] ?? ''}`);
    const ctx = await createContext(stack, args, log);
    const mine: PartReport[] = [];
    try {
      const whole0 = await ctx.cpu();
      const lastEngine = [...ids].reverse().find((p) => ENGINE_PARTS.includes(p));
      if (lastEngine) {
        log('starting the worker');
        await stack.startWorker();
      }
      for (const id of ids) {
        log(`── ${id}${sideBySide ? ` on the ${label(kind)}` : ''} ──`);
        mine.push(await runPart(ctx, id));
        if (id === lastEngine) await stack.stopWorker(); // the API-only parts run on a quiet machine
      }
      wholeCpu ??= cpuBetween(whole0, await ctx.cpu());
    } finally {
      await ctx.workerRss.stop();
      await ctx.apiRss.stop();
      await stack.stop();
      running.stack = undefined;
    }
    byKind.set(kind, mine);
    for (const p of mine) {
      const engine = ENGINE_PARTS.includes(p.id as PartId);
      parts.push(
        sideBySide && engine
          ? {
              ...p,
              title: `${p.title} — ${label(kind)}`,
              figures: p.figures.map((f) => ({ ...f, figure: `${f.figure} — ${label(kind)}` })),
            }
          : p,
      );
    }
  }
  const totalSeconds = (Date.now() - t0) / 1000;
  const command = `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
  const markdown = renderReport({
    command,
    startedAt,
    totalSeconds,
    machine: machine(),
    versions: { postgres: versions.postgres, temporal: versions.temporal.join('; ') },
    settings: [
      `Postgres: a fresh cluster (initdb) under the temp dir, ${args.pgFsyncOff ? '`fsync=off`, `synchronous_commit=off` (--pg-fsync-off)' : 'default durability (fsync on, synchronous_commit on)'}, shared_buffers 128MB, pg_stat_statements ${statStatements ? 'loaded' : 'not available'}.`,
      ...args.temporal.map((kind) =>
        kind === 'dev'
          ? `Temporal${sideBySide ? ' (dev server)' : ''}: \`temporal server start-dev\` with \`--db-filename\` in the temp dir and \`--sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal\` (scripts/temporal.ts); one SQLite connection` +
            (Object.keys(args.temporalConfig).length
              ? `; extra dynamic config: ${Object.entries(args.temporalConfig)
                  .map(([k, v]) => `\`${k}=${JSON.stringify(v)}\``)
                  .join(', ')}.`
              : '.')
          : `Temporal (self-hosted server): the binary \`npm run temporal:server\` builds (scripts/temporal-server.ts), ${TEMPORAL_SERVER_SHARDS} history shards, its persistence and visibility in databases \`temporal\` and \`temporal_visibility\` of the same Postgres cluster — so its persistence CPU is counted under "postgres", not "temporal", in the CPU figures of its stack. A fresh stack (Postgres, server, simulator, API, worker) for each server kind, one after the other.`,
      ),
      'API and worker: `node --import tsx api/main.ts` / `worker/main.ts` as child processes, as `npm start` runs them; the switch simulator in the bench process.',
    ],
    parts,
    cpu: wholeCpu,
    notes: sideBySide ? [sideBySideTable(args.temporal.map((k) => [label(k), byKind.get(k) ?? []]))] : [],
  });
  const out = path.resolve(ROOT, args.out);
  await fs.mkdir(path.dirname(out), { recursive: true });
  await fs.writeFile(out, markdown);
  log(`wrote ${path.relative(ROOT, out)} in ${(totalSeconds / 60).toFixed(1)} min`);
  for (const p of parts)
    for (const f of p.figures)
      log(`  ${f.verdict.padEnd(4)} ${f.figure}: ${f.measured} (target ${f.target})`);
}

async function runPart(ctx: BenchContext, id: PartId): Promise<PartReport> {
  const p0 = Date.now();
  try {
    if (API_PARTS.includes(id)) {
      // A fresh API process: its memory figures are those of this operation, not of the run so far.
      await ctx.stack.restartApi();
      ctx.apiRss.reset();
    }
    return await PART_FNS[id](ctx);
  } catch (err) {
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    ctx.log(`${id} failed: ${message}`);
    return {
      id,
      title: `${id} (failed)`,
      seconds: (Date.now() - p0) / 1000,
      figures: [{ figure: `part \`${id}\``, measured: 'failed (see below)', target: '—', verdict: 'MISS' }],
      body: ['The part failed:', `\`\`\`\n${message}\n\`\`\``],
      bottlenecks: [],
    };
  }
}

/** The engine parts' figures, one column per server kind, measured in the same run one after the other. */
function sideBySideTable(columns: [string, PartReport[]][]): string {
  const names: string[] = [];
  const cells = new Map<string, Map<string, string>>();
  const targets = new Map<string, string>();
  for (const [kind, reports] of columns) {
    for (const p of reports) {
      if (!ENGINE_PARTS.includes(p.id as PartId)) continue;
      for (const f of p.figures) {
        if (!cells.has(f.figure)) {
          names.push(f.figure);
          cells.set(f.figure, new Map());
        }
        cells.get(f.figure)?.set(kind, f.verdict === 'n/a' ? f.measured : `${f.measured} (**${f.verdict}**)`);
        targets.set(f.figure, f.target);
      }
    }
  }
  const kinds = columns.map(([k]) => k);
  return [
    '## Side by side',
    '',
    `The engine parts on each Temporal server, one stack after the other in this run (details of each in its ` +
      `own section below, with each miss's measured bottleneck):`,
    '',
    ...markdownTable([
      ['figure', ...kinds, 'target'],
      ...names.map((n) => [n, ...kinds.map((k) => cells.get(n)?.get(k) ?? '—'), targets.get(n) ?? '']),
    ]),
  ].join('\n');
}

main().catch((err: unknown) => {
  console.error('[bench] failed:', err);
  process.exit(1);
});
