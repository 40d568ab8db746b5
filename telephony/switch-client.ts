/**
 * The dialler's one small interface to a FreeSWITCH host (docs/architecture.md "The ESL client"): originate,
 * kill, exists, a channel's events by uuid, reconnect with re-subscribe. One instance holds one ESL
 * connection to one host.
 *
 * Events of the gap while disconnected are lost (subscriptions die with the connection); after `reconnected`,
 * callers check their live calls with `exists()` (docs/limits.md "Connection loss"). BACKGROUND_JOB is
 * broadcast, so the result of a job sent before the gap still reaches its watcher if it fires after the
 * reconnect.
 */
import { randomUUID } from 'node:crypto';
import {
  EslConnection,
  SwitchCommandError,
  SwitchDisconnectedError,
  SwitchNotConnectedError,
  type ChannelEvent,
  type SwitchClientLogger,
} from './esl-connection';
import { buildOriginateArgument, type OriginateRequest } from './originate-command';

export {
  SwitchAuthError,
  SwitchClientError,
  SwitchCommandError,
  SwitchCommandTimeoutError,
  SwitchDisconnectedError,
  SwitchNotConnectedError,
  type ChannelEvent,
  type SwitchClientLogger,
} from './esl-connection';
export { OriginateRequestError, type OriginateRequest } from './originate-command';

/** What the dial activity's watchers receive, and in what they are keyed (Unique-ID = origination_uuid). */
export const SUBSCRIBED_EVENTS = [
  'BACKGROUND_JOB',
  'CHANNEL_CREATE',
  'CHANNEL_PROGRESS',
  'CHANNEL_PROGRESS_MEDIA',
  'CHANNEL_ANSWER',
  'CHANNEL_HANGUP',
  'CHANNEL_HANGUP_COMPLETE',
  'HEARTBEAT',
] as const;

export interface ReconnectInfo {
  coreUuid: string | undefined;
  previousCoreUuid: string | undefined;
  /** The Core-UUID changed: the switch restarted and every call it had is gone. */
  restarted: boolean;
}

export interface DisconnectInfo {
  error: Error;
}

interface ClientEvents {
  reconnected: ReconnectInfo;
  disconnected: DisconnectInfo;
  /** HEARTBEAT headers (Session-Count, Max-Sessions, Session-Per-Sec, Idle-CPU, ...). */
  heartbeat: Record<string, string>;
  /** Every CHANNEL_HANGUP_COMPLETE, whoever's call it is (the call journal keeps ours). */
  hangup: ChannelEvent;
}

export type SwitchClientEventName = keyof ClientEvents;

export interface SwitchClient {
  readonly host: string;
  readonly port: number;
  /** The switch's Core-UUID: from `global_getvar core_uuid` at connect, then from every event. */
  readonly coreUuid: string | undefined;
  readonly connected: boolean;
  /** Opens the connection (auth + subscription). Rejects when the first attempt fails; reconnects after. */
  connect(): Promise<void>;
  /** `bgapi originate` with our own Job-UUID; resolves on `+OK Job-UUID`. The call's fate comes by watch(). */
  originate(request: OriginateRequest): Promise<{ jobUuid: string }>;
  /** `uuid_kill`: true when the channel existed. */
  kill(uuid: string, cause?: string): Promise<boolean>;
  /** `uuid_exists`. */
  exists(uuid: string): Promise<boolean>;
  /** Any `api` command's output (`show channels count`, `status`, ...). Blocking commands hold the connection. */
  api(command: string): Promise<string>;
  /**
   * The CHANNEL_* events of `uuid` and the BACKGROUND_JOB of the originate that created it, as they arrive.
   * Watch before originating. Returns the unwatch function.
   */
  watch(uuid: string, listener: (event: ChannelEvent) => void): () => void;
  on<E extends SwitchClientEventName>(event: E, listener: (info: ClientEvents[E]) => void): () => void;
  /** Shorthand for `on('reconnected', ...)`, as activities/dial.activity.ts's SwitchControl asks. */
  onReconnect(listener: () => void): () => void;
  /** Closes for good: no reconnect, pending commands rejected. */
  close(): Promise<void>;
}

