/**
 * One inbound ESL connection, behaving as mod_event_socket's listener_run/parse_command: the auth/request
 * greeting, auth, then commands answered strictly in order. An `api` command holds up the connection (its
 * later commands and its events) until it has an output, as the switch runs it on the listener's own thread;
 * `bgapi` answers at once and reports through BACKGROUND_JOB. Each frame goes out in one socket write.
 */
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { EslCommandReader, type EslCommand } from './esl-command-reader';
import {
  AUTH_REQUEST,
  apiResponse,
  commandReply,
  disconnectNotice,
  eventFrame,
  type EventFormat,
  type SwitchEvent,
} from './esl-wire';
import { EventSubscription } from './event-subscription';
import type { EventSink, SimulatedSwitch } from './simulated-switch';

export interface EslSessionOptions {
  password: string;
  /** The switch closes a connection that has not authenticated within 25 s. */
  authTimeoutMs?: number;
}

function startsWithIgnoringCase(text: string, prefix: string): boolean {
  return text.slice(0, prefix.length).toLowerCase() === prefix.toLowerCase();
}

/** Splits `cmd rest` at the first space, as `strchr(api_cmd, ' ')`. */
function commandAndArgument(text: string): [string, string | undefined] {
  const space = text.indexOf(' ');
  return space < 0 ? [text, undefined] : [text.slice(0, space), text.slice(space + 1)];
}

export class EslSession implements EventSink {
  private readonly reader = new EslCommandReader();
  private readonly subscription = new EventSubscription();
  private readonly queue: EslCommand[] = [];
  /** Frames (events) that arrived while an `api` command held the connection. */
  private held: Buffer[] = [];
  private authed = false;
  private busy = false;
  private closing = false;
  private readonly authTimer: NodeJS.Timeout;
  private readonly serializedCache = new WeakMap<SwitchEvent, Map<EventFormat, Buffer>>();

  constructor(
    private readonly socket: Socket,
    private readonly switchCore: SimulatedSwitch,
    private readonly options: EslSessionOptions,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.teardown());
    socket.on('close', () => this.teardown());
    this.authTimer = setTimeout(() => this.disconnect(), options.authTimeoutMs ?? 25_000);
    switchCore.attach(this);
    this.write(AUTH_REQUEST);
  }

  deliver(event: SwitchEvent): void {
    if (!this.authed || this.closing || !this.subscription.wants(event)) return;
    const frame = this.frameFor(event, this.subscription.format);
    if (this.busy) this.held.push(frame);
    else this.write(frame);
  }

  drop(): void {
    if (this.closing) return;
    this.closing = true;
    // A reset, not a FIN: what the client sees when a network path or the switch dies under it.
    this.socket.resetAndDestroy();
    this.teardown();
  }

  /** Simulator shutdown: the notice mod_event_socket sends when its listeners are killed. */
  shutdown(): void {
    if (this.closing) return;
    this.write(disconnectNotice('The system is being shut down.\n'));
    this.disconnect();
  }

  private frameFor(event: SwitchEvent, format: EventFormat): Buffer {
    // The same event goes to many connections: serialize it once per format.
    let byFormat = this.serializedCache.get(event);
    if (!byFormat) {
      byFormat = new Map();
      this.serializedCache.set(event, byFormat);
    }
    let frame = byFormat.get(format);
    if (!frame) {
      frame = eventFrame(event, format);
      byFormat.set(format, frame);
    }
    return frame;
  }

  private onData(chunk: Buffer): void {
    if (this.closing) return;
    // Stamped on arrival, before anything queued ahead of it runs: a carrier counts arrivals.
    const arrivedAt = Date.now();
    for (const command of this.reader.push(chunk)) this.queue.push({ ...command, arrivedAt });
    this.pump();
  }

  private pump(): void {
    while (!this.busy && !this.closing && this.queue.length > 0) {
      const command = this.queue.shift() as EslCommand;
      // Busy from the start: an `api originate` fires CHANNEL_CREATE before it returns, and that event
      // must wait behind the api response like everything else.
      this.busy = true;
      const pending = this.handle(command);
      if (pending) {
        void pending.then(() => {
          this.release();
          this.pump();
        });
        return;
      }
      this.release();
    }
  }

  /** The command is answered: events held behind it go out, in order. */
  private release(): void {
    this.busy = false;
    const held = this.held;
    this.held = [];
    for (const frame of held) this.write(frame);
  }

  /** Answers one command; returns a promise when the connection must wait for it (`api`). */
  private handle(command: EslCommand): Promise<void> | void {
    const line = command.line;
    if (startsWithIgnoringCase(line, 'exit') || line.startsWith('...')) {
      this.write(commandReply('+OK bye'));
      this.disconnect();
      return;
    }
    if (!this.authed) {
      if (startsWithIgnoringCase(line, 'auth ')) {
        if (line.slice(5) === this.options.password) {
          this.authed = true;
          clearTimeout(this.authTimer);
          this.write(commandReply('+OK accepted'));
        } else {
          this.write(commandReply('-ERR invalid'));
          this.disconnect();
        }
        return;
      }
      this.write(commandReply('-ERR command not found'));
      return;
    }

    if (startsWithIgnoringCase(line, 'filter ')) {
      this.write(commandReply(this.subscription.filter(line.slice(7))));
    } else if (startsWithIgnoringCase(line, 'api ')) {
      const [name, argument] = commandAndArgument(line.slice(4));
      return this.switchCore
        .executeApi(name, argument, this, command.arrivedAt)
        .then((output) => this.write(apiResponse(output)));
    } else if (startsWithIgnoringCase(line, 'bgapi ')) {
      const [name, argument] = commandAndArgument(line.slice(6));
      // The switch copies at most 36 characters of a client's Job-UUID.
      const jobUuid = (command.headers.get('job-uuid') ?? randomUUID()).slice(0, 36);
      this.write(commandReply(`+OK Job-UUID: ${jobUuid}`, [['Job-UUID', jobUuid]]));
      this.switchCore.runBackgroundJob(jobUuid, name, argument, this, command.arrivedAt);
    } else if (startsWithIgnoringCase(line, 'event')) {
      this.write(commandReply(this.subscription.subscribe(this.words(line.slice(5)))));
    } else if (startsWithIgnoringCase(line, 'nixevent')) {
      this.write(commandReply(this.subscription.unsubscribe(this.words(line.slice(8)))));
    } else if (startsWithIgnoringCase(line, 'noevents')) {
      this.write(commandReply(this.subscription.clear()));
    } else {
      this.write(commandReply('-ERR command not found'));
    }
  }

  /** The words after the first space (the switch walks `strchr(cur, ' ')`). */
  private words(rest: string): string[] {
    const space = rest.indexOf(' ');
    return space < 0 ? [] : rest.slice(space + 1).split(' ');
  }

  private write(frame: Buffer): void {
    if (this.closing || this.socket.destroyed || !this.socket.writable) return;
    this.socket.write(frame);
  }

  /** The goodbye notice, then close (after `exit`, a bad password, or the auth timeout). */
  private disconnect(): void {
    if (this.closing) return;
    this.write(disconnectNotice());
    this.closing = true;
    // The switch shuts the socket both ways; don't wait for the client to close its half.
    this.socket.end(() => this.socket.destroy());
    this.teardown();
  }

  private teardown(): void {
    this.closing = true;
    clearTimeout(this.authTimer);
    this.switchCore.detach(this);
  }
}
