/**
 * The bytes FreeSWITCH's mod_event_socket puts on the wire, reproduced exactly (docs/limits.md "Wire
 * protocol"): command replies, api responses, the disconnect notice, and events serialized as
 * switch_event_serialize (plain, URL-encoded) or switch_event_serialize_json. Every builder returns one
 * Buffer so a frame is written in a single write. Pure.
 */

/** An event as the switch builds it: headers in order (common headers first), optional body. */
export interface SwitchEvent {
  name: string;
  headers: Array<[string, string]>;
  body?: string;
}

export type EventFormat = 'plain' | 'json' | 'xml';

export const AUTH_REQUEST = Buffer.from('Content-Type: auth/request\n\n');

export const GOODBYE_MESSAGE = 'Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n';

/** send_disconnect(): the notice sent before the switch closes a connection (67 bytes for the goodbye). */
export function disconnectNotice(message: string = GOODBYE_MESSAGE): Buffer {
  const body = Buffer.from(message);
  return Buffer.concat([
    Buffer.from(`Content-Type: text/disconnect-notice\nContent-Length: ${body.length}\n\n`),
    body,
  ]);
}

export function commandReply(replyText: string, extraHeaders: Array<[string, string]> = []): Buffer {
  const extra = extraHeaders.map(([name, value]) => `${name}: ${value}\n`).join('');
  return Buffer.from(`Content-Type: command/reply\nReply-Text: ${replyText}\n${extra}\n`);
}

/** `api` output; Content-Length counts bytes. An empty output becomes `-ERR no reply\n` as in api_exec. */
export function apiResponse(output: string): Buffer {
  const body = Buffer.from(output === '' ? '-ERR no reply\n' : output);
  return Buffer.concat([Buffer.from(`Content-Type: api/response\nContent-Length: ${body.length}\n\n`), body]);
}

// SWITCH_URL_UNSAFE of switch_utils.h.
const URL_UNSAFE = new Set(Array.from('\r\n #%&+:;<=>?@[\\]^`{|}"', (c) => c.charCodeAt(0)));
const UPPER_HEX = '0123456789ABCDEF';

function isUpperHex(byte: number | undefined): boolean {
  return byte !== undefined && UPPER_HEX.includes(String.fromCharCode(byte));
}

/**
 * switch_url_encode(): each unsafe byte (control, non-ASCII, or in SWITCH_URL_UNSAFE) becomes uppercase %XX,
 * byte by byte over UTF-8; an existing valid %XX (uppercase hex) is left alone rather than re-encoded.
 */
export function urlEncodeValue(value: string): string {
  const bytes = Buffer.from(value, 'utf8');
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    const keptPercent = byte === 0x25 && isUpperHex(bytes[i + 1]) && isUpperHex(bytes[i + 2]);
    if (!keptPercent && (byte < 0x20 || byte > 0x7e || URL_UNSAFE.has(byte))) {
      out += '%' + UPPER_HEX[byte >> 4] + UPPER_HEX[byte & 0x0f];
    } else {
      out += String.fromCharCode(byte);
    }
  }
  return out;
}

/** switch_event_serialize(event, encode=TRUE). */
export function serializePlain(event: SwitchEvent): string {
  let out = '';
  for (const [name, value] of event.headers) {
    const encoded = urlEncodeValue(value);
    out += `${name}: ${encoded === '' ? '_undef_' : encoded}\n`;
  }
  if (event.body !== undefined && event.body !== '') {
    out += `Content-Length: ${Buffer.byteLength(event.body)}\n\n${event.body}`;
  } else {
    out += '\n';
  }
  return out;
}

/** switch_event_serialize_json(): one unformatted object; the body as `_body` after its byte length. */
export function serializeJson(event: SwitchEvent): string {
  const object: Record<string, string> = {};
  for (const [name, value] of event.headers) object[name] = value;
  if (event.body !== undefined) {
    object['Content-Length'] = String(Buffer.byteLength(event.body));
    object['_body'] = event.body;
  }
  return JSON.stringify(object);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#x${c.charCodeAt(0).toString(16)};`);
}

/**
 * switch_event_xmlize() rendered by switch_xml_toxml(): header values URL-encoded, the body XML-escaped.
 * Close to the switch's output but not checked byte for byte; the dialler uses plain.
 */
export function serializeXml(event: SwitchEvent): string {
  let out = '<event>\n  <headers>\n';
  for (const [name, value] of event.headers) out += `    <${name}>${urlEncodeValue(value)}</${name}>\n`;
  out += '  </headers>\n';
  if (event.body !== undefined && event.body !== '') {
    out += `  <Content-Length>${Buffer.byteLength(event.body)}</Content-Length>\n`;
    out += `  <body>${escapeXml(event.body)}</body>\n`;
  }
  return out + '</event>';
}

/** The outer frame of an event: Content-Length first, then Content-Type, as listener_run writes it. */
export function eventFrame(event: SwitchEvent, format: EventFormat): Buffer {
  const text =
    format === 'json' ? serializeJson(event) : format === 'xml' ? serializeXml(event) : serializePlain(event);
  const body = Buffer.from(text);
  return Buffer.concat([
    Buffer.from(`Content-Length: ${body.length}\nContent-Type: text/event-${format}\n\n`),
    body,
  ]);
}
