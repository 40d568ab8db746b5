/**
 * What the API asks of the dialling engine (Temporal). Postgres stays the system of record: the API writes
 * a status change first, then tells the engine so the run reacts at once instead of on its next tick.
 * The implementation over the Temporal client lives in `temporal-campaign-engine.ts`.
 */
import type { RunStatus } from '../policy/explain';

export interface RunRef {
  campaignId: string;
  runNo: number;
}

/** One worker's poll of a task queue, as Temporal's task-queue description reports it. */
export interface TaskQueuePoller {
  identity: string;
  lastAccessAt: Date | null;
}

/** Who polls one of the dialler's task queues, for workflow or for activity tasks. */
export interface TaskQueuePollers {
  taskQueue: string;
  kind: 'workflow' | 'activity';
  pollers: TaskQueuePoller[];
}

/** What an open run workflow says of itself (its state query): the diagnosis sets it beside Postgres. */
export interface RunSelfReport {
  status: RunStatus;
  reason: string;
  /** What the run waits for now; null while it admits. */
  waitingFor: string | null;
}

export interface CampaignEngine {
  /** Start the run's `campaignRun` workflow (idempotent: starting a started run is a no-op). */
  startRun(run: RunRef): Promise<void>;
  /** Stop admitting dials; calls in flight finish. */
  pause(run: RunRef, actor: string): Promise<void>;
  resume(run: RunRef, actor: string): Promise<void>;
  /** End the run: no new dials, contacts not yet final become `manually_stopped`, in-flight calls finish. */
  stop(run: RunRef, actor: string): Promise<void>;
  /** The run's config (concurrency, window, ...) was edited while paused: re-read it. */
  configChanged(run: RunRef): Promise<void>;
  /** Contacts were added, excluded or re-added: admission should look again now (coalesced). */
  wake(run: RunRef): Promise<void>;
  /** A post-call result was stored for an attempt: tell its contact workflow. */
  deliverResult(
    args: RunRef & { contactId: string; attemptId: string; disposition?: string; callbackAt?: string | null },
  ): Promise<void>;
  /** Whether Temporal answers. */
  healthy(): Promise<boolean>;
  /**
   * The pollers of every task queue the dialler serves (contacts, runs, webhooks; workflow and activity
   * tasks), from Temporal's task-queue description: the diagnosis's "a worker polls each task queue".
   * Throws when Temporal does not answer.
   */
  taskQueuePollers(): Promise<TaskQueuePollers[]>;
  /**
   * What the run's workflow says of itself, or null when no workflow of that run is open. Throws when
   * Temporal (or a worker to answer the query) does not answer within a few seconds.
   */
  runState(run: RunRef): Promise<RunSelfReport | null>;
}
