/**
 * The switch behind the ESL sockets: live channels, the api commands a dialler uses, background jobs,
 * HEARTBEAT, the carrier's rate limit, the ground-truth list of originates and the bot's result posts.
 * ESL connections attach as event sinks; every event is offered to every sink, which applies its own
 * subscription and filters.
 */
import { randomUUID } from 'node:crypto';
import { BotResultPoster, simulatedResult, type PostCallResult, type PostOutcome } from './bot-result-poster';
import { CallChannel } from './call-channel';
import {
  drawDial,
  planCall,
  throttledPlan,
  type CallOutcome,
  type DialBehaviour,
  type NumberCounters,
} from './dial-plan';
import { parseOriginate } from './dial-string';
import type { SwitchEvent } from './esl-wire';
import { compileScenario, type CompiledScenario, type Scenario, type ScenarioInput } from './scenario';
import { isKnownHangupCause } from './sip-causes';
import { SWITCH_VERSION, SwitchIdentity } from './switch-events';
import { createSeededRandom, type Random } from './weighted-draw';

/** One ESL connection, as the switch sees it. */
export interface EventSink {
  deliver(event: SwitchEvent): void;
  /** `drop`: close this connection abruptly (no disconnect notice), as a network failure would. */
  drop(): void;
}

/** Ground truth of one originate received (docs/simulator.md "The call log (ground truth)"). */
export interface CallRecord {
  uuid: string;
  number: string;
  caller_id: string | null;
  gateway: string;
  vars: Record<string, string>;
  received_at: string;
  outcome: CallOutcome;
  answered_at: string | null;
  ended_at: string | null;
  /** What the dialler asked the switch to play on this call (`uuid_broadcast`; TTS text without `say:`). */
  voicemail_message: string | null;
}

export interface SimulatedSwitchOptions {
  scenario?: ScenarioInput;
  seed?: number;
  resultUrl?: string;
  apiKey?: string;
  ipv4?: string;
  /** FreeSWITCH's max-sessions, reported by `status` and HEARTBEAT. */
  maxSessions?: number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
  /** Every change of the call log, as it happens (simulator/call-log-file.ts keeps it on disk). */
  onCallLog?: (entry: CallLogEntry) => void;
}

/**
 * One change of the call log: a call received (its record as it stands), answered, ended or played to, or
 * the bot's result post for it settled (what was posted, and the status the dialler answered or the error).
 */
export type CallLogEntry =
  | { event: 'received' | 'answered' | 'ended' | 'played'; call: CallRecord }
  | { event: 'result'; uuid: string; result: PostCallResult; outcome: PostOutcome };

interface LiveCall {
  channel: CallChannel;
  behaviour: DialBehaviour | null;
  record: CallRecord;
}

export class SimulatedSwitch {
  /** Replaced by `restart()`: a switch that comes back is a new instance with a new Core-UUID. */
  identity: SwitchIdentity;
  private readonly sinks = new Set<EventSink>();
  private readonly live = new Map<string, LiveCall>();
  private records: CallRecord[] = [];
  private varsByUuid = new Map<string, Record<string, string>>();
  private scenario!: Scenario;
  private compiled!: CompiledScenario;
  private counters: NumberCounters = new Map();
  private random!: Random;
  private readonly seed: number;
  /** Times (ms) of the dials the carrier let through in the last second, for cps_limit. */
  private recentDials: number[] = [];
  private sessionsSinceStartup = 0;
  private peakSessions = 0;
  private readonly poster: BotResultPoster | null;
  private readonly pendingPosts = new Set<Promise<unknown>>();
  private readonly maxSessions: number;
  private closed = false;

  constructor(private readonly options: SimulatedSwitchOptions = {}) {
    this.identity = new SwitchIdentity(options.ipv4);
    this.seed = options.seed ?? 1;
    this.maxSessions = options.maxSessions ?? 1000;
    this.poster = options.resultUrl
      ? new BotResultPoster({
          resultUrl: options.resultUrl,
          ...(options.apiKey ? { apiKey: options.apiKey } : {}),
          ...(options.log ? { log: (message, fields) => this.logAboutCall(message, fields) } : {}),
        })
      : null;
    this.setScenario(options.scenario ?? {});
  }

  attach(sink: EventSink): void {
    this.sinks.add(sink);
  }

