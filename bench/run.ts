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
import { triggerPart } from './parts/trigger';
import { utilPart } from './parts/util';
import { cpuBetween } from './proc';
import { machine, renderReport, type PartReport } from './report';
import { startStack, type BenchStack } from './stack';

const ROOT = path.resolve(__dirname, '..');

const PART_FNS: Record<PartId, (ctx: BenchContext) => Promise<PartReport>> = {
  dial: dialPart,
  util: utilPart,
  cps: cpsPart,
  campaign: campaignPart,
  import: importPart,
  report: reportPart,
  trigger: triggerPart,
};
const ENGINE_PARTS: readonly PartId[] = ['dial', 'util', 'cps', 'campaign'];
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

  const stack = await startStack({
    pgFsyncOff: args.pgFsyncOff,
    ...(Object.keys(args.temporalConfig).length ? { temporalConfig: args.temporalConfig } : {}),
    log,
  });
  running.stack = stack;
  log(`stack ready: ${stack.versions.temporal}; Postgres ${stack.versions.postgres.split(' ')[1] ?? ''}`);
  const ctx = await createContext(stack, args, log);
  const parts: PartReport[] = [];
  try {
    const whole0 = await ctx.cpu();
    const lastEngine = [...args.parts].reverse().find((p) => ENGINE_PARTS.includes(p));
    if (lastEngine) {
      log('starting the worker');
      await stack.startWorker();
    }
    for (const id of args.parts) {
      log(`── ${id} ──`);
      const p0 = Date.now();
      try {
        if (API_PARTS.includes(id)) {
          // A fresh API process: its memory figures are those of this operation, not of the run so far.
          await stack.restartApi();
          ctx.apiRss.reset();
        }
        parts.push(await PART_FNS[id](ctx));
      } catch (err) {
        const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
        log(`${id} failed: ${message}`);
        parts.push({
          id,
          title: `${id} (failed)`,
          seconds: (Date.now() - p0) / 1000,
          figures: [
            { figure: `part \`${id}\``, measured: 'failed (see below)', target: '—', verdict: 'MISS' },
          ],
          body: ['The part failed:', `\`\`\`\n${message}\n\`\`\``],
          bottlenecks: [],
        });
      }
      if (id === lastEngine) await stack.stopWorker(); // the API-only parts run on a quiet machine
    }
    const cpu = cpuBetween(whole0, await ctx.cpu());
    const totalSeconds = (Date.now() - t0) / 1000;
    const command = `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
    const markdown = renderReport({
      command,
      startedAt,
      totalSeconds,
      machine: machine(),
      versions: stack.versions,
      settings: [
        `Postgres: a fresh cluster (initdb) under the temp dir, ${args.pgFsyncOff ? '`fsync=off`, `synchronous_commit=off` (--pg-fsync-off)' : 'default durability (fsync on, synchronous_commit on)'}, shared_buffers 128MB, pg_stat_statements ${stack.statStatements ? 'loaded' : 'not available'}.`,
        `Temporal: \`temporal server start-dev\` with \`--db-filename\` in the temp dir and \`--sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal\` (scripts/temporal.ts); one SQLite connection` +
          (Object.keys(args.temporalConfig).length
            ? `; extra dynamic config: ${Object.entries(args.temporalConfig)
                .map(([k, v]) => `\`${k}=${JSON.stringify(v)}\``)
                .join(', ')}.`
            : '.'),
        'API and worker: `node --import tsx api/main.ts` / `worker/main.ts` as child processes, as `npm start` runs them; the switch simulator in the bench process.',
      ],
      parts,
      cpu,
      notes: [],
    });
    const out = path.resolve(ROOT, args.out);
    await fs.mkdir(path.dirname(out), { recursive: true });
    await fs.writeFile(out, markdown);
    log(`wrote ${path.relative(ROOT, out)} in ${(totalSeconds / 60).toFixed(1)} min`);
    for (const p of parts)
      for (const f of p.figures)
        log(`  ${f.verdict.padEnd(4)} ${f.figure}: ${f.measured} (target ${f.target})`);
  } finally {
    await ctx.workerRss.stop();
    await ctx.apiRss.stop();
    await stack.stop();
  }
}

main().catch((err: unknown) => {
  console.error('[bench] failed:', err);
  process.exit(1);
});
