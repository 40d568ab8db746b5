/**
 * A tiny HTTP server standing in for the dialler's result endpoint in tests: it records every request and
 * answers with the statuses it is told to, in order (the last one repeating).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: unknown;
  /** When it arrived (ms since the epoch). */
  at: number;
}

export interface ReceiverOptions {
  /** Listen on this port (a restarted dialler comes back on its port); default any free port. */
  port?: number;
  /** A `Retry-After` header sent with every 429 and 503. */
  retryAfter?: string;
}

export class ResultReceiver {
  readonly requests: ReceivedRequest[] = [];
  private waiters: Array<() => void> = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(statuses: number[] = [200], options: ReceiverOptions = {}): Promise<ResultReceiver> {
    // The handler needs the receiver, which needs the server's port: filled in once listening.
    const holder: { receiver?: ResultReceiver } = {};
    let index = 0;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // Recorded as text.
        }
        const status = statuses[Math.min(index, statuses.length - 1)] ?? 200;
        index += 1;
        holder.receiver?.record({
          method: request.method ?? '',
          path: request.url ?? '',
          authorization: request.headers.authorization,
          contentType: request.headers['content-type'],
          body,
          at: Date.now(),
        });
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (options.retryAfter && (status === 429 || status === 503))
          headers['retry-after'] = options.retryAfter;
        response.writeHead(status, headers);
        response.end(JSON.stringify({ status }));
      });
    });
    await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
    const receiver = new ResultReceiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    holder.receiver = receiver;
    return receiver;
  }

  async waitFor(
    predicate: (request: ReceivedRequest) => boolean,
    timeoutMs = 3000,
  ): Promise<ReceivedRequest> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.requests.find(predicate);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching request within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private record(request: ReceivedRequest): void {
    this.requests.push(request);
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
