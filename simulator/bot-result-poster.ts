/**
 * The bot platform's side of a finished conversation: `POST /api/v1/attempts/:attempt_id/result` to the
 * dialler, under the contract the README gives integrators ("Posting post-call results"): the endpoint is
 * idempotent, so a result that got no answer is posted again — on network errors, timeouts, `5xx` and `429`
 * — with exponential backoff for minutes (a `Retry-After` is honoured), as real bot platforms do; the
 * dialler waits `ORI_RESULT_GRACE_S` after hangup. Any other `4xx` is the dialler's final word (a `409` is
 * a different result already recorded for the attempt).
 */

export interface PostCallResult {
  disposition: string;
  callback_at?: string;
  turns: number;
  summary: string;
}

export interface RetryPolicy {
  /** The first wait; each next one doubles. Default 500 ms. */
  firstDelayMs: number;
  /** The longest wait between two tries. Default 30 s. */
  maxDelayMs: number;
  /** No try starts after this long since the first (the dialler has stopped waiting). Default 10 min. */
  giveUpAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { firstDelayMs: 500, maxDelayMs: 30_000, giveUpAfterMs: 600_000 };

export interface BotResultPosterOptions {
  resultUrl: string;
  apiKey?: string;
  retry?: Partial<RetryPolicy>;
  requestTimeoutMs?: number;
  /** A line per post; `fields` carries the call's `attempt_id`. */
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export type PostOutcome = ({ status: number } | { error: string }) & { tries: number };

/** Whether an answer (or a failure to get one) means "try again later". */
export function isRetryable(outcome: { status: number } | { error: string }): boolean {
  if ('error' in outcome) return true;
  return outcome.status >= 500 || outcome.status === 429;
}

/** `Retry-After` in seconds or as an HTTP date, in ms from now; null when absent or unreadable. */
export function retryAfterMs(header: string | null, nowMs: number): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

export class BotResultPoster {
  private readonly inFlight = new Set<AbortController>();
  private readonly sleeping = new Set<() => void>();
  private readonly retry: RetryPolicy;
  private closed = false;

  constructor(private readonly options: BotResultPosterOptions) {
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
  }

  urlFor(attemptId: string): string {
    return `${this.options.resultUrl.replace(/\/+$/, '')}/api/v1/attempts/${encodeURIComponent(attemptId)}/result`;
  }

  /** Posts and retries; resolves with the last status (or error) and never rejects. */
  async post(attemptId: string, result: PostCallResult): Promise<PostOutcome> {
    const started = Date.now();
    let last: { status: number; retryAfter?: string | null } | { error: string } = { error: 'not attempted' };
    let tries = 0;
    for (
      let delay = this.retry.firstDelayMs;
      !this.closed;
      delay = Math.min(delay * 2, this.retry.maxDelayMs)
    ) {
      last = await this.postOnce(attemptId, result);
      tries += 1;
      if (!isRetryable(last) || this.closed) break;
      const asked = 'status' in last ? retryAfterMs(last.retryAfter ?? null, Date.now()) : null;
      const wait = Math.min(asked ?? delay, this.retry.maxDelayMs);
      if (Date.now() + wait - started > this.retry.giveUpAfterMs) break;
      if (tries === 1) {
        const shown = 'status' in last ? `HTTP ${last.status}` : last.error;
        this.options.log?.(`result for attempt ${attemptId}: ${shown}; retrying with backoff`, {
          attempt_id: attemptId,
        });
      }
      await this.sleep(wait);
    }
    const outcome: PostOutcome =
      'status' in last ? { status: last.status, tries } : { error: last.error, tries };
    const shown = 'status' in outcome ? `HTTP ${outcome.status}` : outcome.error;
    this.options.log?.(
      `result for attempt ${attemptId}: ${shown}${tries > 1 ? ` after ${tries} tries` : ''}`,
      { attempt_id: attemptId, tries },
    );
    return outcome;
  }

  /** Aborts posts under way and their waits; later posts do nothing. */
  close(): void {
    this.closed = true;
    for (const controller of this.inFlight) controller.abort();
    for (const wake of this.sleeping) wake();
  }

  private async postOnce(
    attemptId: string,
    result: PostCallResult,
  ): Promise<{ status: number; retryAfter: string | null } | { error: string }> {
    if (this.closed) return { error: 'closed' };
    const controller = new AbortController();
    this.inFlight.add(controller);
    const timer = setTimeout(() => controller.abort(), this.options.requestTimeoutMs ?? 5000);
    try {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
      const response = await fetch(this.urlFor(attemptId), {
        method: 'POST',
        headers,
        body: JSON.stringify(result),
        signal: controller.signal,
      });
      // Drain the body so the connection can be reused.
      await response.arrayBuffer().catch(() => undefined);
      return { status: response.status, retryAfter: response.headers.get('retry-after') };
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(controller);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleeping.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleeping.add(wake);
    });
  }
}

/** What the simulated bot reports for a conversation of `talkS` scenario seconds. */
export function simulatedResult(args: {
  disposition: string;
  talkS: number;
  callbackInMin?: number;
  now: Date;
}): PostCallResult {
  const result: PostCallResult = {
    disposition: args.disposition,
    // About one exchange every six seconds of talk.
    turns: Math.max(1, Math.round(args.talkS / 6)),
    summary: `Simulated conversation of ${args.talkS} s ending ${args.disposition}.`,
  };
  if (args.callbackInMin !== undefined) {
    result.callback_at = new Date(args.now.getTime() + args.callbackInMin * 60_000).toISOString();
  }
  return result;
}
