/**
 * One ESL connection's choice of events, format and filters, with the exact reply of each command
 * (mod_event_socket parse_command: `event`, `nixevent`, `noevents`, `filter`). Pure state, no I/O.
 */
import type { EventFormat, SwitchEvent } from './esl-wire';

/** switch_event.c EVENT_NAMES: the names `event` accepts (case-insensitive, `SWITCH_EVENT_` prefix allowed). */
const EVENT_NAMES = new Set([
  'CUSTOM', 'CLONE', 'CHANNEL_CREATE', 'CHANNEL_DESTROY', 'CHANNEL_STATE', 'CHANNEL_CALLSTATE', 'CHANNEL_ANSWER',
  'CHANNEL_HANGUP', 'CHANNEL_HANGUP_COMPLETE', 'CHANNEL_EXECUTE', 'CHANNEL_EXECUTE_COMPLETE', 'CHANNEL_HOLD',
  'CHANNEL_UNHOLD', 'CHANNEL_BRIDGE', 'CHANNEL_UNBRIDGE', 'CHANNEL_PROGRESS', 'CHANNEL_PROGRESS_MEDIA',
  'CHANNEL_OUTGOING', 'CHANNEL_PARK', 'CHANNEL_UNPARK', 'CHANNEL_APPLICATION', 'CHANNEL_ORIGINATE', 'CHANNEL_UUID',
  'API', 'LOG', 'INBOUND_CHAN', 'OUTBOUND_CHAN', 'STARTUP', 'SHUTDOWN', 'PUBLISH', 'UNPUBLISH', 'TALK', 'NOTALK',
  'SESSION_CRASH', 'MODULE_LOAD', 'MODULE_UNLOAD', 'DTMF', 'MESSAGE', 'PRESENCE_IN', 'NOTIFY_IN', 'PRESENCE_OUT',
  'PRESENCE_PROBE', 'MESSAGE_WAITING', 'MESSAGE_QUERY', 'ROSTER', 'CODEC', 'BACKGROUND_JOB', 'DETECTED_SPEECH',
  'DETECTED_TONE', 'PRIVATE_COMMAND', 'HEARTBEAT', 'TRAP', 'ADD_SCHEDULE', 'DEL_SCHEDULE', 'EXE_SCHEDULE',
  'RE_SCHEDULE', 'RELOADXML', 'NOTIFY', 'PHONE_FEATURE', 'PHONE_FEATURE_SUBSCRIBE', 'SEND_MESSAGE', 'RECV_MESSAGE',
  'REQUEST_PARAMS', 'CHANNEL_DATA', 'GENERAL', 'COMMAND', 'SESSION_HEARTBEAT', 'CLIENT_DISCONNECTED',
  'SERVER_DISCONNECTED', 'SEND_INFO', 'RECV_INFO', 'RECV_RTCP_MESSAGE', 'SEND_RTCP_MESSAGE', 'CALL_SECURE', 'NAT',
  'RECORD_START', 'RECORD_STOP', 'PLAYBACK_START', 'PLAYBACK_STOP', 'CALL_UPDATE', 'FAILURE', 'SOCKET_DATA',
  'MEDIA_BUG_START', 'MEDIA_BUG_STOP', 'CONFERENCE_DATA_QUERY', 'CONFERENCE_DATA', 'CALL_SETUP_REQ',
  'CALL_SETUP_RESULT', 'CALL_DETAIL', 'DEVICE_STATE', 'TEXT', 'SHUTDOWN_REQUESTED', 'CERT_RELOAD', 'ALL',
]); // prettier-ignore

/** switch_name_event(): the canonical name, or null when the switch does not know it. */
export function eventTypeOf(name: string): string | null {
  const upper = name.toUpperCase();
  if (EVENT_NAMES.has(upper)) return upper;
  if (upper.length > 13 && upper.startsWith('SWITCH_EVENT_') && EVENT_NAMES.has(upper.slice(13))) {
    return upper.slice(13);
  }
  return null;
}

function headerValue(event: SwitchEvent, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [headerName, value] of event.headers) if (headerName.toLowerCase() === lower) return value;
  return undefined;
}

/** A `/regex/` filter value; the slashes delimit it as switch_regex() expects. */
function regexOf(value: string): RegExp | null {
  const match = /^\/(.*)\/$/.exec(value);
  if (!match) return null;
  try {
    return new RegExp(match[1] ?? '');
  } catch {
    return null;
  }
}

export class EventSubscription {
  format: EventFormat = 'plain';
  /** LFLAG_EVENTS: set by the first `event` or `nixevent` that names something. */
  private enabled = false;
  private readonly names = new Set<string>();
  private readonly customSubclasses = new Set<string>();
  private allCustom = false;
  /** In the order added: the first matching positive filter lets an event through, a negative one vetoes. */
  private filters: Array<[string, string]> = [];

