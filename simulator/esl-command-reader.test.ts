import { describe, expect, it } from 'vitest';
import { EslCommandReader } from './esl-command-reader';

describe('EslCommandReader', () => {
  it('reads commands with headers, across chunk boundaries', () => {
    const reader = new EslCommandReader();
    expect(reader.push(Buffer.from('auth Clue'))).toEqual([]);
    expect(reader.push(Buffer.from('Con\n\nbgapi status\nJob-UUID: abc\n'))).toEqual([
      { line: 'auth ClueCon', headers: new Map() },
    ]);
    expect(reader.push(Buffer.from('\n'))).toEqual([
      { line: 'bgapi status', headers: new Map([['job-uuid', 'abc']]) },
    ]);
  });

  it('accepts CRLF and skips leading blank lines', () => {
    const reader = new EslCommandReader();
    expect(reader.push(Buffer.from('\r\n\nevent plain ALL\r\n\r\napi status\r\n\r\n'))).toEqual([
      { line: 'event plain ALL', headers: new Map() },
      { line: 'api status', headers: new Map() },
    ]);
  });

  it('reads a body of Content-Length bytes', () => {
    const reader = new EslCommandReader();
    const body = 'Event-Name: CUSTOM\nnote: é\n';
    const length = Buffer.byteLength(body);
    const commands = reader.push(
      Buffer.from(`sendevent CUSTOM\nContent-Length: ${length}\n\n${body}exit\n\n`),
    );
    expect(commands).toEqual([
      { line: 'sendevent CUSTOM', headers: new Map([['content-length', String(length)]]), body },
      { line: 'exit', headers: new Map() },
    ]);
  });
});
