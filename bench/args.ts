/**
 * Command-line flags of `npm run bench -- ...`. Every size and duration has a flag, so a quick run is one
 * `--quick` (small sizes everywhere) or a few overrides away.
 *
 *   npm run bench                                   # everything, ~25 min on 2 cores, writes BENCHMARKS.md
 *   npm run bench -- --only=dial,import             # some parts (writes bench/last-run.md)
 *   npm run bench -- --quick                        # everything, small (~6 min, bench/last-run.md)
 *   npm run bench -- --only=campaign --campaign-s=120 --campaign-contacts=20000
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { TemporalKind } from './stack';

export const PARTS = ['dial', 'util', 'cps', 'takeover', 'campaign', 'import', 'report', 'trigger'] as const;
export type PartId = (typeof PARTS)[number];

export interface BenchArgs {
  parts: PartId[];
  quick: boolean;
  out: string;
  pgFsyncOff: boolean;
  /** `--temporal-config=KEY=JSON` (repeatable): dev-server dynamic config for experiments. */
  temporalConfig: Record<string, unknown>;
  /**
   * The Temporal servers the engine parts run on, one stack each, reported side by side: the dev server,
   * the self-hosted server (`npm run temporal:server` built its binaries), or both (the default when built).
   */
  temporal: TemporalKind[];
  ceilingS: number;
  ceilingInFlight: number;
  dialS: number;
  dialConcurrency: number;
  dialContacts: number;
  utilS: number;
  utilConcurrency: number[];
  /** Multiplies the utilisation scenario's call times (1 = the realistic mix, mean ≈ 38 s). */
  utilCallScale: number;
  /** Carrier cps_limit for the cps part; 0 = choose one the engine can exceed (≤ 20). */
  cps: number;
  cpsS: number;
  campaignS: number;
  campaignContacts: number;
  campaignConcurrency: number;
  campaignSampleContacts: number;
  importRows: number;
  reportRows: number;
  triggerS: number;
  triggerConnections: number;
}

const FULL: Omit<BenchArgs, 'parts' | 'quick' | 'out' | 'pgFsyncOff' | 'temporalConfig' | 'temporal'> = {
  ceilingS: 30,
  ceilingInFlight: 200,
  dialS: 90,
  dialConcurrency: 200,
  dialContacts: 20_000,
  utilS: 150,
  utilConcurrency: [200, 1000],
  utilCallScale: 1,
  cps: 0,
  cpsS: 45,
  campaignS: 420,
  campaignContacts: 100_000,
  campaignConcurrency: 1000,
  campaignSampleContacts: 200,
  importRows: 500_000,
  reportRows: 1_000_000,
  triggerS: 20,
  triggerConnections: 50,
};

const QUICK: Partial<BenchArgs> = {
  ceilingS: 10,
  ceilingInFlight: 100,
  dialS: 20,
  dialContacts: 5_000,
  utilS: 40,
  utilConcurrency: [50],
  utilCallScale: 0.25,
  cpsS: 15,
  campaignS: 60,
  campaignContacts: 10_000,
  campaignConcurrency: 200,
  campaignSampleContacts: 50,
  importRows: 50_000,
  reportRows: 100_000,
  triggerS: 5,
};

const NUMERIC: Record<string, keyof BenchArgs> = {
  'ceiling-s': 'ceilingS',
  'ceiling-inflight': 'ceilingInFlight',
  'dial-s': 'dialS',
  'dial-concurrency': 'dialConcurrency',
  'dial-contacts': 'dialContacts',
  'util-s': 'utilS',
  'util-call-scale': 'utilCallScale',
  cps: 'cps',
  'cps-s': 'cpsS',
  'campaign-s': 'campaignS',
  'campaign-contacts': 'campaignContacts',
  'campaign-concurrency': 'campaignConcurrency',
  'campaign-sample': 'campaignSampleContacts',
  'import-rows': 'importRows',
  'report-rows': 'reportRows',
  'trigger-s': 'triggerS',
  'trigger-connections': 'triggerConnections',
};

export const USAGE = `npm run bench -- [--only=${PARTS.join(',')}] [--skip=...] [--quick] [--out=FILE] [--pg-fsync-off]
  [--temporal=dev|server|both] [--temporal-config=KEY=JSON ...]
  sizes: ${Object.keys(NUMERIC)
    .map((k) => `--${k}=N`)
    .join(' ')} --util-concurrency=200,1000`;

/** Where `npm run temporal:server` puts the self-hosted server's binary. */
export const TEMPORAL_SERVER_BINARY = path.resolve(__dirname, '..', '.tools', 'temporal-server', 'server');

function temporalKinds(flag: string | undefined): TemporalKind[] {
  if (flag === 'dev' || flag === 'server') return [flag];
  if (flag === 'both') return ['dev', 'server'];
  if (flag !== undefined) throw new Error(`--temporal must be dev, server or both, got "${flag}"`);
  return existsSync(TEMPORAL_SERVER_BINARY) ? ['dev', 'server'] : ['dev'];
}

export function parseArgs(argv: readonly string[]): BenchArgs {
  const flags = new Map<string, string>();
  const temporalConfig: Record<string, unknown> = {};
  for (const a of argv) {
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(a);
    if (!m?.[1]) throw new Error(`unknown argument "${a}"\n${USAGE}`);
    if (m[1] === 'temporal-config') {
      const kv = /^([^=]+)=(.*)$/.exec(m[2] ?? '');
      if (!kv?.[1]) throw new Error(`--temporal-config wants KEY=JSON, got "${m[2] ?? ''}"`);
      temporalConfig[kv[1]] = JSON.parse(kv[2] ?? 'null') as unknown;
      continue;
    }
    flags.set(m[1], m[2] ?? 'true');
  }
  if (flags.has('help')) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = flags.get('quick') === 'true';
  const list = (v: string | undefined): string[] =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const only = list(flags.get('only'));
  const skip = list(flags.get('skip'));
  for (const p of [...only, ...skip]) {
    if (!(PARTS as readonly string[]).includes(p))
      throw new Error(`unknown part "${p}" (parts: ${PARTS.join(', ')})`);
  }
  const parts = PARTS.filter((p) => (only.length === 0 || only.includes(p)) && !skip.includes(p));
  const partial = quick || parts.length < PARTS.length;
  const args: BenchArgs = {
    ...FULL,
    ...(quick ? QUICK : {}),
    parts,
    quick,
    out: flags.get('out') ?? (partial ? 'bench/last-run.md' : 'BENCHMARKS.md'),
    pgFsyncOff: flags.get('pg-fsync-off') === 'true',
    temporalConfig,
    temporal: temporalKinds(flags.get('temporal')),
  };
  for (const [flag, key] of Object.entries(NUMERIC)) {
    const v = flags.get(flag);
    if (v === undefined) continue;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${flag} must be a non-negative number, got "${v}"`);
    (args as unknown as Record<string, number>)[key] = n;
  }
  const uc = flags.get('util-concurrency');
  if (uc)
    args.utilConcurrency = list(uc)
      .map(Number)
      .filter((n) => n > 0);
  const known = new Set([
    ...Object.keys(NUMERIC),
    'only',
    'skip',
    'quick',
    'out',
    'pg-fsync-off',
    'util-concurrency',
    'temporal',
  ]);
  for (const k of flags.keys()) if (!known.has(k)) throw new Error(`unknown flag --${k}\n${USAGE}`);
  return args;
}
