import type { CampaignEngine, RunRef, TaskQueuePollers } from '../../engine/campaign-engine';

/**
 * A CampaignEngine that records what the API asked of it, for API tests: "pause was sent to run 2 by
 * key ops". It stands in for the Temporal side only; the real engine is tested end to end elsewhere.
 * `failing` makes chosen methods throw (an unreachable Temporal), `hanging` never answer (no worker),
 * `healthyAnswer` drives /health.
 */

export type EngineMethod = Exclude<keyof CampaignEngine, 'healthy' | 'taskQueuePollers'>;

export interface EngineCall {
  method: EngineMethod;
  campaignId: string;
  runNo: number;
  actor?: string;
  contactId?: string;
  attemptId?: string;
}

export class RecordingEngine implements CampaignEngine {
  readonly calls: EngineCall[] = [];
  readonly failing = new Set<EngineMethod>();
  /** Methods that never answer: a Temporal Update with no worker to take it. */
  readonly hanging = new Set<EngineMethod>();
  healthyAnswer = true;
  /** What `taskQueuePollers` answers; an Error makes it throw (Temporal unreachable). */
  pollersAnswer: TaskQueuePollers[] | Error = [];

  private record(method: EngineMethod, run: RunRef, extra: Partial<EngineCall> = {}): Promise<void> {
    if (this.failing.has(method)) return Promise.reject(new Error(`engine ${method} unavailable (test)`));
    if (this.hanging.has(method)) return new Promise<void>(() => undefined);
    this.calls.push({ method, campaignId: run.campaignId, runNo: run.runNo, ...extra });
    return Promise.resolve();
  }

  /** The calls for one campaign (and method), oldest first. */
  callsFor(campaignId: string, method?: EngineMethod): EngineCall[] {
    return this.calls.filter((c) => c.campaignId === campaignId && (!method || c.method === method));
  }

  startRun(run: RunRef): Promise<void> {
    return this.record('startRun', run);
  }
  pause(run: RunRef, actor: string): Promise<void> {
    return this.record('pause', run, { actor });
  }
  resume(run: RunRef, actor: string): Promise<void> {
    return this.record('resume', run, { actor });
  }
  stop(run: RunRef, actor: string): Promise<void> {
    return this.record('stop', run, { actor });
  }
  configChanged(run: RunRef): Promise<void> {
    return this.record('configChanged', run);
  }
  wake(run: RunRef): Promise<void> {
    return this.record('wake', run);
  }
  deliverResult(args: RunRef & { contactId: string; attemptId: string }): Promise<void> {
    return this.record('deliverResult', args, { contactId: args.contactId, attemptId: args.attemptId });
  }
  healthy(): Promise<boolean> {
    return Promise.resolve(this.healthyAnswer);
  }
  taskQueuePollers(): Promise<TaskQueuePollers[]> {
    return this.pollersAnswer instanceof Error
      ? Promise.reject(this.pollersAnswer)
      : Promise.resolve(this.pollersAnswer);
  }
}
