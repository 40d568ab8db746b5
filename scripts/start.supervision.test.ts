import { promises as fs } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, httpStatus } from './net';
import { findPostgresBinDirs } from './postgres';
import { spawnManaged, type ManagedProcess } from './processes';
import { REPO_ROOT } from './temporal';

/**
 * `npm start` as a supervisor, for real: scripts/start.ts on a fresh data dir and free ports. It runs two
 * workers; the first killed with SIGKILL is started again (and says so, with the signal), `/health` answers
 * 200 again, nothing else stopped (the second worker included); Ctrl-C (SIGINT) then stops everything and
 * exits 0.
 */

const dataDir = path.join(REPO_ROOT, '.data', `start-supervision-test-${process.pid}`);
let start: ManagedProcess | undefined;

afterAll(async () => {
  await start?.stop(30_000);
  await fs.rm(dataDir, { recursive: true, force: true });
});

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${start?.tail() ?? ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The children start.ts recorded (every launch appends), newest last. */
async function recorded(name: string): Promise<number[]> {
  const text = await fs.readFile(path.join(dataDir, 'processes.json'), 'utf8').catch(() => '');
  if (!text) return [];
  const { children } = JSON.parse(text) as { children: { name: string; pid: number }[] };
  return children.filter((c) => c.name === name).map((c) => c.pid);
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(findPostgresBinDirs().length === 0)('npm start supervises its children', () => {
  it('restarts a worker killed with SIGKILL, /health recovers, and only SIGINT stops everything', async () => {
    const [port, temporalPort, temporalUiPort, eslPort, controlPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    start = spawnManaged(
      'start',
      process.execPath,
      ['--import', pathToFileURL(require.resolve('tsx')).href, 'scripts/start.ts'],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          DATABASE_URL: '',
          TEMPORAL_ADDRESS: '',
          ESL_HOST: '',
          ORI_DATA_DIR: dataDir,
          PORT: String(port),
          TEMPORAL_PORT: String(temporalPort),
          TEMPORAL_UI_PORT: String(temporalUiPort),
          SIM_ESL_PORT: String(eslPort),
          SIM_CONTROL_PORT: String(controlPort),
          ORI_WORKER_METRICS_PORT: '0',
          ORI_WORKERS: '',
        },
        prefix: false,
        stopSignal: 'SIGINT',
      },
    );
    const health = `http://127.0.0.1:${port}/health`;
    await until('npm start to be ready', async () => start?.tail().includes('[start] ready in'), 240_000);
    expect(await httpStatus(health)).toBe(200);

    const [worker] = await recorded('worker');
    const [api] = await recorded('api');
    // Two workers by default (ORI_WORKERS): the second covers the first's calls while it is dead.
    const [otherWorker] = await recorded('worker-2');
    expect(worker).toBeGreaterThan(0);
    expect(alive(otherWorker ?? -1)).toBe(true);
    process.kill(worker ?? -1, 'SIGKILL');
    const [, second] = await until(
      'a second worker',
      async () => {
        const pids = await recorded('worker');
        return pids.length === 2 ? pids : null;
      },
      60_000,
    );
    expect(start.tail()).toMatch(
      /worker \(worker\/main\.ts\) exited on its own \(signal SIGKILL\); restarting/,
    );
    expect(alive(second ?? -1)).toBe(true);
    await until('/health 200 again', async () => (await httpStatus(health)) === 200, 60_000);
    // Nothing else was restarted or stopped: the same API process, and npm start itself still running.
    expect(await recorded('api')).toEqual([api]);
    expect(await recorded('worker-2')).toEqual([otherWorker]);
    expect(start.exitInfo).toBeUndefined();

    const exit = await start.stop(60_000);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(start.tail()).toContain('[start] stopped');
    expect(alive(second ?? -1)).toBe(false);
    expect(alive(api ?? -1)).toBe(false);
    expect(alive(otherWorker ?? -1)).toBe(false);
  });
});
