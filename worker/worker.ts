import {
  NativeConnection,
  Worker,
  bundleWorkflowCode,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import path from 'node:path';
import { createActivities, type ActivityDeps } from '../activities';
import { createWebhookActivities } from '../activities/webhook.activity';
import { runTaskQueue, webhookTaskQueue } from '../workflows/messages';

// A file path, not a module id: the bundler (webpack + swc) compiles the TypeScript itself.
export const WORKFLOWS_PATH = path.join(__dirname, '..', 'workflows', 'index.ts');

/** Bundle the workflow code once (webpack); tests and benchmarks reuse one bundle across workers. */
export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: undefined });
}

export interface DiallerWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  workflowBundle?: WorkflowBundleWithSourceMap;
  /** Calls in flight: a dial activity mostly waits on events, so many run at once. */
  maxConcurrentActivities?: number;
}

export { webhookTaskQueue };

export async function createWebhookWorker(opts: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: ActivityDeps['db'];
  workflowBundle?: WorkflowBundleWithSourceMap;
}): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: webhookTaskQueue(opts.taskQueue),
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createWebhookActivities({ db: opts.db }),
    maxConcurrentActivityTaskExecutions: 50,
    maxCachedWorkflows: 500,
  });
}

/**
 * The campaign runs' worker (task queue `runTaskQueue`): their workflow tasks and admission long polls,
 * apart from the contacts' so they never queue behind them. Same workflows and activities.
 */
export async function createRunWorker(
  opts: Omit<DiallerWorkerOptions, 'maxConcurrentActivities'>,
): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: runTaskQueue(opts.taskQueue),
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities(opts.deps),
    // One admission long poll and one cached workflow per running campaign.
    maxConcurrentActivityTaskExecutions: 500,
    maxCachedWorkflows: 500,
    shutdownGraceTime: '5 seconds',
  });
}

export async function createDiallerWorker(opts: DiallerWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities(opts.deps),
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivities ?? 2_000,
    maxConcurrentWorkflowTaskExecutions: 100,
    // Bounded cache: an unbounded one grows until the heap runs out (sdk-typescript#2227).
    maxCachedWorkflows: 2_000,
    // A dial activity interrupted by shutdown is retried by the next worker, which reconciles the call.
    shutdownGraceTime: '5 seconds',
  });
}
