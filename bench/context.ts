import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { BenchArgs } from './args';
import { cpuSnapshot, sampleRss, type CpuSnapshot, type RssSampler } from './proc';
import type { BenchStack } from './stack';

/** What every part gets: the running stack, the flags, a logger, and figures earlier parts measured. */
export interface BenchContext {
  stack: BenchStack;
  args: BenchArgs;
  log: (message: string) => void;
  /** Snapshot of the CPU ticks of the stack's processes and of the machine. */
  cpu(): Promise<CpuSnapshot>;
  workerRss: RssSampler;
  apiRss: RssSampler;
  shared: {
    ceilingPerSecond?: number;
    dialPerSecond?: number;
    /** Temporal history events per dial (contact workflow + its share of campaignRun), part `dial`. */
    eventsPerDial?: number;
    /** CPU-ms per dial of the Temporal server and of the worker, part `dial`. */
    cpuPerDial?: { temporal: number; worker: number };
    /** Share of the once-a-second samples in part `dial` with at least 90% of the seats held. */
    seatsFullShare?: number;
    /** The CSV-import campaign (a draft with its contacts), reused by the attempt report part. */
    importCampaign?: { id: string; rows: number };
  };
}

async function postmasterPid(stack: BenchStack): Promise<number | null> {
  if (!stack.pg.dir) return null;
  const text = await fs.readFile(path.join(stack.pg.dir, 'data', 'postmaster.pid'), 'utf8').catch(() => '');
  const pid = Number(text.split('\n')[0]);
  return pid > 0 ? pid : null;
}

export async function createContext(
  stack: BenchStack,
  args: BenchArgs,
  log: (m: string) => void,
): Promise<BenchContext> {
  const workerRss = sampleRss(() => stack.worker()?.pid ?? -1);
  const apiRss = sampleRss(() => stack.api().pid);
  return {
    stack,
    args,
    log,
    workerRss,
    apiRss,
    shared: {},
    async cpu() {
      return cpuSnapshot(
        {
          api: stack.api().pid,
          worker: stack.worker()?.pid ?? -1,
          temporal: stack.temporal.process?.pid ?? -1,
        },
        await postmasterPid(stack),
      );
    },
  };
}
