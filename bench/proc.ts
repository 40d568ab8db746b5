/**
 * Resident memory of a child process group, read from /proc (Linux). A child we spawn with spawnManaged is
 * the leader of its own process group; summing every member counts a wrapper and its real process alike.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';

async function groupMembers(pgid: number): Promise<number[]> {
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = await fs.readdir('/proc');
  } catch {
    return pids;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await fs.readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so split after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(rest[2]) === pgid) pids.push(Number(name));
  }
  return pids;
}

async function rssBytes(pid: number): Promise<number> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

/** RSS of every process in the group led by `pgid`. */
export async function groupRss(pgid: number): Promise<number> {
  let total = 0;
  for (const pid of await groupMembers(pgid)) total += await rssBytes(pid);
  return total;
}

export interface RssSampler {
  /** Highest RSS of the process itself (the group leader) since start or the last reset, in bytes. */
  peak(): number;
  last(): number;
  /** The same for the whole process group (with tsx, the leader's esbuild service process too). */
  groupPeak(): number;
  /** The other members of the group at the last sample: `name rss` each. */
  others(): string;
  samples(): number;
  reset(): void;
  stop(): Promise<void>;
}

/** Sample a process group's RSS every `intervalMs` until stopped. */
export function sampleRss(pgid: () => number, intervalMs = 250): RssSampler {
  let peak = 0;
  let last = 0;
  let groupPeak = 0;
  let groupLast = 0;
  let others = '';
  let count = 0;
  let stopped = false;
  // Group membership changes rarely (a tsx esbuild service, a restart): scanning /proc for it every sample
  // would cost the measured machine more than the sampling itself.
  let members: number[] = [];
  let membersOf = -1;
  let membersAt = 0;
  const loop = (async () => {
    while (!stopped) {
      const pid = pgid();
      if (pid > 0) {
        if (pid !== membersOf || Date.now() - membersAt > 5_000) {
          members = await groupMembers(pid);
          membersOf = pid;
          membersAt = Date.now();
          const parts: string[] = [];
          for (const member of members) {
            if (member === pid) continue;
            const comm = (await fs.readFile(`/proc/${member}/comm`, 'utf8').catch(() => '?')).trim();
            parts.push(`${comm} ${mb(await rssBytes(member))}`);
          }
          others = parts.join(', ');
        }
        last = await rssBytes(pid);
        groupLast = last;
        for (const member of members) if (member !== pid) groupLast += await rssBytes(member);
        if (last > 0) {
          count++;
          peak = Math.max(peak, last);
          groupPeak = Math.max(groupPeak, groupLast);
        }
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    peak: () => peak,
    last: () => last,
    groupPeak: () => groupPeak,
    others: () => others,
    samples: () => count,
    reset: () => {
      peak = last;
      groupPeak = groupLast;
      count = 0;
    },
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

export const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

// ---------------------------------------------------------------------------------------------------------
// CPU accounting: how much of the machine the stack used during a phase, and how much other processes did
// (a shared machine makes every figure noisier; the report says by how much).

const TICK_HZ = 100;

async function procStat(pid: number): Promise<{ ppid: number; pgrp: number; ticks: number } | null> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (!stat) return null;
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "(comm) ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
  return { ppid: Number(rest[1]), pgrp: Number(rest[2]), ticks: Number(rest[11]) + Number(rest[12]) };
}

async function machineTicks(): Promise<{ busy: number; total: number }> {
  const line = (await fs.readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: total - idle, total };
}

export interface CpuSnapshot {
  at: number;
  machine: { busy: number; total: number };
  /** pid → [component, ticks] */
  ours: Map<number, [string, number]>;
}

/**
 * Ticks of every process of the stack, by component: this process (bench + simulator), each named process
 * group (api, worker, temporal), and the postmaster with its backends (postgres).
 */
export async function cpuSnapshot(
  groups: Record<string, number>,
  postmasterPid: number | null,
): Promise<CpuSnapshot> {
  const ours = new Map<number, [string, number]>();
  const entries = await fs.readdir('/proc').catch(() => [] as string[]);
  const byGroup = new Map<number, string>();
  for (const [name, pgid] of Object.entries(groups)) if (pgid > 0) byGroup.set(pgid, name);
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    const s = await procStat(pid);
    if (!s) continue;
    let component: string | undefined;
    if (pid === process.pid) component = 'bench+simulator';
    else if (byGroup.has(s.pgrp)) component = byGroup.get(s.pgrp);
    else if (s.ppid === process.pid)
      component = 'bench+simulator'; // psql and other helpers we spawn
    else if (postmasterPid !== null && (pid === postmasterPid || s.ppid === postmasterPid))
      component = 'postgres';
    if (component) ours.set(pid, [component, s.ticks]);
  }
  return { at: Date.now(), machine: await machineTicks(), ours };
}

export interface CpuUse {
  seconds: number;
  /** Cores' worth of CPU, averaged over the interval, by component; `others` is everything not ours. */
  byComponent: Record<string, number>;
  oursCores: number;
  othersCores: number;
  cores: number;
}

export function cpuBetween(a: CpuSnapshot, b: CpuSnapshot): CpuUse {
  const cores = os.cpus().length;
  const seconds = (b.at - a.at) / 1000;
  const byComponent: Record<string, number> = {};
  let ours = 0;
  for (const [pid, [component, ticks]] of b.ours) {
    const before = a.ours.get(pid);
    const d = ticks - (before ? before[1] : 0);
    ours += d;
    byComponent[component] = (byComponent[component] ?? 0) + (seconds > 0 ? d / TICK_HZ / seconds : 0);
  }
  const busy = b.machine.busy - a.machine.busy;
  const oursCores = seconds > 0 ? ours / TICK_HZ / seconds : 0;
  const busyCores = seconds > 0 ? busy / TICK_HZ / seconds : 0;
  const othersCores = Math.max(0, busyCores - oursCores);
  byComponent.others = othersCores;
  return { seconds, byComponent, oursCores, othersCores, cores };
}

export function formatCpu(u: CpuUse): string {
  const parts = Object.entries(u.byComponent)
    .sort((x, y) => y[1] - x[1])
    .map(([k, v]) => `${k} ${v.toFixed(2)}`);
  return `${parts.join(', ')} (cores of ${u.cores}, mean over ${u.seconds.toFixed(0)} s)`;
}
