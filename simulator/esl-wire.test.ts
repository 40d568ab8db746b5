import { describe, expect, it } from 'vitest';
import {
  apiResponse,
  commandReply,
  disconnectNotice,
  eventFrame,
  serializeJson,
  serializePlain,
  urlEncodeValue,
  type SwitchEvent,
} from './esl-wire';

describe('urlEncodeValue (switch_url_encode)', () => {
  it('encodes the unsafe set and non-printables as uppercase %XX', () => {
    expect(urlEncodeValue('a b:c@d')).toBe('a%20b%3Ac%40d');
    expect(urlEncodeValue('\r\n #&+;<=>?[\\]^`{|}"')).toBe(
      '%0D%0A%20%23%26%2B%3B%3C%3D%3E%3F%5B%5C%5D%5E%60%7B%7C%7D%22',
    );
    expect(urlEncodeValue("keeps ,/()!*'~-_.")).toBe("keeps%20,/()!*'~-_.");
  });

  it('encodes UTF-8 byte by byte', () => {
    expect(urlEncodeValue('Zoë')).toBe('Zo%C3%AB');
  });

  it('leaves an existing valid %XX alone but encodes a stray %', () => {
    expect(urlEncodeValue('100%20off')).toBe('100%20off');
    expect(urlEncodeValue('100%')).toBe('100%25');
    expect(urlEncodeValue('50%zz')).toBe('50%25zz');
    // Lower-case hex is not "valid" to the switch (its table is upper-case).
    expect(urlEncodeValue('%2b')).toBe('%252b');
  });
});

const event: SwitchEvent = {
  name: 'BACKGROUND_JOB',
  headers: [
    ['Event-Name', 'BACKGROUND_JOB'],
    ['Job-UUID', 'j1'],
    ['Empty', ''],
  ],
  body: '+OK é\n',
};

describe('event serialization', () => {
  it('plain: encoded headers, _undef_ for empty, then the body after its byte length', () => {
    expect(serializePlain(event)).toBe(
      'Event-Name: BACKGROUND_JOB\nJob-UUID: j1\nEmpty: _undef_\nContent-Length: 7\n\n+OK é\n',
    );
    expect(serializePlain({ name: 'HEARTBEAT', headers: [['A', 'b']] })).toBe('A: b\n\n');
  });

  it('json: one unformatted object with Content-Length and _body', () => {
    expect(serializeJson(event)).toBe(
      '{"Event-Name":"BACKGROUND_JOB","Job-UUID":"j1","Empty":"","Content-Length":"7","_body":"+OK é\\n"}',
    );
  });

  it('frames with Content-Length (bytes) first, then Content-Type', () => {
    const frame = eventFrame(event, 'json');
    const body = Buffer.from(serializeJson(event));
    expect(frame.toString()).toBe(
      `Content-Length: ${body.length}\nContent-Type: text/event-json\n\n${body.toString()}`,
    );
    expect(body.length).toBe(serializeJson(event).length + 1);
  });
});

describe('replies', () => {
  it('command/reply, with extra headers for bgapi', () => {
    expect(commandReply('+OK accepted').toString()).toBe(
      'Content-Type: command/reply\nReply-Text: +OK accepted\n\n',
    );
    expect(commandReply('+OK Job-UUID: x', [['Job-UUID', 'x']]).toString()).toBe(
      'Content-Type: command/reply\nReply-Text: +OK Job-UUID: x\nJob-UUID: x\n\n',
    );
  });

  it('api/response counts bytes and never sends an empty body', () => {
    expect(apiResponse('né\n').toString()).toBe('Content-Type: api/response\nContent-Length: 4\n\nné\n');
    expect(apiResponse('').toString()).toBe(
      'Content-Type: api/response\nContent-Length: 14\n\n-ERR no reply\n',
    );
  });

  it('the goodbye notice is 67 bytes', () => {
    expect(disconnectNotice().toString()).toBe(
      'Content-Type: text/disconnect-notice\nContent-Length: 67\n\n' +
        'Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n',
    );
  });
});
