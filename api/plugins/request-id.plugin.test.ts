import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../config/settings';
import { createApiKey } from '../../db/repositories/api-keys.repository';
import { createTestDatabase, type TestDatabase } from '../../test/support/db';
import { buildApp } from '../app';
import { RecordingEngine } from '../testing/recording-engine';

/**
 * The request id joins an answer to its log lines: the app is built with its real logger writing into a
 * list, and each test reads back the lines of its own request.
 */

interface LogLine {
  time: string;
  level: string;
  msg: string;
  service?: string;
  request_id?: string;
  status?: number;
  err?: { message: string };
}

let database: TestDatabase;
let app: FastifyInstance;
let key: string;
const lines: LogLine[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  app = await buildApp(
    { db: database.db, engine: new RecordingEngine(), settings: loadSettings({ ORI_LOG_LEVEL: 'info' }) },
    { logger: { stream: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) } } },
  );
  app.get('/api/v1/boom', async () => {
    throw new Error('secret database detail');
  });
  await app.ready();
  key = (await createApiKey(database.db, 'ops')).key;
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

const linesOf = (requestId: string): LogLine[] => lines.filter((l) => l.request_id === requestId);

describe('request ids', () => {
  it('echoes the X-Request-Id a caller sent, in the header, the error body and the log line', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/api/v1/bots',
      headers: { 'x-request-id': 'crm-7f3a.42' },
    });
    expect(res.statusCode).toBe(401);
    expect(res.headers['x-request-id']).toBe('crm-7f3a.42');
    expect(res.json().error).toMatchObject({ code: 'unauthorized', request_id: 'crm-7f3a.42' });
    expect(linesOf('crm-7f3a.42')).toEqual([
      expect.objectContaining({ level: 'info', msg: 'request completed', status: 401, service: 'api' }),
    ]);
  });

  it('makes up an id when none was sent, and a successful answer carries it too', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/api/v1/bots',
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.statusCode).toBe(200);
    const id = String(res.headers['x-request-id']);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(linesOf(id)).toEqual([expect.objectContaining({ msg: 'request completed', status: 200 })]);

    const other = await app.inject({ method: 'GET', url: '/nowhere' });
    expect(other.statusCode).toBe(404);
    expect(other.headers['x-request-id']).not.toBe(id);
    expect(other.json().error.request_id).toBe(other.headers['x-request-id']);
  });

  it('replaces an id nobody could paste back (spaces, control characters, too long)', async () => {
    for (const sent of ['two words', 'a\u0007b', 'x'.repeat(200)]) {
      const res = await app.inject({ method: 'GET', url: '/nowhere', headers: { 'x-request-id': sent } });
      expect(res.headers['x-request-id']).not.toBe(sent);
      expect(res.json().error.request_id).toBe(res.headers['x-request-id']);
    }
  });

  it('logs a 500 with the id its answer carries, and the cause only in the log', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/api/v1/boom',
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.statusCode).toBe(500);
    const body = res.json();
    expect(body.error.code).toBe('internal_error');
    expect(res.body).not.toContain('secret');
    const id = body.error.request_id;
    expect(id).toBe(res.headers['x-request-id']);
    const logged = linesOf(id);
    expect(logged.find((l) => l.msg === 'request failed')).toMatchObject({
      level: 'error',
      err: { message: 'secret database detail' },
    });
    expect(logged.find((l) => l.msg === 'request completed')).toMatchObject({ level: 'error', status: 500 });
  });

  it('writes JSON lines with an ISO time and level names, the same shape as the worker and simulator', () => {
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(Date.parse(line.time)).not.toBeNaN();
      expect(line.time).toMatch(/Z$/);
      expect(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).toContain(line.level);
      expect(typeof line.msg).toBe('string');
    }
  });
});