  detach(sink: EventSink): void {
    this.sinks.delete(sink);
  }

  fire(event: SwitchEvent): void {
    for (const sink of this.sinks) sink.deliver(event);
  }

  /**
   * Replaces the scenario (throws ScenarioError when invalid). Per-number sequences start over, the random
   * source is re-seeded and the cps window is emptied, so a run after `PUT /scenario` repeats like a fresh
   * start. Calls in flight keep the plan (and time_scale) they were dialled with.
   */
  setScenario(input: ScenarioInput | unknown): Scenario {
    const { scenario, compiled } = compileScenario(input);
    this.scenario = scenario;
    this.compiled = compiled;
    this.counters = new Map();
    this.random = createSeededRandom(this.seed);
    this.recentDials = [];
    return scenario;
  }

  getScenario(): Scenario {
    return this.scenario;
  }

  calls(): CallRecord[] {
    return this.records.map((r) => ({ ...r, vars: { ...r.vars } }));
  }

  clearCalls(): void {
    this.records = [];
    for (const uuid of [...this.varsByUuid.keys()]) if (!this.live.has(uuid)) this.varsByUuid.delete(uuid);
  }

  liveCallCount(): number {
    return this.live.size;
  }

  /** Runs an api command and resolves with its output, as switch_api_execute fills the stream. */
  async executeApi(
    command: string,
    argument: string | undefined,
    caller: EventSink | null,
    arrivedAt: number = Date.now(),
  ): Promise<string> {
    switch (command.toLowerCase()) {
      case 'originate':
        return this.originate(argument, caller, arrivedAt);
      case 'uuid_kill':
        return this.uuidKill(argument);
      case 'uuid_broadcast':
        return this.uuidBroadcast(argument);
      case 'uuid_exists':
        return argument !== undefined && this.live.has(argument) ? 'true' : 'false';
      case 'uuid_getvar':
        return this.channelVariable(argument);
      case 'hupall':
        return this.hupall(argument);
      case 'status':
        return this.status();
      case 'show':
        return this.show(argument);
      case 'global_getvar':
        return this.globalVariable(argument);
      case 'version':
        return `FreeSWITCH Version ${SWITCH_VERSION} (simulator)\n`;
      // Media forking is the bot platform's business; the simulator only acknowledges it.
      case 'uuid_audio_fork':
      case 'uuid_audio_stream': {
        const uuid = argument?.split(' ')[0];
        return uuid && this.live.has(uuid) ? '+OK Success\n' : '-ERR Operation Failed\n';
      }
      default:
        return `-ERR ${command} Command not found!\n`;
    }
  }

  /** `bgapi`: runs the command off the connection and fires BACKGROUND_JOB with its output. */
  runBackgroundJob(
    jobUuid: string,
    command: string,
    argument: string | undefined,
    caller: EventSink,
    arrivedAt: number = Date.now(),
  ): void {
    // Deferred so that the `+OK Job-UUID` reply is on the wire before any event the job causes. A switch
    // that crashed meanwhile never ran it.
    const instance = this.identity;
    setImmediate(() => {
      if (this.closed || this.identity !== instance) return;
      void this.executeApi(command, argument, caller, arrivedAt).then((output) => {
        if (this.closed) return;
        const event = this.identity.createEvent('BACKGROUND_JOB');
        event.headers.push(['Job-UUID', jobUuid], ['Job-Command', command]);
        if (argument !== undefined) event.headers.push(['Job-Command-Arg', argument]);
        event.body = output;
        this.fire(event);
      });
    });
  }

  heartbeat(): void {
    const event = this.identity.createEvent('HEARTBEAT');
    const sps = this.dialsInLastSecond();
    event.headers.push(
      ['Event-Info', 'System Ready'],
      ['Up-Time', this.identity.uptimeText()],
      ['FreeSWITCH-Version', SWITCH_VERSION],
      ['Uptime-msec', String(this.identity.uptimeMs())],
      ['Session-Count', String(this.live.size)],
      ['Max-Sessions', String(this.maxSessions)],
      ['Session-Per-Sec', String(sps)],
      ['Session-Per-Sec-Last', String(sps)],
      ['Session-Per-Sec-Max', String(sps)],
      ['Session-Per-Sec-FiveMin', String(sps)],
      ['Session-Since-Startup', String(this.sessionsSinceStartup)],
      ['Session-Peak-Max', String(this.peakSessions)],
      ['Session-Peak-FiveMin', String(this.peakSessions)],
      ['Idle-CPU', '98.500000'],
    );
    this.fire(event);
  }

