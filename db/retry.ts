import { isDatabaseUnavailable } from './connection';

export interface WhileAwayOptions {
  /** Give up (rethrow the last error) once the database has been away this long. Default 60 s. */
  maxMs?: number;
  /** Called before each wait (an activity heartbeats here, so its timeout does not fire meanwhile). */
  onWait?: (error: unknown) => void;
}

const FIRST_WAIT_MS = 200;
const MAX_WAIT_MS = 2_000;

/**
 * Run idempotent `work`, repeating it with backoff while Postgres is away (a restart takes seconds);
 * any other error, or an absence longer than `maxMs`, is thrown. For writes whose loss would cost a fact
 * nobody else knows — a call's recorded end — rather than only a retry by whoever called.
 */
export async function whileDatabaseAway<T>(
  work: () => Promise<T>,
  options: WhileAwayOptions = {},
): Promise<T> {
  const giveUpAt = Date.now() + (options.maxMs ?? 60_000);
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (!isDatabaseUnavailable(err) || Date.now() >= giveUpAt) throw err;
      options.onWait?.(err);
      const wait = Math.min(MAX_WAIT_MS, FIRST_WAIT_MS * 2 ** attempt, Math.max(0, giveUpAt - Date.now()));
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
