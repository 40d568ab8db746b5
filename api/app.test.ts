import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildApp } from './app';
import { conflict } from '../policy/errors';
import { BOOTSTRAP_KEY, seedSetup, useApiHarness } from './testing/harness';
import { RecordingEngine } from './testing/recording-engine';
import { loadSettings } from '../config/settings';
import { createApiKey, ensureApiKey, revokeApiKeys } from '../db/repositories/api-keys.repository';

const h = useApiHarness({ internalApiKey: 'internal-key-for-the-simulator' });

const errorShape = (code: string) => ({
  error: { code, message: expect.any(String), details: expect.any(Array), request_id: expect.any(String) },
});

describe('authentication', () => {
  it('answers 401 without a key, with a wrong key and with a revoked key', async () => {
    const missing = await h.get('/api/v1/bots', { key: null });
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual(errorShape('unauthorized'));
    expect(missing.body.error.details).toEqual([]);

    const wrong = await h.get('/api/v1/bots', { key: 'ori_not-a-real-key' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual(errorShape('unauthorized'));

    const basic = await h.get('/api/v1/bots', {
      key: null,
      headers: { authorization: 'Basic b3BzOm9wcw==' },
    });
    expect(basic.status).toBe(401);

    const { key } = await createApiKey(h.db, 'soon-revoked');
    expect((await h.get('/api/v1/bots', { key })).status).toBe(200);
    await revokeApiKeys(h.db, 'soon-revoked', new Date());
    const revoked = await h.get('/api/v1/bots', { key });
    expect(revoked.status).toBe(401);
    expect(revoked.body.error.code).toBe('unauthorized');
  });

  it('accepts the bootstrap key and the internal key from start-up, with their names as actors', async () => {
    expect((await h.get('/api/v1/bots', { key: BOOTSTRAP_KEY })).status).toBe(200);
    expect((await h.get('/api/v1/bots', { key: 'internal-key-for-the-simulator' })).status).toBe(200);
    const rows = await h.db.selectFrom('api_keys').select(['name', 'key_hash', 'last_used_at']).execute();
    expect(rows.map((r) => r.name).sort()).toEqual(expect.arrayContaining(['bootstrap', 'internal', 'ops']));
    // Stored hashed: the clear key is nowhere in the table.
    expect(JSON.stringify(rows)).not.toContain(BOOTSTRAP_KEY);
    expect(rows.find((r) => r.name === 'bootstrap')?.last_used_at).toBeInstanceOf(Date);
  });

  it('ensures a revoked bootstrap key works again (the environment says it must)', async () => {
    await revokeApiKeys(h.db, 'bootstrap', new Date());
    expect((await h.get('/api/v1/bots', { key: BOOTSTRAP_KEY })).status).toBe(401);
    await ensureApiKey(h.db, 'bootstrap', BOOTSTRAP_KEY);
    expect((await h.get('/api/v1/bots', { key: BOOTSTRAP_KEY })).status).toBe(200);
  });

  it('keeps /health, /docs and the web UI public', async () => {
    expect((await h.get('/health', { key: null })).status).toBe(200);
    expect((await h.get('/docs/json', { key: null })).status).toBe(200);
  });

  it('answers 401 for an unknown /api/v1 path without a key and 404 JSON with one', async () => {
    const anonymous = await h.get('/api/v1/nothing-here', { key: null });
    expect(anonymous.status).toBe(401);
    const known = await h.get('/api/v1/nothing-here');
    expect(known.status).toBe(404);
    expect(known.body).toEqual(errorShape('not_found'));
    const elsewhere = await h.get('/no/such/page', { key: null });
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body).toEqual(errorShape('not_found'));
  });
});

describe('rate limit on failed authentication', () => {
  it('answers 429 after 20 failures a minute from one address, never for a valid key, not for others', async () => {
    const remoteAddress = '203.0.113.7';
    for (let i = 1; i <= 20; i++) {
      const res = await h.get('/api/v1/bots', { key: `ori_guess_${i}`, remoteAddress });
      expect(res.status).toBe(401);
    }
    const limited = await h.get('/api/v1/bots', { key: 'ori_guess_21', remoteAddress });
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual(errorShape('rate_limited'));
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Missing keys count as failures too.
    expect((await h.get('/api/v1/bots', { key: null, remoteAddress })).status).toBe(429);
    // Successful requests are not limited, even from the blocked address.
    expect((await h.get('/api/v1/bots', { remoteAddress })).status).toBe(200);
    // Another address is unaffected.
    expect((await h.get('/api/v1/bots', { key: 'ori_guess', remoteAddress: '203.0.113.8' })).status).toBe(
      401,
    );
  });

  it('opens again when the window has passed', async () => {
    const remoteAddress = '203.0.113.9';
    h.clock.now = new Date('2030-01-01T10:00:00Z');
    try {
      for (let i = 0; i < 21; i++) await h.get('/api/v1/bots', { key: 'nope', remoteAddress });
      expect((await h.get('/api/v1/bots', { key: 'nope', remoteAddress })).status).toBe(429);
      h.clock.now = new Date('2030-01-01T10:01:00Z');
      expect((await h.get('/api/v1/bots', { key: 'nope', remoteAddress })).status).toBe(401);
    } finally {
      h.clock.now = null;
    }
  });
});

describe('error handling', () => {
  it('answers 405 with Allow for a known path with an unknown method, 404 for an unknown path', async () => {
    const put = await h.request('PUT', '/api/v1/bots', { name: 'x' });
    expect(put.status).toBe(405);
    expect(put.headers.allow).toBe('GET, HEAD, POST');
    expect(put.body.error.code).toBe('method_not_allowed');
    const campaign = await h.request('PUT', '/api/v1/campaigns/00000000-0000-4000-8000-000000000000');
    expect(campaign.status).toBe(405);
    expect(String(campaign.headers.allow).split(', ').sort()).toEqual(
      expect.arrayContaining(['DELETE', 'GET', 'PATCH']),
    );
    const unknown = await h.request('PUT', '/api/v1/no-such-thing');
    expect(unknown.status).toBe(404);
    // `trigger` is no campaign id: the PATCH of /campaigns/:id does not make it a campaign.
    const trigger = await h.request('PATCH', '/api/v1/campaigns/trigger', { x: 1 });
    expect(trigger.status).toBe(405);
    expect(trigger.headers.allow).toBe('POST');
    // A method Fastify parses a body for, sent without a content type, is still just not allowed.
    const query = await h.app.inject({ method: 'QUERY' as 'GET', url: '/api/v1/bots' });
    expect(query.statusCode).toBe(405);
  });

  it('answers 422 validation_failed with one detail per bad field, as dotted paths', async () => {
    const res = await h.post('/api/v1/campaigns', {
      bot_id: 'not-a-uuid',
      concurrency: 'many',
      window: { start: 9 },
      working_days: ['mon', 'someday'],
      mode: 'weekly',
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details).toEqual([
      { field: 'name', message: 'is required' },
      { field: 'bot_id', message: 'must be a UUID' },
      { field: 'concurrency', message: 'must be integer or null' },
      { field: 'mode', message: 'must be one of: single_day, multi_day' },
      { field: 'window.start', message: 'must be string or null' },
      { field: 'working_days', message: 'must be one of: mon, tue, wed, thu, fri, sat, sun' },
    ]);
  });

  it('answers 422 for malformed JSON and for a non-object body', async () => {
    const bad = await h.request('POST', '/api/v1/bots', '{"name": ', {
      headers: { 'content-type': 'application/json' },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error).toEqual({
      request_id: expect.any(String),
      code: 'validation_failed',
      message: expect.any(String),
      details: [{ field: 'body', message: 'is not valid JSON' }],
    });
    const array = await h.post('/api/v1/bots', [1, 2]);
    expect(array.status).toBe(422);
    expect(array.body.error.details).toEqual([{ field: 'body', message: 'must be a JSON object' }]);
    const none = await h.post('/api/v1/bots');
    expect(none.status).toBe(422);
  });

  it('treats an empty JSON body on an action as no body', async () => {
    const res = await h.request('POST', '/api/v1/campaigns/00000000-0000-4000-8000-000000000000/pause', '', {
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  it('answers 413 payload_too_large JSON for a body over the JSON limit', async () => {
    const res = await h.post('/api/v1/bots', { name: 'x'.repeat(1024 * 1024 + 10) });
    expect(res.status).toBe(413);
    expect(res.body).toEqual(errorShape('payload_too_large'));
  });

  it('answers 500 internal_error for anything unexpected: logged, not leaked', async () => {
    const logged: string[] = [];
    const app = await buildApp(
      { db: h.db, engine: new RecordingEngine(), settings: loadSettings({}) },
      { logger: { level: 'error', stream: { write: (line: string) => void logged.push(line) } } },
    );
    app.get('/api/v1/boom', async () => {
      throw new Error('secret database detail');
    });
    app.get('/api/v1/conflict', async () => {
      throw conflict('invalid_state', 'Not now');
    });
    try {
      const headers = { authorization: `Bearer ${h.key}` };
      const boom = await app.inject({ method: 'GET', url: '/api/v1/boom', headers });
      expect(boom.statusCode).toBe(500);
      expect(boom.json()).toEqual({
        error: {
          code: 'internal_error',
          message: expect.any(String),
          details: [],
          request_id: boom.headers['x-request-id'],
        },
      });
      expect(boom.body).not.toContain('secret');
      expect(boom.body).not.toContain('at ');
      expect(logged.join('')).toContain('secret database detail');

      const domain = await app.inject({ method: 'GET', url: '/api/v1/conflict', headers });
      expect(domain.statusCode).toBe(409);
      expect(domain.json()).toEqual({
        error: {
          code: 'invalid_state',
          message: 'Not now',
          details: [],
          request_id: domain.headers['x-request-id'],
        },
      });
    } finally {
      await app.close();
    }
  });
});

describe('contacts upload body limit', () => {
  it('allows more than the JSON limit on POST /campaigns/:id/contacts and 413s past 100 MB', async (ctx) => {
    if (!h.app.hasRoute({ method: 'POST', url: '/api/v1/campaigns/:id/contacts' })) ctx.skip();
    const setup = await seedSetup(h);
    const campaign = await h.post('/api/v1/campaigns', { name: 'Upload limit', bot_id: setup.botId });
    const url = `/api/v1/campaigns/${campaign.body.id}/contacts`;
    // Unique numbers, so the small upload is a normal import rather than a file of duplicates.
    const stream = (bytes: number): Readable => {
      let sent = 0;
      let n = 0;
      return new Readable({
        read() {
          if (sent >= bytes) return void this.push(null);
          let chunk = sent === 0 ? 'phone_number,name\n' : '';
          while (chunk.length < 64 * 1024)
            chunk += `+9198${String(10_000_000 + (n++ % 89_999_999))},Someone\n`;
          sent += chunk.length;
          this.push(chunk);
        },
      });
    };
    const headers = { authorization: `Bearer ${h.key}`, 'content-type': 'text/csv' };
    const small = await h.app.inject({ method: 'POST', url, headers, payload: stream(1.1 * 1024 * 1024) });
    expect(small.statusCode).not.toBe(413);
    // Declared up front, as browsers and curl do: refused before a byte is read.
    const huge = await h.app.inject({
      method: 'POST',
      url,
      headers: { ...headers, 'content-length': String(101 * 1024 * 1024) },
      payload: stream(64 * 1024),
    });
    expect(huge.statusCode).toBe(413);
    expect(huge.json()).toEqual(errorShape('payload_too_large'));
  });
});

describe('GET /health', () => {
  it('is 200 with both dependencies up and 503 when the engine is down', async () => {
    const up = await h.get('/health', { key: null });
    expect(up.status).toBe(200);
    expect(up.body).toEqual({ ok: true, postgres: true, temporal: true });
    h.engine.healthyAnswer = false;
    try {
      const down = await h.get('/health', { key: null });
      expect(down.status).toBe(503);
      expect(down.body).toEqual({ ok: false, postgres: true, temporal: false });
    } finally {
      h.engine.healthyAnswer = true;
    }
  });
});

describe('OpenAPI', () => {
  it('lists every route of the contract at /docs/json and serves the UI at /docs', async () => {
    const res = await h.get('/docs/json', { key: null });
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    const paths = Object.keys(res.body.paths);
    for (const p of [
      '/health',
      '/api/v1/bots',
      '/api/v1/carriers',
      '/api/v1/numbers',
      '/api/v1/campaigns',
      '/api/v1/campaigns/{id}',
      '/api/v1/campaigns/{id}/start',
      '/api/v1/campaigns/{id}/pause',
      '/api/v1/campaigns/{id}/resume',
      '/api/v1/campaigns/{id}/stop',
      '/api/v1/campaigns/{id}/restart',
      '/api/v1/campaigns/{id}/cancel-restart',
      '/api/v1/campaigns/{id}/clone',
    ]) {
      expect(paths).toContain(p);
    }
    expect(paths.some((p) => p.startsWith('/docs') || p.startsWith('/dashboard'))).toBe(false);
    expect(res.body.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(res.body.paths['/api/v1/campaigns'].post.responses['422']).toBeDefined();
    const ui = await h.get('/docs', { key: null });
    expect([200, 302]).toContain(ui.status);
  });
});
