import { Readable } from 'node:stream';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedSetup, useApiHarness } from './testing/harness';
import { unstorableFields } from './plugins/storable-text.plugin';
import { exampleOf } from './plugins/openapi-contract';

/**
 * Text Postgres cannot store (NUL, half a surrogate pair) is refused at the edge as a 422 naming the field
 * on every JSON route, and random Unicode thrown at every route of the OpenAPI document never gets a 5xx.
 * The routes come from the document itself, so a route added later is covered without touching this file.
 */

const h = useApiHarness();

interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  anyOf?: Schema[];
  oneOf?: Schema[];
  minimum?: number;
  minItems?: number;
}

interface Operation {
  method: string;
  path: string;
  body?: Schema;
}

/** A NUL, a lone high or low surrogate, in the middle of ordinary text. */
const poison = fc
  .tuple(
    fc.string({ maxLength: 6 }),
    fc.constantFrom('\u0000', '\ud800', '\udfff', '\ud83d', 'a\u0000\ud800'),
    fc.string({ maxLength: 6 }),
  )
  .map(([a, bad, b]) => `${a}${bad}${b}`);

/** Any UTF-16 text, surrogate halves and control characters included. */
const anyText = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) });

let ids: { campaignId: string; botId: string; carrierId: string; numberIds: string[] };
let operations: Operation[] = [];

/** A value the schema accepts (the document's own example), with the seeded setup's ids. */
function sample(schema: Schema | undefined): unknown {
  return exampleOf(schema, '', (name) => {
    if (name.includes('bot')) return ids.botId;
    if (name.includes('carrier')) return ids.carrierId;
    if (name.includes('number')) return ids.numberIds[0] ?? ids.campaignId;
    return ids.campaignId;
  });
}

/** Paths of every string leaf in a sampled body. */
function stringLeaves(value: unknown, at: string[] = []): string[][] {
  if (typeof value === 'string') return [at];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringLeaves(v, [...at, String(i)]));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => stringLeaves(v, [...at, k]));
  return [];
}

function withLeaf(value: unknown, at: string[], text: string): unknown {
  if (at.length === 0) return text;
  const [head, ...rest] = at as [string, ...string[]];
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string, unknown>;
  copy[head] = withLeaf(copy[head], rest, text);
  return copy;
}

/**
 * Percent-encoding as a client would send it; a lone surrogate has no UTF-8 form, so it goes out as the
 * three bytes a careless encoder writes for it (invalid UTF-8, which the server must survive too).
 */
function percentEncode(text: string): string {
  return Array.from(text)
    .map((ch) => {
      try {
        return encodeURIComponent(ch);
      } catch {
        const c = ch.charCodeAt(0);
        return [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)]
          .map((b) => `%${b.toString(16).toUpperCase()}`)
          .join('');
      }
    })
    .join('');
}

function concretePath(path: string, campaignId: string): string {
  return path.replace(/\{([^}]+)\}/g, (_m, name: string) =>
    name === 'id' || name === 'campaign_id'
      ? campaignId
      : name.includes('id')
        ? '00000000-0000-4000-8000-000000000000'
        : encodeURIComponent('+15555550123'),
  );
}

beforeAll(async () => {
  const setup = await seedSetup(h);
  const campaign = await h.post('/api/v1/campaigns', {
    name: 'unicode',
    bot_id: setup.botId,
    number_ids: setup.numberIds,
  });
  ids = { ...setup, campaignId: campaign.body.id as string };
  const doc = (await h.get('/docs/json')).body as {
    paths: Record<
      string,
      Record<string, { requestBody?: { content?: Record<string, { schema?: Schema }> } }>
    >;
  };
  operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      body: op.requestBody?.content?.['application/json']?.schema,
    })),
  );
});