export interface SwitchClientOptions {
  host: string;
  port: number;
  password: string;
  logger?: SwitchClientLogger;
  /** A command without a reply within this is rejected and the connection recycled. Default 10 s. */
  commandTimeoutMs?: number;
  /** TCP connect + auth + subscribe. Default 5 s. */
  connectTimeoutMs?: number;
  /** First reconnect delay, doubled up to the max (with jitter). Defaults 100 ms and 5 s. */
  reconnectInitialDelayMs?: number;
  reconnectMaxDelayMs?: number;
  /** No event at all (HEARTBEAT comes every 20 s) for this long: the connection is dead. Default 60 s; 0 off. */
  heartbeatTimeoutMs?: number;
}

const CONSOLE_LOGGER: SwitchClientLogger = {
  info: () => undefined,
  warn: (fields, message) => console.warn(`[switch-client] ${message}`, fields),
  error: (fields, message) => console.error(`[switch-client] ${message}`, fields),
};

type State = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

class EslSwitchClient implements SwitchClient {
  readonly host: string;
  readonly port: number;
  private state: State = 'idle';
  private connection: EslConnection | null = null;
  private connecting: Promise<void> | null = null;
  private currentCoreUuid: string | undefined;
  private readonly watchers = new Map<string, Set<(event: ChannelEvent) => void>>();
  /** Job-UUID → channel uuid, so each watcher gets the BACKGROUND_JOB of its own originate. */
  private readonly jobs = new Map<string, { uuid: string; at: number }>();
  private readonly listeners: { [E in SwitchClientEventName]: Set<(info: ClientEvents[E]) => void> } = {
    reconnected: new Set(),
    disconnected: new Set(),
    heartbeat: new Set(),
    hangup: new Set(),
  };
  private reconnectTimer: NodeJS.Timeout | null = null;
  private reconnectDelayMs: number;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private lastEventAt = 0;
  private readonly logger: SwitchClientLogger;

  constructor(private readonly options: SwitchClientOptions) {
    this.host = options.host;
    this.port = options.port;
    this.logger = options.logger ?? CONSOLE_LOGGER;
    this.reconnectDelayMs = options.reconnectInitialDelayMs ?? 100;
  }

  get coreUuid(): string | undefined {
    return this.currentCoreUuid;
  }

  get connected(): boolean {
    return this.state === 'connected' && this.connection?.isOpen === true;
  }

