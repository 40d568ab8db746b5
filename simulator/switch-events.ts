/**
 * Builds events the way FreeSWITCH fills them: the common headers of switch_event_prep_for_delivery first,
 * then the event's own headers. One instance per simulator start: it owns the Core-UUID and the
 * Event-Sequence counter.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { SwitchEvent } from './esl-wire';

/** Where the real switch fires each event from (HEAD of signalwire/freeswitch), for Event-Calling-*. */
export const EVENT_ORIGINS = {
  CHANNEL_CREATE: ['switch_core_state_machine.c', 'switch_core_session_run', 626],
  CHANNEL_PROGRESS: ['switch_channel.c', 'switch_channel_perform_mark_ring_ready_value', 3507],
  CHANNEL_ANSWER: ['switch_channel.c', 'switch_channel_perform_mark_answered', 3848],
  CHANNEL_HANGUP: ['switch_channel.c', 'switch_channel_perform_hangup', 3447],
  CHANNEL_HANGUP_COMPLETE: ['switch_core_state_machine.c', 'switch_core_session_reporting_state', 943],
  BACKGROUND_JOB: ['mod_event_socket.c', 'api_exec', 1580],
  HEARTBEAT: ['switch_core.c', 'send_heartbeat', 95],
} as const satisfies Record<string, readonly [string, string, number]>;

export type KnownEventName = keyof typeof EVENT_ORIGINS;

export const SWITCH_VERSION = '1.10.12-release-sim~64bit';

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `%Y-%m-%d %T` in local time, as Event-Date-Local. */
export function formatLocalDate(date: Date): string {
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** switch_rfc822_date: `Tue, 25 Sep 2012 18:22:37 GMT`. */
export function formatRfc822Date(date: Date): string {
  return (
    `${DAYS[date.getUTCDay()]}, ${pad(date.getUTCDate())} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} GMT`
  );
}

/** Microseconds since the epoch; the sub-millisecond part is made up but keeps timestamps increasing. */
export function nowMicros(): number {
  return Math.floor(performance.timeOrigin * 1000 + performance.now() * 1000);
}

export class SwitchIdentity {
  readonly coreUuid = randomUUID();
  readonly hostname = hostname();
  readonly startedAtMicros = nowMicros();
  private sequence = 0;

  constructor(readonly ipv4: string = '127.0.0.1') {}

  /** A new event with the common headers filled in, ready for its own headers to be appended. */
  createEvent(name: KnownEventName): SwitchEvent {
    const [file, func, line] = EVENT_ORIGINS[name];
    const micros = nowMicros();
    const date = new Date(Math.floor(micros / 1000));
    this.sequence += 1;
    return {
      name,
      headers: [
        ['Event-Name', name],
        ['Core-UUID', this.coreUuid],
        ['FreeSWITCH-Hostname', this.hostname],
        ['FreeSWITCH-Switchname', this.hostname],
        ['FreeSWITCH-IPv4', this.ipv4],
        ['FreeSWITCH-IPv6', '::1'],
        ['Event-Date-Local', formatLocalDate(date)],
        ['Event-Date-GMT', formatRfc822Date(date)],
        ['Event-Date-Timestamp', String(micros)],
        ['Event-Calling-File', file],
        ['Event-Calling-Function', func],
        ['Event-Calling-Line-Number', String(line)],
        ['Event-Sequence', String(this.sequence)],
      ],
    };
  }

  /** Uptime split as switch_core_measure_time, for `status` and HEARTBEAT's Up-Time. */
  uptime(): {
    years: number;
    days: number;
    hours: number;
    minutes: number;
    seconds: number;
    ms: number;
    us: number;
  } {
    let us = Math.max(0, nowMicros() - this.startedAtMicros);
    const take = (unit: number) => {
      const value = Math.floor(us / unit);
      us -= value * unit;
      return value;
    };
    const years = take(365 * 86_400_000_000);
    const days = take(86_400_000_000);
    const hours = take(3_600_000_000);
    const minutes = take(60_000_000);
    const seconds = take(1_000_000);
    const ms = take(1000);
    return { years, days, hours, minutes, seconds, ms, us };
  }

  uptimeMs(): number {
    return Math.floor((nowMicros() - this.startedAtMicros) / 1000);
  }

  /** `0 years, 0 days, 0 hours, 1 minute, ...` with FreeSWITCH's plural rules. */
  uptimeText(): string {
    const u = this.uptime();
    const part = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
    return [
      part(u.years, 'year'),
      part(u.days, 'day'),
      part(u.hours, 'hour'),
      part(u.minutes, 'minute'),
      part(u.seconds, 'second'),
      part(u.ms, 'millisecond'),
      part(u.us, 'microsecond'),
    ].join(', ');
  }
}
