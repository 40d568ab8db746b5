import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawnManaged, type ManagedProcess } from './processes';
import { supervise, type Supervisor } from './supervisor';

/**
 * The supervisor against real child processes: a child that exits on its own is launched again after a
 * growing backoff (each exit logged with its code or signal), a kill -9 is an exit like any other, and
 * only stop() ends it all — the running child stopped, no relaunch after.
 */

let dir: string;
let supervisor: Supervisor | undefined;
afterEach(async () => {
  await supervisor?.stop();
  supervisor = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A node child that appends its pid to `launches` and exits with `code` on its first `failures` launches. */
function child(launches: string, failures: number, code: number): () => Promise<ManagedProcess> {
  const script = `
    const fs = require('node:fs');
    fs.appendFileSync(${JSON.stringify(launches)}, process.pid + '\\n');
    const n = fs.readFileSync(${JSON.stringify(launches)}, 'utf8').trim().split('\\n').length;
    if (n <= ${failures}) setTimeout(() => process.exit(${code}), 50);
    else setInterval(() => undefined, 1000);
  `;
  return () => Promise.resolve(spawnManaged('child', process.execPath, ['-e', script], { prefix: false }));
}

async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const pids = async (file: string): Promise<number[]> =>
  (await readFile(file, 'utf8').catch(() => '')).trim().split('\n').filter(Boolean).map(Number);

describe('supervise', () => {
  it('relaunches a child that exits on its own, with growing waits, logging each exit code', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ori-supervisor-'));
    const launches = path.join(dir, 'launches');
    const logs: string[] = [];
    const launchTimes: number[] = [];
    supervisor = await supervise({
      name: 'worker',
      launch: child(launches, 3, 3),
      backoff: { firstMs: 100, maxMs: 1_000, resetAfterMs: 60_000 },
      log: (m) => logs.push(m),
      onLaunch: () => launchTimes.push(Date.now()),
    });
    await until('the fourth launch', async () => (await pids(launches)).length === 4);
    await until('the supervisor to count three restarts', () => supervisor?.restarts === 3);
    expect(logs.filter((l) => l.includes('exited on its own (exit code 3)'))).toHaveLength(3);
    expect(
      logs.filter((l) => /restarting in/.test(l)).map((l) => /restarting in ([\d.]+) s/.exec(l)?.[1]),
    ).toEqual(['0.1', '0.2', '0.4']);
    // Each wait at least the backoff: 100, 200, 400 ms (plus the child's 50 ms of life).
    const gaps = launchTimes.slice(1).map((t, i) => t - (launchTimes[i] ?? 0));
    expect(gaps[0]).toBeGreaterThanOrEqual(100);
    expect(gaps[1]).toBeGreaterThanOrEqual(200);
    expect(gaps[2]).toBeGreaterThanOrEqual(400);
    // The fourth stays up: still the current launch a moment later.
    await new Promise((r) => setTimeout(r, 300));
    expect(supervisor.restarts).toBe(3);
    expect(supervisor.current).not.toBeNull();
  });

  it('brings a child killed with SIGKILL back, and stop() ends it for good', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ori-supervisor-'));
    const launches = path.join(dir, 'launches');
    const logs: string[] = [];
    supervisor = await supervise({
      name: 'api',
      launch: child(launches, 0, 0),
      backoff: { firstMs: 50, maxMs: 1_000, resetAfterMs: 60_000 },
      log: (m) => logs.push(m),
    });
    await until('the first launch', async () => (await pids(launches)).length === 1);
    const [first] = await pids(launches);
    process.kill(first ?? -1, 'SIGKILL');
    await until('a relaunch', async () => (await pids(launches)).length === 2);
    expect(logs[0]).toContain('api exited on its own (signal SIGKILL)');

    const [, second] = await pids(launches);
    await supervisor.stop();
    // The running child was stopped, and nothing was launched after.
    expect(() => process.kill(second ?? -1, 0)).toThrow();
    await new Promise((r) => setTimeout(r, 300));
    expect(await pids(launches)).toHaveLength(2);
    expect(logs.some((l) => l.includes('exited on its own') && l.includes('SIGTERM'))).toBe(false);
  });
});