  /**
   * The switch process died: every call is gone at once, without an event (the ground truth keeps them,
   * ended now), and the switch that comes back is a new instance (new Core-UUID, empty rate window).
   */
  crash(): void {
    const at = new Date().toISOString();
    for (const call of this.live.values()) {
      call.channel.dispose();
      call.record.ended_at ??= at;
      this.logCall('ended', call.record);
    }
    this.live.clear();
    this.recentDials = [];
    this.identity = new SwitchIdentity(this.identity.ipv4);
  }

  /** Stops every timer and post; channels are dropped without events (the process is going away). */
  async close(): Promise<void> {
    this.closed = true;
    for (const call of this.live.values()) call.channel.dispose();
    this.live.clear();
    this.poster?.close();
    await Promise.allSettled([...this.pendingPosts]);
  }

  private originate(
    argument: string | undefined,
    caller: EventSink | null,
    arrivedAt: number,
  ): Promise<string> {
    const parsed = parseOriginate(argument);
    if (!parsed.ok) return Promise.resolve(parsed.reply);
    const dial = parsed.value;
    const uuid = dial.variables.find(([name]) => name === 'origination_uuid')?.[1] || randomUUID();
    const record: CallRecord = {
      uuid,
      number: dial.number,
      caller_id: dial.callerIdNumber ?? null,
      gateway: dial.gateway,
      vars: Object.fromEntries(dial.variables),
      received_at: new Date(arrivedAt).toISOString(),
      outcome: 'error',
      answered_at: null,
      ended_at: null,
      voicemail_message: null,
    };
    this.records.push(record);
    this.varsByUuid.set(uuid, record.vars);

    // switch_core_session_request_uuid refuses a uuid in use; sofia then fails the leg this way.
    if (this.live.has(uuid)) {
      this.logCall('received', record);
      return Promise.resolve('-ERR DESTINATION_OUT_OF_ORDER\n');
    }

    const throttled =
      this.compiled.cpsLimit !== null && this.dialsInSecondBefore(arrivedAt) >= this.compiled.cpsLimit;
    // A throttled dial never reaches the callee, so it consumes no token and no random draw.
    const behaviour = throttled ? null : drawDial(this.compiled, dial.number, this.counters, this.random);
    const plan = behaviour ? planCall(behaviour, dial.timeoutS) : throttledPlan();
    record.outcome = plan.outcome;
    // On record before any answer goes back: whatever the dialler learns of this call, the log has it.
    this.logCall('received', record);
    if (plan.type === 'no_channel') return Promise.resolve(`-ERR ${plan.cause}\n`);
    if (!throttled) this.recentDials.push(arrivedAt);

    this.sessionsSinceStartup += 1;
    return new Promise<string>((resolve) => {
      let settled = false;
      const settle = (output: string) => {
        if (settled) return;
        settled = true;
        resolve(output);
      };
      const channel = new CallChannel(
        uuid,
        dial,
        plan,
        this.compiled.timeScale,
        this.sessionsSinceStartup,
        this.identity,
        {
          fire: (event) => this.fire(event),
          answered: () => {
            record.answered_at = new Date().toISOString();
            this.logCall('answered', record);
            settle(`+OK ${uuid}\n`);
          },
          failed: (_channel, cause) => settle(`-ERR ${cause}\n`),
          ended: (ended) => this.callEnded(ended),
          dropOwnerConnection: () => caller?.drop(),
        },
      );
      this.live.set(uuid, { channel, behaviour, record });
      this.peakSessions = Math.max(this.peakSessions, this.live.size);
      channel.start();
    });
  }

  /** The dialler's ids of a call, from the variables its originate set (every line about it carries them). */
  private callIds(attemptId: unknown): Record<string, unknown> {
    const vars = typeof attemptId === 'string' ? this.varsByUuid.get(attemptId) : undefined;
    if (!vars) return {};
    const runNo = Number(vars.ori_run_no);
    return {
      campaign_id: vars.ori_campaign_id,
      run_no: Number.isInteger(runNo) ? runNo : vars.ori_run_no,
      contact_id: vars.ori_contact_id,
      attempt_id: attemptId,
    };
  }

