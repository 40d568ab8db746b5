/**
 * Experiments, not figures with targets: what two workflow changes would be worth, each measured like part
 * `dial`. A variant of workflows/ is generated at run time (copied as committed, one textual change), the
 * worker is restarted on it (worker/main.ts unchanged, its bundle path swapped by a preload), and the same
 * dialling run is repeated. The normal worker is restored afterwards.
 *   local        contact.workflow.ts: `control = proxyActivities(...)` → `proxyLocalActivities(...)`
 *   nonblocking  campaign-run.workflow.ts: the next admitRound does not wait for the round's hand-off
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { rate } from '../calls';
import type { BenchContext } from '../context';
import { dialRun } from '../dial-run';
import { cpuBetween, formatCpu } from '../proc';
import { fmt, type PartReport } from '../report';
import { eventsPerDial, NEAR_ZERO_SCENARIO } from './dial';
import { admissionRounds, describeRounds } from '../histories';

const ROOT = path.resolve(__dirname, '..', '..');
const VARIANT_DIR = path.join(ROOT, 'bench', '.experiment', 'workflows');
const PRELOAD = path.join(ROOT, 'bench', 'experiment', 'preload.cjs');

interface Variant {
  key: string;
  title: string;
  what: string;
  /** File name → text transform; returns null when the source no longer has what the transform rewrites. */
  transforms: Record<string, (text: string) => string | null>;
}

const CONTROL_PROXY = 'const control = proxyActivities<Activities>(';

/** Each replacement must find its text once, or the variant is skipped (the workflow changed shape). */
function replaceAll(text: string, pairs: [string, string][]): string | null {
  let out = text;
  for (const [from, to] of pairs) {
    if (!out.includes(from)) return null;
    out = out.replace(from, to);
  }
  return out;
}

const VARIANTS: Variant[] = [
  {
    key: 'local',
    title: 'contact workflow’s control activities local',
    what:
      'the contact workflow calls its `control` activities (`loadAttemptFacts`, `recordContactStep`, ' +
      '`markContactReady`, `isContactFinal`, `recordOptOut`, …) as local activities: they run inside the ' +
      'workflow task on the same worker and leave one MARKER_RECORDED event each instead of three activity ' +
      'events and a further workflow task',
    transforms: {
      'contact.workflow.ts': (t) => {
        const a = replaceAll(t, [[CONTROL_PROXY, 'const control = proxyLocalActivities<Activities>(']]);
        return a && /import \{[^}]*\bproxyActivities\b/.test(a)
          ? a.replace(
              /import \{([^}]*)\bproxyActivities\b/,
              'import {$1proxyActivities, proxyLocalActivities',
            )
          : null;
      },
    },
  },
  {
    key: 'nonblocking',
    title: 'campaignRun hands off without waiting for the batch',
    what:
      'campaignRun no longer awaits a round’s hand-off (every `startChild`/signal) before the next ' +
      '`admitRound`: the hand-offs run concurrently with the next long poll and are awaited only before ' +
      'continue-as-new, completion and stop',
    transforms: {
      'campaign-run.workflow.ts': (t) =>
        replaceAll(t, [
          [
            '  let childrenStarted = 0;\n',
            '  let childrenStarted = 0;\n  const inFlightHandOffs = new Set<Promise<void>>();\n',
          ],
          [
            '    await handOff(round.handoffs);\n',
            '    {\n      const h = handOff(round.handoffs);\n      inFlightHandOffs.add(h);\n' +
              '      void h.then(\n        () => inFlightHandOffs.delete(h),\n        () => undefined,\n      );\n    }\n',
          ],
          [
            "    if (stopping) return 'manually_stopped';",
            "    if (stopping) {\n      await Promise.all(inFlightHandOffs);\n      return 'manually_stopped';\n    }",
          ],
          [
            '      await acts.completeRun(campaignId, runNo, round.completion);',
            '      await Promise.all(inFlightHandOffs);\n      await acts.completeRun(campaignId, runNo, round.completion);',
          ],
          [
            '      await continueAsNew<typeof campaignRun>(',
            '      await Promise.all(inFlightHandOffs);\n      await continueAsNew<typeof campaignRun>(',
          ],
        ]),
    },
  },
];

