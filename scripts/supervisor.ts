/**
 * Keeps a service running: when it exits on its own it is launched again after an exponential backoff
 * (1 s, 2 s, 4 s … 30 s; back to 1 s once a launch has stayed up a minute), and every exit is logged with
 * its exit code or signal. Only stop() ends it. `npm start` supervises each of its children this way, so one
 * child dying (a worker killed, the dev server crashing) is a restart, not an outage of the whole stack.
 */
import type { ExitInfo } from './processes';

/** What a launch gives back: a way to learn that it ended, and a way to end it. */
export interface Service {
  /** Resolves when the service has gone (on its own or by stop()). */
  readonly exited: Promise<ExitInfo | void>;
  stop(): Promise<unknown>;
}

export interface BackoffPolicy {
  firstMs: number;
  maxMs: number;
  /** A launch that stayed up this long resets the backoff to `firstMs`. */
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { firstMs: 1_000, maxMs: 30_000, resetAfterMs: 60_000 };

export interface SupervisorOptions {
  name: string;
  launch: () => Promise<Service>;
  backoff?: Partial<BackoffPolicy>;
  log?: (message: string) => void;
  /** Called after each successful launch (the first one included). */
  onLaunch?: (service: Service, launchNo: number) => void;
}

export interface Supervisor {
  readonly name: string;
  /** The running launch, or null between an exit and the next launch. */
  readonly current: Service | null;
  /** Launches after the first. */
  readonly restarts: number;
  /** Stop supervising and stop the running launch (or cancel a pending relaunch). Idempotent. */
  stop(): Promise<void>;
}

const describeExit = (info: ExitInfo | void): string =>
  !info ? 'it went away' : info.signal ? `signal ${info.signal}` : `exit code ${info.code}`;

/** Launch the service now (rejects when this first launch fails) and keep it running until stop(). */
export async function supervise(options: SupervisorOptions): Promise<Supervisor> {
  const policy = { ...DEFAULT_BACKOFF, ...options.backoff };
  const log = options.log ?? ((m: string) => console.error(`[start] ${m}`));
  let current: Service | null = null;
  let restarts = 0;
  let stopped = false;
  let wakeSleeper: (() => void) | null = null;
  let loop: Promise<void> = Promise.resolve();

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        wakeSleeper = null;
        resolve();
      }
      wakeSleeper = done;
    });

  const watch = async (first: Service): Promise<void> => {
    let service: Service | null = first;
    let delay = policy.firstMs;
    for (;;) {
      const launchedAt = Date.now();
      const info = await service.exited;
      current = null;
      if (stopped) return;
      if (Date.now() - launchedAt >= policy.resetAfterMs) delay = policy.firstMs;
      log(`${options.name} exited on its own (${describeExit(info)}); restarting in ${delay / 1000} s`);
      service = null;
      while (!service) {
        await sleep(delay);
        delay = Math.min(delay * 2, policy.maxMs);
        if (stopped) return;
        try {
          service = await options.launch();
        } catch (err) {
          log(
            `${options.name} failed to start again (${err instanceof Error ? err.message : String(err)}); ` +
              `retrying in ${delay / 1000} s`,
          );
        }
      }
      if (stopped) {
        await service.stop();
        return;
      }
      restarts += 1;
      current = service;
      log(`${options.name} restarted (restart ${restarts})`);
      options.onLaunch?.(service, restarts + 1);
    }
  };

  const first = await options.launch();
  current = first;
  options.onLaunch?.(first, 1);
  loop = watch(first);

  let stopping: Promise<void> | undefined;
  return {
    name: options.name,
    get current() {
      return current;
    },
    get restarts() {
      return restarts;
    },
    stop: () =>
      (stopping ??= (async () => {
        stopped = true;
        wakeSleeper?.();
        const running = current;
        if (running) await running.stop();
        await loop;
      })()),
  };
}