  private logCall(event: 'received' | 'answered' | 'ended' | 'played', record: CallRecord): void {
    this.options.onCallLog?.({ event, call: { ...record, vars: { ...record.vars } } });
  }

  private logAboutCall(message: string, fields: Record<string, unknown> = {}): void {
    this.options.log?.(message, { ...this.callIds(fields.attempt_id), ...fields });
  }

  private callEnded(channel: CallChannel): void {
    const call = this.live.get(channel.uuid);
    if (!call) return;
    this.live.delete(channel.uuid);
    call.record.ended_at = new Date().toISOString();
    if (channel.wasKilled && !channel.isAnswered) call.record.outcome = 'killed';
    this.logCall('ended', call.record);
    this.logAboutCall('call ended', {
      attempt_id: channel.uuid,
      number: call.record.number,
      outcome: call.record.outcome,
    });

    const plan = channel.plan;
    const behaviour = call.behaviour;
    if (
      plan.type !== 'answers' ||
      !plan.answered.postsResult ||
      channel.wasKilled ||
      !behaviour ||
      !this.poster
    ) {
      return;
    }
    const result = simulatedResult({
      disposition: behaviour.disposition,
      talkS: behaviour.talkS,
      ...(behaviour.callbackInMin === undefined ? {} : { callbackInMin: behaviour.callbackInMin }),
      now: new Date(),
    });
    const posting = this.poster.post(channel.attemptId, result);
    void posting.then((outcome) =>
      this.options.onCallLog?.({ event: 'result', uuid: channel.uuid, result, outcome }),
    );
    this.pendingPosts.add(posting);
    void posting.finally(() => this.pendingPosts.delete(posting));
  }

  private uuidKill(argument: string | undefined): string {
    if (!argument || argument.trim() === '') return '-USAGE: <uuid> [cause]\n';
    const [uuid = '', causeText] = argument.trim().split(/ +/, 2);
    const call = this.live.get(uuid);
    if (!call) return '-ERR No such channel!\n';
    const cause =
      causeText && isKnownHangupCause(causeText.toUpperCase()) ? causeText.toUpperCase() : 'NORMAL_CLEARING';
    call.channel.kill(cause);
    return '+OK\n';
  }

  /**
   * `uuid_broadcast <uuid> <path> [aleg|bleg|both]`, arguments split as switch_separate_string does (a
   * single-quoted argument may hold spaces; `\'` is a quote inside it). The first thing played is the call
   * log's `voicemail_message`.
   */
  private uuidBroadcast(argument: string | undefined): string {
    const argv = splitSwitchArguments(argument ?? '');
    const [uuid, path] = argv;
    if (!uuid || !path) return '-USAGE: <uuid> <path> [aleg|bleg|both]\n';
    const call = this.live.get(uuid);
    if (!call) return '-ERR No such channel!\n';
    if (!call.channel.broadcast(path)) return '-ERR Operation Failed\n';
    if (!/^hangup::/i.test(path) && call.record.voicemail_message === null) {
      call.record.voicemail_message = path.replace(/^say:/i, '');
      this.logCall('played', call.record);
    }
    return '+OK Message queued\n';
  }

  /** `hupall [cause] [var value ...]`: every channel, or those whose variables all match. */
  private hupall(argument: string | undefined): string {
    const argv = (argument ?? '')
      .trim()
      .split(/ +/)
      .filter((a) => a !== '');
    const causeText = argv[0]?.toUpperCase();
    const cause = causeText && isKnownHangupCause(causeText) ? causeText : 'MANAGER_REQUEST';
    const matches: Array<[string, string]> = [];
    for (let i = 1; i < argv.length - 1; i += 2) matches.push([argv[i] as string, argv[i + 1] as string]);
    for (const call of [...this.live.values()]) {
      if (matches.every(([name, value]) => call.channel.vars.get(name) === value)) call.channel.kill(cause);
    }
    if (matches.length === 0) return `+OK hangup all channels with cause ${cause}\n`;
    const [first] = matches as [[string, string]];
    return matches.length === 1
      ? `+OK hangup all channels matching [${first[0]}]=[${first[1]}] with cause: ${cause}\n`
      : `+OK hangup all channels matching [${first[0]}]=[${first[1]}]... with cause: ${cause}\n`;
  }

