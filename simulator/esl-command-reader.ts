/**
 * Splits the client's byte stream into commands the way mod_event_socket's read_packet() does: leading blank
 * lines are skipped, a command ends at two newlines (a `\r` between them does not count), the first line is
 * the command, the next lines are `Name: value` headers, and a `Content-Length` header pulls that many bytes of
 * body. Incremental: feed it chunks as they arrive.
 */

export interface EslCommand {
  /** The first line, `\r` stripped. */
  line: string;
  /** Header names lower-cased: FreeSWITCH looks them up case-insensitively. */
  headers: Map<string, string>;
  body?: string;
  /** When its bytes were read off the socket (ms): what a carrier's rate limiter counts. */
  arrivedAt?: number;
}

const LF = 0x0a;
const CR = 0x0d;

export class EslCommandReader {
  private buffer: Buffer = Buffer.alloc(0);
  private pending: { line: string; headers: Map<string, string>; bodyLength: number } | null = null;

  /** Adds bytes and returns every command now complete, in order. */
  push(chunk: Buffer): EslCommand[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const commands: EslCommand[] = [];
    for (;;) {
      const command = this.pending ? this.takeBody() : this.takeHead();
      if (!command) return commands;
      commands.push(command);
    }
  }

  private takeHead(): EslCommand | null {
    let start = 0;
    while (start < this.buffer.length && (this.buffer[start] === LF || this.buffer[start] === CR)) start++;
    let newlines = 0;
    let end = -1;
    for (let i = start; i < this.buffer.length; i++) {
      const byte = this.buffer[i];
      if (byte === LF) {
        newlines++;
        if (newlines === 2) {
          end = i + 1;
          break;
        }
      } else if (byte !== CR) {
        newlines = 0;
      }
    }
    if (end < 0) {
      this.buffer = this.buffer.subarray(start);
      return null;
    }
    const text = this.buffer.subarray(start, end).toString('utf8');
    this.buffer = this.buffer.subarray(end);
    const lines = text.split('\n').map((l) => l.replace(/\r/g, ''));
    const line = lines[0] ?? '';
    const headers = new Map<string, string>();
    for (const headerLine of lines.slice(1)) {
      if (headerLine === '') continue;
      const colon = headerLine.indexOf(':');
      if (colon < 0) continue;
      headers.set(
        headerLine.slice(0, colon).trim().toLowerCase(),
        headerLine.slice(colon + 1).replace(/^ +/, ''),
      );
    }
    const bodyLength = Number.parseInt(headers.get('content-length') ?? '', 10);
    if (bodyLength > 0) {
      this.pending = { line, headers, bodyLength };
      return this.takeBody();
    }
    return { line, headers };
  }

  private takeBody(): EslCommand | null {
    const pending = this.pending;
    if (!pending || this.buffer.length < pending.bodyLength) return null;
    const body = this.buffer.subarray(0, pending.bodyLength).toString('utf8');
    this.buffer = this.buffer.subarray(pending.bodyLength);
    this.pending = null;
    return { line: pending.line, headers: pending.headers, body };
  }
}
