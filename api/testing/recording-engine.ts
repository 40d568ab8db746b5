import type { CampaignEngine, RunRef, RunSelfReport, TaskQueuePollers } from '../../engine/campaign-engine';

/**
 * A CampaignEngine that records what the API asked of it, for API tests: "pause was sent to run 2 by
 * key ops". It stands in for the Temporal side only; the real engine is tested end to end elsewhere.
 * `failing` makes chosen methods throw (an unreachable Temporal), `hanging` never answer (no worker),
 * `healthyAnswer` drives /health. `runState` answers as a run would from the controls recorded for it.
 */

export type EngineMethod = Exclude<keyof CampaignEngine, 'healthy' | 'taskQueuePollers' | 'runState'>;

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
  /** What `runState` answers for a run (`campaignId:runNo`), instead of following the recorded controls. */
  readonly runStates = new Map<string, RunSelfReport | null | Error>();

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
  /**
   * A run this engine was told to start says what its last control made of it; a run it never heard of has
   * no workflow here to ask, which reads as Temporal not answering (not as a missing run).
   */
  runState(run: RunRef): Promise<RunSelfReport | null> {
    const key = `${run.campaignId}:${run.runNo}`;
    const set = this.runStates.get(key);
    if (set instanceof Error) return Promise.reject(set);
    if (set !== undefined) return Promise.resolve(set);
    const STATUS = { startRun: 'running', resume: 'running', pause: 'paused', stop: 'stopping' } as const;
    const last = this.calls
      .filter((c) => c.campaignId === run.campaignId && c.runNo === run.runNo && c.method in STATUS)
      .at(-1);
    if (!last) return Promise.reject(new Error(`no workflow of run ${key} in the recording engine`));
    const status = STATUS[last.method as keyof typeof STATUS];
    return Promise.resolve({ status, reason: `${last.method} (recorded)`, waitingFor: null });
  }
  taskQueuePollers(): Promise<TaskQueuePollers[]> {
    return this.pollersAnswer instanceof Error
      ? Promise.reject(this.pollersAnswer)
      : Promise.resolve(this.pollersAnswer);
  }
}