  /** `event [plain|json|xml] NAME...`: returns the Reply-Text. */
  subscribe(words: string[]): string {
    let keyCount = 0;
    let custom = false;
    words.forEach((word, index) => {
      if (index === 0) {
        const format = word.toLowerCase();
        // The format is switched even when the command goes on to fail, as in the switch.
        if (format === 'plain' || format === 'json' || format === 'xml') {
          this.format = format;
          return;
        }
      }
      if (custom) {
        this.customSubclasses.add(word);
        return;
      }
      const type = eventTypeOf(word);
      if (!type) return;
      keyCount++;
      this.names.add(type);
      if (type === 'ALL') this.allCustom = true;
      if (type === 'CUSTOM') custom = true;
    });
    if (keyCount === 0) return '-ERR no keywords supplied';
    this.enabled = true;
    return `+OK event listener enabled ${this.format}`;
  }

  /** `nixevent NAME...`. */
  unsubscribe(words: string[]): string {
    let keyCount = 0;
    let custom = false;
    for (const word of words) {
      if (custom) {
        this.customSubclasses.delete(word);
        continue;
      }
      const type = eventTypeOf(word);
      if (!type) continue;
      keyCount++;
      if (type === 'CUSTOM') {
        custom = true;
      } else if (type === 'ALL') {
        this.names.clear();
        this.allCustom = false;
      } else {
        if (this.names.has('ALL')) {
          // Nixing one event out of ALL leaves every other event subscribed.
          this.names.delete('ALL');
          for (const name of EVENT_NAMES) if (name !== 'ALL') this.names.add(name);
        }
        this.names.delete(type);
      }
    }
    if (keyCount === 0) return '-ERR no keywords supplied';
    this.enabled = true;
    return '+OK events nixed';
  }

  /** `noevents`. */
  clear(): string {
    if (!this.enabled) return '-ERR not listening for events';
    this.enabled = false;
    this.names.clear();
    this.customSubclasses.clear();
    this.allCustom = false;
    return '+OK no longer listening for events';
  }

  /** `filter <header> <value>` / `filter add ...` / `filter delete <header> [<value>]` / `filter delete all`. */
  filter(argument: string): string {
    const trimmed = argument.replace(/^ +/, '');
    const space = trimmed.indexOf(' ');
    let headerName = space < 0 ? trimmed : trimmed.slice(0, space);
    let headerValueText: string | null = space < 0 ? null : trimmed.slice(space + 1);

    if (headerName.toLowerCase() === 'delete' && headerValueText !== null) {
      const rest = headerValueText;
      const restSpace = rest.indexOf(' ');
      headerName = restSpace < 0 ? rest : rest.slice(0, restSpace);
      headerValueText = restSpace < 0 ? null : rest.slice(restSpace + 1);
      if (headerName.toLowerCase() === 'all') {
        this.filters = [];
      } else {
        const lower = headerName.toLowerCase();
        this.filters = this.filters.filter(
          ([name, value]) =>
            !(name.toLowerCase() === lower && (headerValueText === null || value === headerValueText)),
        );
      }
      // switch_str_nil(): a missing value prints as nothing.
      return `+OK filter deleted. [${headerName}][${headerValueText ?? ''}]`;
    }
    if (headerValueText !== null) {
      if (headerName.toLowerCase() === 'add') {
        const rest = headerValueText;
        const restSpace = rest.indexOf(' ');
        headerName = restSpace < 0 ? rest : rest.slice(0, restSpace);
        headerValueText = restSpace < 0 ? null : rest.slice(restSpace + 1);
      }
      this.filters.push([headerName, headerValueText ?? '']);
      return `+OK filter added. [${headerName}]=[${headerValueText ?? ''}]`;
    }
    return '-ERR invalid syntax';
  }

  /** Whether `event` goes to this connection: subscribed by name (or ALL), then the filters (event_handler). */
  wants(event: SwitchEvent): boolean {
    if (!this.enabled) return false;
    let send = false;
    if (this.names.has('ALL')) {
      send = true;
    } else if (this.names.has(event.name)) {
      const subclass = event.name === 'CUSTOM' ? headerValue(event, 'Event-Subclass') : undefined;
      send = subclass === undefined || this.allCustom || this.customSubclasses.has(subclass);
    }
    if (!send || this.filters.length === 0) return send;

    send = false;
    for (const [name, rawValue] of this.filters) {
      const value = headerValue(event, name);
      if (value === undefined) continue;
      let positive = true;
      let compareTo = rawValue;
      while (compareTo.length > 0 && (compareTo[0] === '+' || compareTo[0] === '-' || compareTo[0] === ' ')) {
        if (compareTo[0] === '+') positive = true;
        if (compareTo[0] === '-') positive = false;
        compareTo = compareTo.slice(1);
      }
      if (send && positive) continue;
      const regex = rawValue.startsWith('/') ? regexOf(compareTo) : null;
      const matches = regex ? regex.test(value) : value.toLowerCase() === compareTo.toLowerCase();
      if (matches) {
        if (!positive) return false;
        send = true;
      }
    }
    return send;
  }
}
