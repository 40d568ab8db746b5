/**
 * The part of modesl 1.2.1 (englercj/node-esl, plain JavaScript) that this project touches. Only what
 * lib/esl/Connection.js, Event.js and Parser.js really do is declared; see telephony/esl-connection.ts
 * for the defects those files have and how we guard them.
 */
declare module 'modesl' {
  import type { EventEmitter } from 'node:events';
  import type { Socket } from 'node:net';

  export class Event {
    constructor(headers: Record<string, string | number>, body?: string);
    constructor(type: string, subclass?: string);
    headers: Array<{ name: string; value: string }>;
    type: string;
    body: string;
    getHeader(name: string): string | null;
    getBody(): string;
    getType(): string;
    serialize(format?: 'plain' | 'json' | 'xml'): string;
  }

  /** Frame headers as parsed by Parser._parseHeaderText (Content-Length becomes a number). */
  export type FrameHeaders = Record<string, string | number>;

  export class Parser {
    /** Replaced per instance by our guard: the original throws on a malformed %XX. */
    _parseHeaderText(text: string): FrameHeaders;
  }

  /**
   * An EventEmitter2 with wildcards and `::` as delimiter: events are emitted as `esl::ready`, `esl::end`,
   * `esl::event::command::reply`, `esl::event::api::response`, `esl::event::<Event-Name>::<uuid>`, ...
   */
  export class Connection extends EventEmitter {
    /** Inbound: connects, answers auth/request with `auth <password>`, then emits `esl::ready`. */
    constructor(host: string, port: number, password: string, onReady?: () => void);
    /** Outbound: wraps a socket accepted from FreeSWITCH. */
    constructor(socket: Socket, onReady?: () => void);

    /** Set on construction; set to null by modesl on the socket's `end` (but not on `close`). */
    socket: Socket | null;
    /** Created when the socket connects (right before `esl::connect` is emitted). */
    parser?: Parser;
    authed: boolean;
    cmdCallbackQueue: Array<((event: Event) => void) | undefined>;
    apiCallbackQueue: Array<((event: Event) => void) | undefined>;

    connected(): boolean;
    send(command: string, args?: Record<string, string>): void;
    sendRecv(command: string, args: Record<string, string> | null, cb?: (event: Event) => void): void;
    sendRecv(command: string, cb?: (event: Event) => void): void;
    api(command: string, args: string | string[], cb?: (event: Event) => void): void;
    api(command: string, cb?: (event: Event) => void): void;
    bgapi(command: string, args: string | string[], jobId: string | null, cb?: (event: Event) => void): void;
    bgapi(command: string, args: string | string[], cb?: (event: Event) => void): void;
    bgapi(command: string, cb?: (event: Event) => void): void;
    events(type: 'plain' | 'json' | 'xml', events: string | string[], cb?: (event: Event) => void): void;
    subscribe(events: string | string[], cb?: (event: Event) => void): void;
    filter(header: string, value: string, cb?: (event: Event) => void): void;
    filterDelete(header: string, value?: string, cb?: (event: Event) => void): void;
    disconnect(): void;
  }

  export function setLogLevel(level: number): void;
}
