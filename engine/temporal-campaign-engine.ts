import { Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { CampaignEngine, RunRef, RunSelfReport, TaskQueuePollers } from './campaign-engine';
import {
  campaignRunWorkflowId,
  configChangedUpdate,
  contactWorkflowId,
  pauseUpdate,
  resultSignal,
  runStateQuery,
  runTaskQueue,
  resumeUpdate,
  webhookTaskQueue,
  stopUpdate,
  wakeSignal,
} from '../workflows/messages';
import { CampaignIdKey, RunNoKey, RunStatusKey } from '../workflows/search-attributes';
import { connectTemporalClient, type TemporalConnectionSettings } from './temporal-connection';

/**
 * The CampaignEngine over Temporal. A message to a run that is no longer open is not an error for the API:
 * Postgres already holds the operator's change, and a closed run has nothing left to react.
 */
/**
 * Wakes are coalesced per run: a CRM's burst of triggers becomes at most one signal per window (plus one
 * trailing signal), never a signal per contact — one workflow sustains only a modest signal rate.
 */
export const WAKE_COALESCE_MS = 500;
/**
 * How long the diagnosis waits for a run to answer its state query: a query needs a worker, and a stall
 * detector round or an engineer's diagnose should not hang on a missing one (worker_polling names that).
 */
const RUN_STATE_DEADLINE_MS = 3_000;

export function temporalCampaignEngine(client: Client, taskQueue: string): CampaignEngine {
  const run = (r: RunRef) => client.workflow.getHandle(campaignRunWorkflowId(r.campaignId, r.runNo));
  const wakes = new Map<string, { lastSentAt: number; trailing: Promise<void> | null }>();
  const coalescedWake = async (r: RunRef): Promise<void> => {
    const key = campaignRunWorkflowId(r.campaignId, r.runNo);
    const state = wakes.get(key) ?? { lastSentAt: 0, trailing: null };
    wakes.set(key, state);
    const since = Date.now() - state.lastSentAt;
    if (since >= WAKE_COALESCE_MS) {
      state.lastSentAt = Date.now();
      await ignoreClosed(() => run(r).signal(wakeSignal));
      return;
    }
    // Inside the window: one trailing wake covers every request that arrives before it goes out.
    state.trailing ??= new Promise<void>((resolve) => setTimeout(resolve, WAKE_COALESCE_MS - since)).then(
      async () => {
        state.trailing = null;
        state.lastSentAt = Date.now();
        await ignoreClosed(() => run(r).signal(wakeSignal));
      },
    );
    await state.trailing;
  };
  const ignoreClosed = async (work: () => Promise<unknown>): Promise<void> => {
    try {
      await work();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return;
      if (err instanceof WorkflowUpdateFailedError) return;
      throw err;
    }
  };
  return {
    async startRun(r) {
      try {
        await client.workflow.start('campaignRun', {
          taskQueue: runTaskQueue(taskQueue),
          workflowId: campaignRunWorkflowId(r.campaignId, r.runNo),
          args: [{ campaignId: r.campaignId, runNo: r.runNo, contactTaskQueue: taskQueue }],
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          typedSearchAttributes: [
            { key: CampaignIdKey, value: r.campaignId },
            { key: RunNoKey, value: r.runNo },
            { key: RunStatusKey, value: 'running' },
          ],
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
    },
    pause: (r, actor) => ignoreClosed(() => run(r).executeUpdate(pauseUpdate, { args: [{ actor }] })),
    resume: (r, actor) => ignoreClosed(() => run(r).executeUpdate(resumeUpdate, { args: [{ actor }] })),
    stop: (r, actor) => ignoreClosed(() => run(r).executeUpdate(stopUpdate, { args: [{ actor }] })),
    configChanged: (r) => ignoreClosed(() => run(r).executeUpdate(configChangedUpdate, { args: [] })),
    wake: coalescedWake,
    deliverResult: (a) =>
      ignoreClosed(() =>
        client.workflow
          .getHandle(contactWorkflowId(a.campaignId, a.runNo, a.contactId))
          .signal(resultSignal, {
            attemptId: a.attemptId,
            ...(a.disposition !== undefined ? { disposition: a.disposition } : {}),
            ...(a.callbackAt !== undefined ? { callbackAt: a.callbackAt } : {}),
          }),
      ),
    async taskQueuePollers() {
      const queues = [taskQueue, runTaskQueue(taskQueue), webhookTaskQueue(taskQueue)];
      const kinds = [
        ['workflow', temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW],
        ['activity', temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY],
      ] as const;
      const asks = queues.flatMap((name) =>
        kinds.map(async ([kind, type]): Promise<TaskQueuePollers> => {
          const answer = await client.workflowService.describeTaskQueue({
            namespace: client.options.namespace,
            taskQueue: { name, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
            taskQueueType: type,
          });
          return {
            taskQueue: name,
            kind,
            pollers: (answer.pollers ?? []).map((p) => ({
              identity: p.identity ?? '',
              lastAccessAt: timestampToDate(p.lastAccessTime),
            })),
          };
        }),
      );
      return Promise.all(asks);
    },
    async runState(r): Promise<RunSelfReport | null> {
      const handle = run(r);
      return client.withDeadline(Date.now() + RUN_STATE_DEADLINE_MS, async () => {
        try {
          if ((await handle.describe()).status.name !== 'RUNNING') return null;
          const state = await handle.query(runStateQuery);
          return { status: state.status, reason: state.reason, waitingFor: state.waitingFor };
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) return null;
          throw err;
        }
      });
    },
    async healthy() {
      try {
        await client.workflowService.getSystemInfo({});
        return true;
      } catch {
        return false;
      }
    },
  };
}

function timestampToDate(
  t: { seconds?: { toNumber(): number } | number | null; nanos?: number | null } | null | undefined,
): Date | null {
  if (!t || t.seconds === null || t.seconds === undefined) return null;
  const seconds = typeof t.seconds === 'number' ? t.seconds : t.seconds.toNumber();
  return new Date(seconds * 1000 + Math.floor((t.nanos ?? 0) / 1e6));
}

/** Connect to Temporal and build the engine (api/main.ts). */
export async function createTemporalCampaignEngine(opts: {
  /** Where Temporal is and how the connection is secured (TLS, mTLS, API key). */
  connection: TemporalConnectionSettings;
  namespace: string;
  taskQueue: string;
}): Promise<CampaignEngine & { close(): Promise<void> }> {
  const connection = await connectTemporalClient(opts.connection);
  const client = new Client({ connection, namespace: opts.namespace });
  return { ...temporalCampaignEngine(client, opts.taskQueue), close: () => connection.close() };
}
