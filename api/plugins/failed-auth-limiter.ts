/**
 * Counts failed authentications per client address in fixed windows. Only failures count: a client with
 * a valid key is never slowed down, while a client guessing keys gets 429 once it passes the limit.
 * In memory and per process, which is what a single API process needs; entries expire with their window.
 */
export interface FailedAuthLimit {
  /** Failures allowed per window; the next one answers 429. */
  max: number;
  windowMs: number;
}

export const DEFAULT_FAILED_AUTH_LIMIT: FailedAuthLimit = { max: 20, windowMs: 60_000 };

/** Past this many tracked addresses, expired windows are swept so memory stays bounded. */
const SWEEP_ABOVE = 10_000;

export class FailedAuthLimiter {
  private readonly windows = new Map<string, { startedAt: number; failures: number }>();

  constructor(private readonly limit: FailedAuthLimit = DEFAULT_FAILED_AUTH_LIMIT) {}

  /** Record a failure; returns the seconds to wait when the address is over its limit, else null. */
  fail(address: string, nowMs: number): number | null {
    if (this.windows.size > SWEEP_ABOVE) this.sweep(nowMs);
    let window = this.windows.get(address);
    if (!window || nowMs - window.startedAt >= this.limit.windowMs) {
      window = { startedAt: nowMs, failures: 0 };
      this.windows.set(address, window);
    }
    window.failures += 1;
    if (window.failures <= this.limit.max) return null;
    return Math.max(1, Math.ceil((window.startedAt + this.limit.windowMs - nowMs) / 1000));
  }

  private sweep(nowMs: number): void {
    for (const [address, window] of this.windows) {
      if (nowMs - window.startedAt >= this.limit.windowMs) this.windows.delete(address);
    }
  }
}