describe('text Postgres cannot store', () => {
  it('finds NUL and half surrogate pairs in names and values, and nothing in well-formed text', () => {
    expect(unstorableFields({ name: 'a\u0000b', nested: { list: ['ok', '\udc00'] }, fine: '😀' })).toEqual([
      { field: 'name', message: expect.stringContaining('cannot be stored') },
      { field: 'nested.list', message: expect.stringContaining('cannot be stored') },
    ]);
    expect(unstorableFields({ 'k\u0000': 1 })).toHaveLength(1);
    // A raw CSV body is the request stream (a cyclic object graph): not walked, not a stack overflow.
    expect(unstorableFields(Readable.from(['phone_number\n']))).toEqual([]);
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => unstorableFields({ text }).length === 0),
    );
  });

  it.each([
    ['POST', '/api/v1/bots', { name: 'bot\u0000' }, 'name'],
    ['POST', '/api/v1/carriers', { name: '\ud800', gateway: 'gw' }, 'name'],
    [
      'POST',
      '/api/v1/contacts/exclude',
      { campaign_id: 'C', mobile: '+15555550123', reason: 'x\u0000' },
      'reason',
    ],
    ['POST', '/api/v1/contacts/exclude', { campaign_id: 'C', match: { crm: '\udfff' } }, 'match.crm'],
    [
      'POST',
      '/api/v1/campaigns/trigger',
      { campaign_id: 'C', mobile: '+15555550123', idempotency_key: 'k\u0000' },
      'idempotency_key',
    ],
    [
      'POST',
      '/api/v1/attempts/00000000-0000-4000-8000-000000000000/result',
      { disposition: 'OPT\u0000OUT' },
      'disposition',
    ],
  ])('%s %s answers 422 naming %s, and stores nothing', async (method, url, body, field) => {
    const payload = JSON.parse(JSON.stringify(body).replaceAll('"C"', JSON.stringify(ids.campaignId)));
    const before = await h.db
      .selectFrom('bots')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    const res = await h.request(method as 'POST', url, payload);
    expect(res.status).toBe(422);
    expect(res.body.error.details).toEqual([{ field, message: expect.stringContaining('cannot be stored') }]);
    const after = await h.db
      .selectFrom('bots')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    expect(after).toEqual(before);
  });

  it('answers a campaign name with a NUL 422 on create and on edit', async () => {
    const create = await h.post('/api/v1/campaigns', { name: '\u0000', bot_id: ids.botId });
    expect(create.status).toBe(422);
    expect(create.body.error.details[0].field).toBe('name');
    const edit = await h.patch(`/api/v1/campaigns/${ids.campaignId}`, { name: 'a\ud800' });
    expect(edit.status).toBe(422);
  });

  it('answers a query string with a NUL 422 and a path segment with one 404', async () => {
    const query = await h.get(`/api/v1/campaigns/${ids.campaignId}/contacts?state=%00`);
    expect(query.status).toBe(422);
    expect(query.body.error.details[0].field).toBe('query.state');
    const path = await h.get('/api/v1/campaigns/%00');
    expect(path.status).toBe(404);
    // A filter the handler passes to SQL as is (found by the contract run: it answered 500).
    const outcome = await h.get(`/api/v1/campaigns/${ids.campaignId}/contacts?outcome=a%00b`);
    expect(outcome.status).toBe(422);
    expect(outcome.body.error.details[0].field).toBe('query.outcome');
  });

  it('answers a number too large for its column 422, not 500', async () => {
    // Found by the contract run: `turns` past a Postgres integer failed the insert.
    const res = await h.post('/api/v1/attempts/00000000-0000-4000-8000-000000000000/result', {
      disposition: 'INTERESTED',
      turns: 47167777727821188694016,
    });
    expect(res.status).toBe(422);
    expect(res.body.error.details[0].field).toBe('turns');
  });

  it('never answers 5xx when any JSON field of any route carries random Unicode', async () => {
    const withBody = operations.filter((op) => op.body);
    expect(withBody.length).toBeGreaterThanOrEqual(8);
    for (const op of withBody) {
      const valid = sample(op.body);
      const leaves = stringLeaves(valid);
      const url = concretePath(op.path, ids.campaignId);
      await fc.assert(
        fc.asyncProperty(
          leaves.length > 0 ? fc.constantFrom(...leaves) : fc.constant<string[]>([]),
          fc.oneof(poison, anyText),
          async (leaf, text) => {
            const body = leaves.length > 0 ? withLeaf(valid, leaf, text) : { field: text };
            const res = await h.request(op.method as 'POST', url, body);
            if (res.status >= 500)
              throw new Error(`${op.method} ${url} ${JSON.stringify(body)} → ${res.text}`);
            if (unstorableFields(body).length > 0) expect(res.status).not.toBe(200);
          },
        ),
        { numRuns: 15 },
      );
    }
  });

  it('never answers 5xx when query strings of any GET carry random Unicode', async () => {
    const reads = operations.filter((op) => op.method === 'GET' && !op.path.endsWith('.csv'));
    for (const op of reads) {
      const url = concretePath(op.path, ids.campaignId);
      await fc.assert(
        fc.asyncProperty(fc.oneof(poison, anyText), async (text) => {
          const q = percentEncode(text);
          const res = await h.get(`${url}?page=1&state=${q}&phone=${q}&search=${q}&callback=${q}`);
          if (res.status >= 500) throw new Error(`GET ${url} ${JSON.stringify(text)} → ${res.text}`);
        }),
        { numRuns: 10 },
      );
    }
  });
});
