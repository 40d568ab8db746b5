/**
 * One authenticated, subscribed ESL connection over modesl, with modesl's known defects guarded rather than
 * forked (docs/limits.md "Connection loss"):
 *  - an 'error' event nobody listens to throws and kills the process → we always listen;
 *  - `esl::end` fires on the socket's `end` only, not on `close` (a reset never ends) → we watch `close`;
 *  - reply callbacks queued in modesl are never called when the socket goes away → every command is ours to
 *    settle: rejected on close, or on its own timeout;
 *  - the parser runs decodeURIComponent on every header and throws on a malformed `%XX` (the switch lets a
 *    valid-looking one through unencoded) → the parser instance gets a lenient header reader.
 * A lifetime ends at the first close; reconnecting is switch-client.ts's job.
 */
import { Connection, type Event, type FrameHeaders } from 'modesl';
import type { Socket } from 'node:net';

/** One event as delivered to watchers: name, headers (URL-decoded) and the body when it has one. */
export interface ChannelEvent {
  name: string;
  headers: Record<string, string>;
  body?: string;
}

/** pino-compatible: `logger.warn({ fields }, 'message')`. */
export interface SwitchClientLogger {
  debug?(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export class SwitchClientError extends Error {
  override name = 'SwitchClientError';
}
/** No live connection (not yet connected, reconnecting, or closed). */
export class SwitchNotConnectedError extends SwitchClientError {
  override name = 'SwitchNotConnectedError';
}
/** The connection went away while the command waited for its reply: it may or may not have run. */
export class SwitchDisconnectedError extends SwitchClientError {
  override name = 'SwitchDisconnectedError';
}
export class SwitchCommandTimeoutError extends SwitchClientError {
  override name = 'SwitchCommandTimeoutError';
}
export class SwitchAuthError extends SwitchClientError {
  override name = 'SwitchAuthError';
}
/** The switch answered `-ERR ...` (or something unexpected) to a command. */
export class SwitchCommandError extends SwitchClientError {
  override name = 'SwitchCommandError';
}

export interface EslConnectionOptions {
  host: string;
  port: number;
  password: string;
  /** Named events only, never ALL (docs/limits.md "Event loss": ALL floods the listener until the switch kills it). */
  events: readonly string[];
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  logger: SwitchClientLogger;
  onEvent: (event: ChannelEvent) => void;
  /** Called once, when this connection is gone for whatever reason. */
  onClose: (error: Error) => void;
}

/** Parser._parseHeaderText without the throw: a value that does not decode is kept as sent. */
function lenientHeaderText(text: string): FrameHeaders {
  const headers: FrameHeaders = {};
  for (const line of text.split('\n')) {
    const parts = line.split(': ');
    const key = parts.shift() ?? '';
    const raw = parts.join(': ');
    let value = raw;
    try {
      value = decodeURIComponent(raw);
    } catch {
      // Kept undecoded: a literal "%E0" in a variable is data, not a reason to crash.
    }
    headers[key] = key === 'Content-Length' ? Number.parseInt(value, 10) : value;
  }
  return headers;
}

function toChannelEvent(event: Event): ChannelEvent {
  const headers: Record<string, string> = {};
  for (const { name, value } of event.headers) headers[name] = String(value);
  const body = event.getBody();
  return body
    ? { name: headers['Event-Name'] ?? '', headers, body }
    : { name: headers['Event-Name'] ?? '', headers };
}

interface PendingCommand {
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class EslConnection {
  private readonly pending = new Set<PendingCommand>();
  private closed = false;
  /** Authenticated and subscribed: only then does a close concern the client (onClose). */
  private established = false;
  private closeError: Error | null = null;

  private constructor(
    private readonly connection: Connection,
    private readonly socket: Socket,
    private readonly options: EslConnectionOptions,
  ) {}

  /** Connects, authenticates and subscribes; rejects (and cleans up) on any failure or after the timeout. */
  static open(options: EslConnectionOptions): Promise<EslConnection> {
    return new Promise((resolve, reject) => {
      const connection = new Connection(options.host, options.port, options.password);
      const socket = connection.socket as Socket;
      // modesl writes a command in several small writes (the command line, each header, the blank line).
      // With Nagle's algorithm on, every write after the first waits for the switch's ACK of the one before,
      // which a delayed ACK holds up to 40 ms: each originate reached the switch that much late.
      socket.setNoDelay(true);
      const self = new EslConnection(connection, socket, options);
      let settled = false;
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        self.destroy(error);
        reject(error);
      };
      const timer = setTimeout(
        () => fail(new SwitchClientError(`no ESL session within ${options.connectTimeoutMs} ms`)),
        options.connectTimeoutMs,
      );

      connection.on('error', (error: Error) => {
        options.logger.debug?.({ err: error.message }, 'esl socket error');
        self.closeError ??= error;
      });
      socket.once('close', () => {
        const error = self.closeError ?? new SwitchDisconnectedError('ESL connection closed');
        fail(error);
        self.handleClose(error);
      });
      connection.on('esl::connect', () => {
        if (connection.parser) connection.parser._parseHeaderText = lenientHeaderText;
      });
      connection.on('esl::event::auth::fail', () => {
        fail(new SwitchAuthError(`ESL authentication refused by ${options.host}:${options.port}`));
      });
      connection.on('esl::event::disconnect::notice', () => {
        options.logger.debug?.({}, 'esl disconnect notice');
      });
      connection.on('esl::event::**', (event: Event, headers?: FrameHeaders) => {
        // modesl also emits auth::success / auth::fail here, without frame headers.
        if (!String(headers?.['Content-Type'] ?? '').startsWith('text/event-')) return;
        try {
          options.onEvent(toChannelEvent(event));
        } catch (error) {
          options.logger.error(
            { err: error instanceof Error ? error.message : String(error) },
            'event handler threw',
          );
        }
      });
      connection.once('esl::ready', () => {
        void self.subscribe().then(
          () => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            self.established = true;
            resolve(self);
          },
          (error: unknown) => fail(error instanceof Error ? error : new SwitchClientError(String(error))),
        );
      });
    });
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** A command answered by `command/reply` (bgapi, event, filter, ...). */
  sendRecv(command: string, headers?: Record<string, string>): Promise<Event> {
    return this.run(command, (callback) => this.connection.sendRecv(command, headers ?? null, callback));
  }

  /** `api <command>`: resolves with its output. */
  async api(command: string): Promise<string> {
    const reply = await this.run(`api ${command}`, (callback) => this.connection.api(command, callback));
    return reply.getBody();
  }

  /** `exit`, then close; settles once the socket is closed (or forced shut after a second). */
  async close(): Promise<void> {
    if (this.closed) return;
    const closed = new Promise<void>((resolve) => this.socket.once('close', () => resolve()));
    this.closeError = new SwitchDisconnectedError('ESL connection closed by the client');
    // Settled first: modesl would hand the `+OK bye` of `exit` to the oldest waiting callback.
    this.rejectPending(this.closeError);
    try {
      this.connection.disconnect();
    } catch {
      this.socket.destroy();
    }
    const force = setTimeout(() => this.socket.destroy(), 1000);
    await closed;
    clearTimeout(force);
  }

  /** Drops the connection now (dead peer, timed-out command). */
  destroy(error: Error): void {
    this.closeError ??= error;
    this.socket.destroy();
  }

  private async subscribe(): Promise<void> {
    const reply = await this.sendRecv(`event plain ${this.options.events.join(' ')}`);
    const text = reply.getHeader('Reply-Text') ?? '';
    if (!text.startsWith('+OK')) throw new SwitchCommandError(`event subscription refused: ${text}`);
    // modesl subscribes to CHANNEL_EXECUTE_COMPLETE on its own; we never use it and the switch sends plenty.
    if (!this.options.events.includes('CHANNEL_EXECUTE_COMPLETE')) {
      await this.sendRecv('nixevent CHANNEL_EXECUTE_COMPLETE');
    }
  }

  private run(description: string, send: (callback: (event: Event) => void) => void): Promise<Event> {
    if (this.closed) return Promise.reject(new SwitchNotConnectedError('ESL connection is closed'));
    return new Promise<Event>((resolve, reject) => {
      const entry: PendingCommand = {
        reject,
        timer: setTimeout(() => {
          if (!this.pending.delete(entry)) return;
          reject(
            new SwitchCommandTimeoutError(
              `no reply to "${description}" within ${this.options.commandTimeoutMs} ms`,
            ),
          );
          // modesl matches replies to callbacks by order: once one is missing, every later reply would go to
          // the wrong caller. Start over on a fresh connection instead.
          this.destroy(new SwitchCommandTimeoutError('a command timed out'));
        }, this.options.commandTimeoutMs),
      };
      this.pending.add(entry);
      try {
        send((event) => {
          if (!this.pending.delete(entry)) return;
          clearTimeout(entry.timer);
          resolve(event);
        });
      } catch (error) {
        this.pending.delete(entry);
        clearTimeout(entry.timer);
        reject(error instanceof Error ? error : new SwitchClientError(String(error)));
      }
    });
  }

  private handleClose(error: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.rejectPending(error);
    if (this.established) this.options.onClose(error);
  }

  private rejectPending(error: Error): void {
    const pending = [...this.pending];
    this.pending.clear();
    for (const entry of pending) {
      clearTimeout(entry.timer);
      entry.reject(new SwitchDisconnectedError(`ESL connection lost before the reply (${error.message})`));
    }
  }
}
