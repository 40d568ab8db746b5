import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { loadSettings } from '../../config/settings';
import { useApiHarness } from '../testing/harness';
import { RecordingEngine } from '../testing/recording-engine';
import { contactsRoutes } from './contacts.routes';
import {
  API,
  bareApp,
  contactCount,
  contactsOf,
  createCampaign,
  multipartBody,
  type SeededCampaign,
} from './contacts.testkit';

/**
 * Hostile and malformed uploads: random bytes, unbalanced quotes, huge fields, NULs, wrong and duplicate
 * headers, formula payloads, mixed line ends, over-limit files. Whatever arrives, the answer is a 4xx or a
 * 200 that accounts for every row, never a 5xx, and the import is all or nothing: after a 4xx the list is
 * exactly what it was, after a 200 it holds exactly `added` contacts (replace on a draft).
 */

const h = useApiHarness();
let app: FastifyInstance;
let campaign: SeededCampaign;

beforeAll(async () => {
  campaign = await createCampaign(h);
  // Low limits so over-limit files are cheap to generate: 40 rows, 16 KB, 2 KB per record.
  app = await bareApp({ db: h.db, engine: new RecordingEngine(), settings: loadSettings({}) }, [
    {
      plugin: contactsRoutes,
      options: { importLimits: { maxRows: 40, maxBytes: 16 * 1024, maxRecordBytes: 2048 } },
    },
  ]);
});
afterAll(async () => {
  await app?.close();
});

const validPhone = fc
  .integer({ min: 0, max: 99_999 })
  .map((n) => `+1415555${String(n % 10_000).padStart(4, '0')}`);
const nationalPhone = fc.integer({ min: 7_000_000_000, max: 9_999_999_999 }).map(String);
const hostileCell = fc.oneof(
  fc.constantFrom(
    '=HYPERLINK("http://evil","x")',
    '+SUM(1,2)',
    '-2+3',
    '@cmd',
    '\t=1',
    '"',
    '""',
    '"unbalanced',
    'a"b',
    '\u0000',
    'x\u0000y',
    '\r',
    '\n',
    '\r\n',
    ',',
    '\uFEFF',
    '__proto__',
    'constructor',
    '\ud83d\ude00',
    '\\N',
    '\\',
    '\t',
  ),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.nat({ max: 3000 }).map((n) => 'x'.repeat(n)),
);
const cell = fc.oneof(validPhone, nationalPhone, hostileCell, fc.constant(''));
const headerCell = fc.oneof(
  fc.constantFrom(
    'phone_number',
    'Phone Number',
    'phone1',
    'phone2',
    'phone10',
    'phone11',
    'name',
    'email',
    'Name',
    '',
    'case number',
    '=cmd',
    '__proto__',
    'a"b',
  ),
  fc.string({ maxLength: 12 }),
);

function quote(c: string): string {
  return /[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c;
}

const structuredCsv = fc
  .record({
    bom: fc.boolean(),
    header: fc.array(headerCell, { minLength: 0, maxLength: 8 }),
    rows: fc.array(fc.array(cell, { maxLength: 10 }), { maxLength: 60 }),
    eol: fc.constantFrom('\n', '\r\n', '\r'),
    quoteAll: fc.boolean(),
    rawCells: fc.boolean(),
    garbage: fc.option(fc.string({ unit: 'binary', maxLength: 50 }), { nil: undefined }),
  })
  .map(({ bom, header, rows, eol, quoteAll, rawCells, garbage }) => {
    const fmt = (c: string) => (rawCells ? c : quoteAll ? `"${c.replace(/"/g, '""')}"` : quote(c));
    const lines = [header.map(fmt).join(','), ...rows.map((r) => r.map(fmt).join(','))];
    return Buffer.from((bom ? '\uFEFF' : '') + lines.join(eol) + (garbage ?? ''), 'utf8');
  });

const upload = fc.oneof(
  { weight: 5, arbitrary: structuredCsv },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 3000 }).map((b) => Buffer.from(b)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 2000 }).map((s) => Buffer.from(s)) },
  {
    weight: 1,
    arbitrary: fc
      .nat({ max: 30_000 })
      .map((n) => Buffer.from(`phone_number,big\n+14155550100,"${'y'.repeat(n)}"\n`)),
  },
);

async function post(body: Buffer, asMultipart: boolean) {
  const mp = asMultipart ? multipartBody(body) : null;
  return app.inject({
    method: 'POST',
    url: `${API}/campaigns/${campaign.id}/contacts`,
    headers: { 'content-type': mp ? mp.contentType : 'text/csv' },
    payload: mp ? mp.body : body,
  });
}

describe('CSV upload fuzz', () => {
  it('never answers 5xx and never imports part of a file (thousands of hostile inputs)', async () => {
    let previous = (await contactsOf(h.db, campaign.id)).map((r) => r.phone);
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(upload, fc.boolean(), async (body, asMultipart) => {
        const res = await post(body, asMultipart);
        seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
        expect([200, 413, 422], res.body).toContain(res.statusCode);
        const after = (await contactsOf(h.db, campaign.id)).map((r) => r.phone);
        if (res.statusCode === 200) {
          const answer = res.json() as {
            added: number;
            skipped: number;
            errors: { row: number; reason: string }[];
          };
          expect(after).toHaveLength(answer.added);
          expect(answer.errors.length).toBeLessThanOrEqual(Math.min(100, answer.skipped));
          for (const e of answer.errors) expect(e.row).toBeGreaterThanOrEqual(2);
          for (const p of after) expect(p).toMatch(/^\+[1-9]\d{6,14}$/);
        } else {
          expect(res.json()).toMatchObject({
            error: { code: expect.any(String), message: expect.any(String) },
          });
          expect(after).toEqual(previous);
        }
        previous = after;
      }),
      { numRuns: 2500, seed: 20261123 },
    );
    // The generators must reach every outcome, or the property proves less than it claims.
    expect(seen.get(200)).toBeGreaterThan(100);
    expect(seen.get(422)).toBeGreaterThan(100);
    expect(seen.get(413)).toBeGreaterThan(10);
  }, 600_000);

  it('keeps the database usable after aborted imports (no connection left mid-COPY)', async () => {
    for (let i = 0; i < 20; i++) await post(Buffer.from('phone_number\n"unbalanced\n'), i % 2 === 0);
    const ok = await post(Buffer.from('phone_number\n+14155550199\n'), false);
    expect(ok.statusCode).toBe(200);
    expect(await contactCount(h.db, campaign.id)).toBe(1);
  });
});