  connect(): Promise<void> {
    if (this.state === 'closed')
      return Promise.reject(new SwitchNotConnectedError('switch client is closed'));
    if (this.state === 'connected') return Promise.resolve();
    if (this.state === 'reconnecting') return this.reconnectNow();
    this.connecting ??= this.open(false).finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  async originate(request: OriginateRequest): Promise<{ jobUuid: string }> {
    const argument = buildOriginateArgument(request);
    const connection = this.live();
    const jobUuid = randomUUID();
    // Mapped before sending: the job's result may come back before the reply is even read. On a lost
    // connection the job may still have started and its BACKGROUND_JOB (broadcast) can arrive after the
    // reconnect, so the mapping then stays until the uuid is unwatched.
    this.forgetStaleJobs();
    this.jobs.set(jobUuid, { uuid: request.uuid, at: Date.now() });
    const reply = await connection.sendRecv(`bgapi originate ${argument}`, { 'Job-UUID': jobUuid });
    const text = reply.getHeader('Reply-Text') ?? '';
    if (!text.startsWith('+OK')) {
      this.jobs.delete(jobUuid);
      throw new SwitchCommandError(`bgapi originate refused: ${text}`);
    }
    return { jobUuid };
  }

  async kill(uuid: string, cause?: string): Promise<boolean> {
    const output = await this.live().api(`uuid_kill ${uuid}${cause ? ` ${cause}` : ''}`);
    if (output.startsWith('+OK')) return true;
    if (output.startsWith('-ERR No such channel')) return false;
    throw new SwitchCommandError(`uuid_kill ${uuid}: ${output.trim()}`);
  }

  async exists(uuid: string): Promise<boolean> {
    const output = (await this.live().api(`uuid_exists ${uuid}`)).trim();
    if (output === 'true') return true;
    if (output === 'false') return false;
    throw new SwitchCommandError(`uuid_exists ${uuid}: ${output}`);
  }

  async api(command: string): Promise<string> {
    return this.live().api(command);
  }

  watch(uuid: string, listener: (event: ChannelEvent) => void): () => void {
    let set = this.watchers.get(uuid);
    if (!set) {
      set = new Set();
      this.watchers.set(uuid, set);
    }
    set.add(listener);
    return () => {
      const current = this.watchers.get(uuid);
      if (!current) return;
      current.delete(listener);
      if (current.size > 0) return;
      this.watchers.delete(uuid);
      for (const [jobUuid, job] of this.jobs) if (job.uuid === uuid) this.jobs.delete(jobUuid);
    };
  }

  on<E extends SwitchClientEventName>(event: E, listener: (info: ClientEvents[E]) => void): () => void {
    const set = this.listeners[event] as Set<(info: ClientEvents[E]) => void>;
    set.add(listener);
    return () => set.delete(listener);
  }

  onReconnect(listener: () => void): () => void {
    return this.on('reconnected', () => listener());
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.stopHeartbeatWatch();
    const connection = this.connection;
    this.connection = null;
    await connection?.close();
  }

  /**
   * A job whose BACKGROUND_JOB was lost in a connection gap, for a uuid nobody watches, would stay mapped
   * forever; an originate cannot outlive a day.
   */
  private forgetStaleJobs(): void {
    const cutoff = Date.now() - 24 * 3600 * 1000;
    for (const [jobUuid, job] of this.jobs) {
      if (job.at >= cutoff) break;
      this.jobs.delete(jobUuid);
    }
  }

  private live(): EslConnection {
    const connection = this.connection;
    if (this.state !== 'connected' || !connection?.isOpen) {
      throw new SwitchNotConnectedError(`no ESL connection to ${this.host}:${this.port} (${this.state})`);
    }
    return connection;
  }

  private async open(reconnecting: boolean): Promise<void> {
    if (!reconnecting) this.state = 'connecting';
    // Until the connection is fully set up, its loss is an open failure, not a disconnect of the client.
    let ready = false;
    const connection: EslConnection = await EslConnection.open({
      host: this.host,
      port: this.port,
      password: this.options.password,
      events: SUBSCRIBED_EVENTS,
      connectTimeoutMs: this.options.connectTimeoutMs ?? 5000,
      commandTimeoutMs: this.options.commandTimeoutMs ?? 10_000,
      logger: this.logger,
      onEvent: (event) => this.dispatch(event),
      onClose: (error) => {
        if (ready) this.lost(connection, error);
      },
    }).catch((error: unknown) => {
      if (this.state === 'connecting') this.state = 'idle';
      throw error;
    });
    // The switch's own variable; a switch that lacks it answers empty and events fill the Core-UUID in.
    const coreUuid = (await connection.api('global_getvar core_uuid').catch(() => '')).trim();
    if (this.state === 'closed') {
      await connection.close();
      throw new SwitchNotConnectedError('switch client closed while connecting');
    }
    if (!connection.isOpen) {
      if (this.state === 'connecting') this.state = 'idle';
      throw new SwitchDisconnectedError('ESL connection lost while starting');
    }
    ready = true;
    this.connection = connection;
    const previousCoreUuid = this.currentCoreUuid;
    if (coreUuid) this.currentCoreUuid = coreUuid;
    this.state = 'connected';
    this.reconnectDelayMs = this.options.reconnectInitialDelayMs ?? 100;
    this.startHeartbeatWatch(connection);
    this.logger.info({ host: this.host, port: this.port, coreUuid: this.currentCoreUuid }, 'ESL connected');
    if (reconnecting) {
      this.emit('reconnected', {
        coreUuid: this.currentCoreUuid,
        previousCoreUuid,
        restarted: previousCoreUuid !== undefined && previousCoreUuid !== this.currentCoreUuid,
      });
    }
  }

  private lost(connection: EslConnection, error: Error): void {
    if (this.connection !== connection) return;
    this.connection = null;
    this.stopHeartbeatWatch();
    if (this.state === 'closed') return;
    this.state = 'reconnecting';
    this.logger.warn(
      { host: this.host, port: this.port, err: error.message },
      'ESL connection lost; reconnecting',
    );
    this.emit('disconnected', { error });
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.state !== 'reconnecting' || this.reconnectTimer) return;
    const max = this.options.reconnectMaxDelayMs ?? 5000;
    const base = Math.min(this.reconnectDelayMs, max);
    // Jitter keeps many workers from reconnecting in lockstep after a switch restart.
    const delay = base / 2 + Math.random() * (base / 2);
    this.reconnectDelayMs = Math.min(base * 2, max);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.reconnectNow().catch(() => undefined);
    }, delay);
  }

  /** One reconnect attempt now (or the one under way); on failure the next is scheduled. */
  private reconnectNow(): Promise<void> {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    if (!this.connecting) {
      this.connecting = this.open(true).finally(() => {
        this.connecting = null;
      });
      this.connecting.catch((error: unknown) => {
        this.logger.warn(
          { err: error instanceof Error ? error.message : String(error) },
          'ESL reconnect failed',
        );
        this.scheduleReconnect();
      });
    }
    return this.connecting;
  }

  private dispatch(event: ChannelEvent): void {
    this.lastEventAt = Date.now();
    const coreUuid = event.headers['Core-UUID'];
    if (coreUuid) this.currentCoreUuid = coreUuid;
    if (event.name === 'HEARTBEAT') {
      this.emit('heartbeat', event.headers);
      return;
    }
    let uuid: string | undefined;
    if (event.name === 'BACKGROUND_JOB') {
      const jobUuid = event.headers['Job-UUID'];
      uuid = jobUuid ? this.jobs.get(jobUuid)?.uuid : undefined;
      if (jobUuid && uuid) this.jobs.delete(jobUuid);
    } else if (event.name.startsWith('CHANNEL_')) {
      uuid = event.headers['Unique-ID'];
      if (event.name === 'CHANNEL_HANGUP_COMPLETE') this.emit('hangup', event);
    }
    if (!uuid) return;
    for (const listener of [...(this.watchers.get(uuid) ?? [])]) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error(
          { uuid, err: error instanceof Error ? error.message : String(error) },
          'watcher threw',
        );
      }
    }
  }

  /** Any event proves the connection alive; HEARTBEAT guarantees one every 20 s on a healthy switch. */
  private startHeartbeatWatch(connection: EslConnection): void {
    this.stopHeartbeatWatch();
    const timeoutMs = this.options.heartbeatTimeoutMs ?? 60_000;
    if (timeoutMs <= 0) return;
    this.lastEventAt = Date.now();
    this.heartbeatTimer = setInterval(
      () => {
        if (Date.now() - this.lastEventAt <= timeoutMs || this.connection !== connection) return;
        this.logger.warn(
          { host: this.host, timeoutMs },
          'no event from the switch in time; dropping the connection',
        );
        this.stopHeartbeatWatch();
        connection.destroy(new SwitchDisconnectedError(`no HEARTBEAT within ${timeoutMs} ms`));
      },
      Math.max(10, Math.floor(timeoutMs / 4)),
    );
    this.heartbeatTimer.unref();
  }

  private stopHeartbeatWatch(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private emit<E extends SwitchClientEventName>(event: E, info: ClientEvents[E]): void {
    for (const listener of [...(this.listeners[event] as Set<(info: ClientEvents[E]) => void>)]) {
      try {
        listener(info);
      } catch (error) {
        this.logger.error(
          { event, err: error instanceof Error ? error.message : String(error) },
          'listener threw',
        );
      }
    }
  }
}

export function createSwitchClient(options: SwitchClientOptions): SwitchClient {
  return new EslSwitchClient(options);
}
