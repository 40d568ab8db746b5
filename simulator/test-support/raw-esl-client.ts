/**
 * A bare ESL client over node:net for tests where the bytes matter: it records everything received and
 * splits it into frames (headers, then Content-Length bytes of body) without interpreting anything.
 */
import { connect, type Socket } from 'node:net';

export interface RawFrame {
  headers: Record<string, string>;
  body: Buffer;
  /** The frame exactly as received. */
  raw: Buffer;
}

/** Headers of a text/event-plain body, values URL-decoded (leniently), plus the body when it has one. */
export interface PlainEvent {
  headers: Record<string, string>;
  body?: string;
}

export function parsePlainEvent(text: string): PlainEvent {
  const end = text.indexOf('\n\n');
  const head = end < 0 ? text : text.slice(0, end);
  const headers: Record<string, string> = {};
  for (const line of head.split('\n')) {
    const colon = line.indexOf(': ');
    if (colon < 0) continue;
    const raw = line.slice(colon + 2);
    let value = raw;
    try {
      value = decodeURIComponent(raw);
    } catch {
      // Left as sent: the switch passes a valid-looking %XX through unencoded.
    }
    headers[line.slice(0, colon)] = value;
  }
  const length = Number(headers['Content-Length'] ?? 0);
  if (end >= 0 && length > 0) {
    const bodyBytes = Buffer.from(text, 'utf8').subarray(Buffer.byteLength(text.slice(0, end + 2)));
    return { headers, body: bodyBytes.subarray(0, length).toString('utf8') };
  }
  return { headers };
}

export class RawEslClient {
  readonly frames: RawFrame[] = [];
  private received: Buffer = Buffer.alloc(0);
  private pending: Buffer = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  readonly closed: Promise<void>;
  private isClosed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.pending = Buffer.concat([this.pending, chunk]);
      this.split();
      this.wake();
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.isClosed = true;
        this.wake();
        resolve();
      });
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawEslClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, host, () => resolve(new RawEslClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Connects, reads the greeting and authenticates. */
  static async authenticated(port: number, password = 'ClueCon'): Promise<RawEslClient> {
    const client = await RawEslClient.connect(port);
    await client.nextFrame();
    const reply = await client.command(`auth ${password}`);
    if (reply.headers['Reply-Text'] !== '+OK accepted')
      throw new Error(`auth failed: ${reply.headers['Reply-Text']}`);
    return client;
  }

  /** Every byte received so far. */
  get bytes(): Buffer {
    return this.received;
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  send(text: string): void {
    this.socket.write(text);
  }

  /** Sends a command (with optional headers) and resolves with the next command/reply or api/response. */
  async command(line: string, headers: Record<string, string> = {}, timeoutMs = 3000): Promise<RawFrame> {
    const from = this.frames.length;
    const extra = Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\n`)
      .join('');
    this.send(`${line}\n${extra}\n`);
    return this.waitFor(
      (frame) => ['command/reply', 'api/response'].includes(frame.headers['Content-Type'] ?? ''),
      timeoutMs,
      from,
    );
  }

  private cursor = 0;

  /** The next frame not yet taken by nextFrame(). */
  async nextFrame(timeoutMs = 3000): Promise<RawFrame> {
    const frame = await this.waitFor(() => true, timeoutMs, this.cursor);
    this.cursor = this.frames.indexOf(frame) + 1;
    return frame;
  }

  /** The first frame at or after index `from` that matches. */
  async waitFor(predicate: (frame: RawFrame) => boolean, timeoutMs = 3000, from = 0): Promise<RawFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.slice(from).find(predicate);
      if (found) return found;
      if (this.isClosed) throw new Error('connection closed while waiting for a frame');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching frame within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Events (plain) received so far, parsed. */
  plainEvents(): PlainEvent[] {
    return this.frames
      .filter((f) => f.headers['Content-Type'] === 'text/event-plain')
      .map((f) => parsePlainEvent(f.body.toString('utf8')));
  }

  /** Waits for a plain event matching `predicate`. */
  async waitForEvent(predicate: (event: PlainEvent) => boolean, timeoutMs = 3000): Promise<PlainEvent> {
    const frame = await this.waitFor(
      (f) =>
        f.headers['Content-Type'] === 'text/event-plain' &&
        predicate(parsePlainEvent(f.body.toString('utf8'))),
      timeoutMs,
    );
    return parsePlainEvent(frame.body.toString('utf8'));
  }

  close(): void {
    this.socket.destroy();
  }

  private split(): void {
    for (;;) {
      const end = this.pending.indexOf('\n\n');
      if (end < 0) return;
      const head = this.pending.subarray(0, end).toString('utf8');
      const headers: Record<string, string> = {};
      for (const line of head.split('\n')) {
        const colon = line.indexOf(': ');
        if (colon > 0) headers[line.slice(0, colon)] = line.slice(colon + 2);
      }
      const length = Number(headers['Content-Length'] ?? 0);
      if (this.pending.length < end + 2 + length) return;
      const raw = this.pending.subarray(0, end + 2 + length);
      this.frames.push({ headers, body: raw.subarray(end + 2), raw });
      this.pending = this.pending.subarray(end + 2 + length);
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
