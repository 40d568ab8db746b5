/**
 * The bot platform's side of a finished conversation: `POST /api/v1/attempts/:attempt_id/result` to the
 * dialler (API.md "Attempts and outcomes"). Network errors and 5xx are retried a few times with backoff, as a
 * real platform would; a 4xx (bad id, 409 conflict) is the dialler's final word.
 */

export interface PostCallResult {
  disposition: string;
  callback_at?: string;
  turns: number;
  summary: string;
}

export interface BotResultPosterOptions {
  resultUrl: string;
  apiKey?: string;
  /** Delays before each retry; the number of entries is the number of retries. */
  retryDelaysMs?: number[];
  requestTimeoutMs?: number;
  log?: (message: string) => void;
}

export type PostOutcome = { status: number } | { error: string };

export class BotResultPoster {
  private readonly inFlight = new Set<AbortController>();
  private closed = false;

  constructor(private readonly options: BotResultPosterOptions) {}

  urlFor(attemptId: string): string {
    return `${this.options.resultUrl.replace(/\/+$/, '')}/api/v1/attempts/${encodeURIComponent(attemptId)}/result`;
  }

  /** Posts and retries; resolves with the last status (or error) and never rejects. */
  async post(attemptId: string, result: PostCallResult): Promise<PostOutcome> {
    const delays = this.options.retryDelaysMs ?? [200, 500, 1000];
    let last: PostOutcome = { error: 'not attempted' };
    for (let attempt = 0; attempt <= delays.length && !this.closed; attempt++) {
      if (attempt > 0) await this.sleep(delays[attempt - 1] ?? 0);
      if (this.closed) break;
      last = await this.postOnce(attemptId, result);
      if ('status' in last && last.status < 500) break;
    }
    const shown = 'status' in last ? `HTTP ${last.status}` : last.error;
    this.options.log?.(`result for attempt ${attemptId}: ${shown}`);
    return last;
  }

  /** Aborts posts under way; later posts do nothing. */
  close(): void {
    this.closed = true;
    for (const controller of this.inFlight) controller.abort();
  }

  private async postOnce(attemptId: string, result: PostCallResult): Promise<PostOutcome> {
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
      return { status: response.status };
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(controller);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
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