  private status(): string {
    const sps = this.dialsInLastSecond();
    return [
      `UP ${this.identity.uptimeText()}`,
      `FreeSWITCH (Version ${SWITCH_VERSION}) is ready`,
      `${this.sessionsSinceStartup} session(s) since startup`,
      `${this.live.size} session(s) - peak ${this.peakSessions}, last 5min ${this.peakSessions} `,
      `${sps} session(s) per Sec out of max 30, peak ${sps}, last 5min ${sps} `,
      `${this.maxSessions} session(s) max`,
      'min idle cpu 0.00/98.50',
      'Current Stack Size/Max 240K/8192K',
      '',
    ].join('\n');
  }

  /** `show calls|channels [count] [as json]`: a subset of the switch's columns. */
  private show(argument: string | undefined): string {
    const argv = (argument ?? '').trim().split(/ +/);
    const what = argv[0]?.toLowerCase();
    if (what !== 'calls' && what !== 'channels') return '-ERR No such command\n';
    const count = argv[1]?.toLowerCase() === 'count';
    if (count) return `\n${this.live.size} total.\n`;
    const asJson = argv[1]?.toLowerCase() === 'as' && argv[2]?.toLowerCase() === 'json';
    const rows = [...this.live.values()].map(({ channel, record }) => ({
      uuid: channel.uuid,
      direction: 'outbound',
      created: record.received_at,
      created_epoch: String(Math.floor(Date.parse(record.received_at) / 1000)),
      name: channel.channelName,
      state: channel.isAnswered ? 'CS_EXECUTE' : 'CS_CONSUME_MEDIA',
      cid_name: channel.dial.callerIdName ?? 'FreeSWITCH',
      cid_num: channel.callerIdNumber,
      dest: channel.dial.number,
      application: 'name' in channel.dial.application ? channel.dial.application.name : '',
      application_data: 'name' in channel.dial.application ? channel.dial.application.arg : '',
      callstate: channel.isAnswered ? 'ACTIVE' : 'RINGING',
      hostname: this.identity.hostname,
    }));
    if (asJson) {
      return rows.length === 0 ? '{"row_count": 0}\n' : JSON.stringify({ row_count: rows.length, rows });
    }
    if (rows.length === 0) return '\n0 total.\n';
    const columns = Object.keys(rows[0] as object);
    const lines = [columns.join(','), ...rows.map((row) => Object.values(row).join(','))];
    return `${lines.join('\n')}\n\n${rows.length} total.\n`;
  }

  /** `uuid_getvar <uuid> <name>`: the live channel's variable, `_undef_` when unset (as mod_commands answers). */
  private channelVariable(argument: string | undefined): string {
    const [uuid = '', name = ''] = (argument ?? '').trim().split(/\s+/);
    const live = this.live.get(uuid);
    if (!live) return '-ERR No such channel!\n';
    if (name === '') return '-USAGE: <uuid> <var>\n';
    return live.channel.vars.get(name) ?? '_undef_';
  }

  private globalVariable(name: string | undefined): string {
    switch ((name ?? '').trim()) {
      case 'core_uuid':
        return this.identity.coreUuid;
      case 'hostname':
        return this.identity.hostname;
      case 'local_ip_v4':
        return this.identity.ipv4;
      default:
        return '';
    }
  }

  private dialsInLastSecond(): number {
    return this.dialsInSecondBefore(Date.now());
  }

  /**
   * The carrier's count: dials let through that arrived in the sliding second (at − 1 s, at] — by arrival
   * time, as a carrier stamps them, not by when this process got round to them.
   */
  private dialsInSecondBefore(at: number): number {
    this.recentDials = this.recentDials.filter((t) => t > Date.now() - 5_000);
    return this.recentDials.filter((t) => t > at - 1000 && t <= at).length;
  }
}

/** switch_separate_string on spaces: single quotes group an argument (and are dropped); a backslash escapes a quote. */
export function splitSwitchArguments(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  let started = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '\\' && i + 1 < text.length && (text[i + 1] === "'" || text[i + 1] === '\\')) {
      current += text[++i];
      started = true;
    } else if (ch === "'") {
      quoted = !quoted;
      started = true;
    } else if (ch === ' ' && !quoted) {
      if (started) out.push(current);
      current = '';
      started = false;
    } else {
      current += ch;
      started = true;
    }
  }
  if (started) out.push(current);
  return out;
}