/** Copy workflows/ (tests left out) with imports re-rooted and the variant's transforms applied. */
async function generateVariant(v: Variant): Promise<string | null> {
  const src = path.join(ROOT, 'workflows');
  await fs.rm(VARIANT_DIR, { recursive: true, force: true });
  await fs.mkdir(VARIANT_DIR, { recursive: true });
  const pending = new Set(Object.keys(v.transforms));
  for (const name of await fs.readdir(src)) {
    if (!name.endsWith('.ts') || name.endsWith('.test.ts')) continue;
    let text = await fs.readFile(path.join(src, name), 'utf8');
    // workflows/x.ts imports '../y'; bench/.experiment/workflows/x.ts needs '../../../y'.
    text = text.replace(/from '\.\.\//g, "from '../../../");
    const transform = v.transforms[name];
    if (transform) {
      const out = transform(text);
      if (out === null) return null;
      text = out;
      pending.delete(name);
    }
    await fs.writeFile(
      path.join(VARIANT_DIR, name),
      `// Generated by bench/parts/experiment.ts: do not edit.\n${text}`,
    );
  }
  return pending.size === 0 ? path.join(VARIANT_DIR, 'index.ts') : null;
}

export async function experimentPart(ctx: BenchContext): Promise<PartReport> {
  const { args, stack, log } = ctx;
  const t0 = Date.now();
  const ceiling = ctx.shared.ceilingPerSecond;
  const baseline = ctx.shared.dialPerSecond;
  const baselineEvents = ctx.shared.eventsPerDial;
  const figures: PartReport['figures'] = [];
  const body: string[] = [
    `Not figures with targets: what two changes to the workflows would be worth, measured the same way as part ` +
      `\`dial\` (${args.dialContacts.toLocaleString('en-US')} due contacts, concurrency ${args.dialConcurrency}, ` +
      `\`time_scale\` 0.001, ${args.dialS} s) in the same run. Each variant is generated at run time from ` +
      `workflows/ as committed (copied to bench/.experiment/, one textual change, removed afterwards); the ` +
      `worker is worker/main.ts unchanged, with its bundle path swapped by bench/experiment/preload.cjs. As ` +
      `shipped (part \`dial\`): ${baseline !== undefined ? `${fmt(baseline)} dials/s` : 'not measured'}` +
      `${baselineEvents !== undefined ? `, ${fmt(baselineEvents, 1)} events per dial` : ''}.`,
  ];
  try {
    for (const v of VARIANTS) {
      const variant = await generateVariant(v);
      if (!variant) {
        body.push(
          `**${v.title}**: skipped — the workflow source no longer has the code this variant rewrites.`,
        );
        continue;
      }
      log(`experiment ${v.key}: worker on the variant`);
      await stack.startWorker({ BENCH_WORKFLOWS_PATH: variant }, PRELOAD);
      const c0 = await ctx.cpu();
      const run = await dialRun(stack, {
        name: `bench experiment ${v.key}`,
        concurrency: args.dialConcurrency,
        contacts: args.dialContacts,
        durationS: args.dialS,
        scenario: NEAR_ZERO_SCENARIO,
        log,
      });
      const cpu = cpuBetween(c0, await ctx.cpu());
      const first = run.calls[0]?.start ?? run.startedAt;
      const warm = Math.min(10_000, (run.stoppedAt - first) / 4);
      const sustained = rate(run.calls, first + warm, run.stoppedAt);
      const events = await eventsPerDial(ctx, run.campaignId, 20);
      const perDial = events.contact + events.parent;
      const cpuMs = (component: string): number =>
        ((cpu.byComponent[component] ?? 0) * cpu.seconds * 1000) / Math.max(1, run.calls.length);
      const temporalMs = cpuMs('temporal');
      const workerMs = cpuMs('worker');
      const shipped = ctx.shared.cpuPerDial;
      const rounds = describeRounds(
        await admissionRounds(stack.client, `campaign-${run.campaignId}-run-1`).catch(() => []),
      );
      log(`experiment ${v.key}: ${fmt(sustained)} dials/s, ${fmt(perDial, 1)} events/dial`);
      const change = (now: number, before: number | undefined): string =>
        before === undefined || !Number.isFinite(before) || before === 0
          ? 'n/a'
          : `${now >= before ? '+' : '−'}${fmt((Math.abs(now - before) / before) * 100, 0)}%`;
      const full =
        run.seatsHeld.filter((h) => h >= 0.9 * args.dialConcurrency).length /
        Math.max(1, run.seatsHeld.length);
      const versus =
        `Against the shipped workflows in part \`dial\`: events per dial ${change(perDial, baselineEvents)}, ` +
        `Temporal + worker CPU per dial ${change(temporalMs + workerMs, shipped ? shipped.temporal + shipped.worker : undefined)}, ` +
        `dials/s ${change(sustained, baseline)}; samples with ≥ 90% of the seats held ${fmt(full * 100, 0)}%` +
        `${ctx.shared.seatsFullShare !== undefined ? ` (shipped: ${fmt(ctx.shared.seatsFullShare * 100, 0)}%)` : ''}; ` +
        `the stack used ${fmt(cpu.oursCores, 2)} of ${cpu.cores} cores (other processes ${fmt(cpu.othersCores, 2)}).`;
      figures.push({
        figure: `Experiment — sustained dials/s, ${v.title}`,
        measured:
          `${fmt(sustained)} dials/s` +
          (ceiling ? ` = ${fmt(sustained / ceiling, 2)}× ceiling` : '') +
          (baseline !== undefined ? ` (as shipped: ${fmt(baseline)})` : '') +
          `; Temporal + worker CPU per dial ${fmt(temporalMs + workerMs, 0)} ms` +
          (shipped ? ` (as shipped: ${fmt(shipped.temporal + shipped.worker, 0)})` : '') +
          `; ${fmt(perDial, 1)} events per dial` +
          (baselineEvents !== undefined ? ` (as shipped: ${fmt(baselineEvents, 1)})` : ''),
        target: 'experiment',
        verdict: 'n/a',
      });
      body.push(
        `**${v.title[0]?.toUpperCase()}${v.title.slice(1)}.** Change: ${v.what}. Result: **${fmt(sustained)} dials/s ` +
          `sustained**${ceiling ? ` (${fmt(sustained / ceiling, 2)}× the ceiling)` : ''}; ${run.calls.length} ` +
          `originates; contact workflow ${fmt(events.contact, 1)} events on average (${Object.entries(
            events.byType,
          )
            .map(([k, n]) => `${k} ${fmt(n, 1)}`)
            .join(
              ', ',
            )}), campaignRun ${fmt(events.parent, 1)} per contact: **${fmt(perDial, 1)} events per dial**. ` +
          `CPU per dial: Temporal server ${fmt(temporalMs, 1)} ms, worker ${fmt(workerMs, 1)} ms` +
          (shipped ? ` (as shipped: ${fmt(shipped.temporal, 1)} and ${fmt(shipped.worker, 1)})` : '') +
          `. Seats held once a second: ${run.seatsHeld.join(', ')}. ` +
          `CPU: ${formatCpu(cpu)}.`,
        versus,
        rounds,
      );
    }
  } finally {
    log('experiment: restoring the normal worker');
    await stack.startWorker();
    await fs.rm(path.join(ROOT, 'bench', '.experiment'), { recursive: true, force: true });
  }
  body.push(
    `Reading these: on a shared 2-core machine the dial rate of one ${args.dialS}-second window moves by tens ` +
      `of percent from run to run with the other processes' load and with where the batches fall, so a ` +
      `variant's dials/s beside the shipped one is weak evidence; CPU per dial and events per dial are the ` +
      `steadier measures of what a change saves.`,
    `Trade-offs before adopting either: a local activity is retried by the workflow task that runs it (no ` +
      `activity task of its own, no heartbeat), which suits short idempotent database calls such as these and ` +
      `not \`dial\` or the admission long poll. Concurrent hand-offs must still all be awaited before ` +
      `continue-as-new (temporal#685), and a failed start must not be swallowed in production code.`,
  );
  return {
    id: 'experiment',
    title: 'Experiments: what two workflow changes are worth',
    seconds: (Date.now() - t0) / 1000,
    figures,
    body,
    bottlenecks: [],
  };
}
