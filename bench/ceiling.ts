/**
 * The ceiling: raw throughput of the same Temporal dev server for a trivial workflow with one activity
 * (start → workflow task → activity → workflow task → complete), driven closed-loop with a fixed number of
 * workflows in flight. The worker runs in this process with the SDK's defaults.
 */
import path from 'node:path';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { Client } from '@temporalio/client';

export interface CeilingOptions {
  address: string;
  namespace: string;
  client: Client;
  durationS: number;
  inFlight: number;
  log: (m: string) => void;
}

export interface CeilingResult {
  completed: number;
  /** Completed over the whole drive, warm-up included (for CPU per workflow). */
  total: number;
  perSecond: number;
  warmupS: number;
  measuredS: number;
  failures: number;
}

let runtimeInstalled = false;

export async function measureCeiling(opts: CeilingOptions): Promise<CeilingResult> {
  if (!runtimeInstalled) {
    // Before the first NativeConnection: the SDK's worker would otherwise log every state change at INFO.
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const taskQueue = `bench-ceiling-${Date.now()}`;
  const connection = await NativeConnection.connect({ address: opts.address });
  const worker = await Worker.create({
    connection,
    namespace: opts.namespace,
    taskQueue,
    workflowsPath: path.join(__dirname, 'workflows', 'trivial.workflow.ts'),
    activities: { noop: async (n: number) => n },
    maxCachedWorkflows: 2_000,
  });
  const running = worker.run();
  const warmupS = Math.min(5, opts.durationS / 4);
  const started = Date.now();
  const end = started + opts.durationS * 1000;
  const measureFrom = started + warmupS * 1000;
  let completed = 0;
  let total = 0;
  let failures = 0;
  let seq = 0;
  const loop = async (): Promise<void> => {
    while (Date.now() < end) {
      const n = seq++;
      try {
        await opts.client.workflow.execute('trivial', {
          taskQueue,
          workflowId: `${taskQueue}-${n}`,
          args: [n],
        });
        total++;
        if (Date.now() >= measureFrom && Date.now() < end) completed++;
      } catch {
        failures++;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.inFlight }, loop));
  const measuredS = opts.durationS - warmupS;
  worker.shutdown();
  await running;
  await connection.close();
  return { completed, total, perSecond: completed / measuredS, warmupS, measuredS, failures };
}
