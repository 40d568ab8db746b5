import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/connection';
import {
  forgetLongGoneWorkers,
  forgetPresence,
  recordPresence,
} from '../db/repositories/worker-presence.repository';

/** What presence needs of the switch client: its state and word of each change. */
export interface SwitchState {
  readonly connected: boolean;
  on(event: 'disconnected' | 'reconnected', listener: () => void): () => void;
}

export interface WorkerPresenceOptions {
  db: Db;
  switch: SwitchState;
  taskQueue: string;
  /** Default: about every second. */
  intervalMs?: number;
  now?: () => Date;
  onError?: (error: unknown) => void;
}

/**
 * This worker's row in `worker_presence`, refreshed about every second and at once when its ESL
 * connection comes or goes: admission, the diagnosis and the takeover of a dead worker's dials read it.
 * A refresh that fails (Postgres away) is skipped; the next one writes the current state.
 */
export class WorkerPresence {
  readonly workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly startedAt: Date;
  private eslConnected: boolean;
  private eslChangedAt: Date | null;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private readonly unsubscribe: Array<() => void> = [];
  private readonly now: () => Date;
  private refreshes = 0;

  constructor(private readonly options: WorkerPresenceOptions) {
    this.now = options.now ?? (() => new Date());
    this.startedAt = this.now();
    this.eslConnected = options.switch.connected;
    this.eslChangedAt = this.eslConnected ? this.startedAt : null;
  }

  /** Writes the first row (awaited, so the worker is visible before it polls) and starts refreshing. */
  async start(): Promise<void> {
    const changed = (): void => {
      const connected = this.options.switch.connected;
      if (connected === this.eslConnected) return;
      this.eslConnected = connected;
      this.eslChangedAt = this.now();
      void this.refresh();
    };
    this.unsubscribe.push(this.options.switch.on('disconnected', changed));
    this.unsubscribe.push(this.options.switch.on('reconnected', changed));
    await this.refresh();
    this.timer = setInterval(() => {
      // The client's flag is the truth; events only make a change visible sooner.
      changed();
      void this.refresh();
    }, this.options.intervalMs ?? 1_000);
    this.timer.unref();
  }

  /** Stops refreshing and removes the row: a worker that left cleanly is not "gone". */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const off of this.unsubscribe.splice(0)) off();
    await this.writing;
    await forgetPresence(this.options.db, this.workerId).catch((error: unknown) =>
      this.options.onError?.(error),
    );
  }

  private refresh(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.writing) {
      this.again = true;
      return this.writing;
    }
    this.writing = (async () => {
      do {
        this.again = false;
        try {
          const now = this.now();
          await recordPresence(
            this.options.db,
            {
              workerId: this.workerId,
              hostname: hostname(),
              pid: process.pid,
              taskQueue: this.options.taskQueue,
              startedAt: this.startedAt,
              eslConnected: this.eslConnected,
              eslChangedAt: this.eslChangedAt,
            },
            now,
          );
          if (this.refreshes++ % 3600 === 0) await forgetLongGoneWorkers(this.options.db, now);
        } catch (error) {
          this.options.onError?.(error);
        }
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.writing = null;
    });
    return this.writing;
  }
}
