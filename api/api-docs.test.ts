import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { API_DOCS_PATH, describeType, openApiDocument, renderApiDocs } from '../scripts/api-docs';

/**
 * docs/api.md is generated from the OpenAPI document (`npm run docs:api`); a route whose schema changed
 * without the reference being regenerated fails here.
 */
describe('docs/api.md', () => {
  let doc: Awaited<ReturnType<typeof openApiDocument>>;
  let generated: string;
  beforeAll(async () => {
    doc = await openApiDocument();
    generated = renderApiDocs(doc);
  });

  it('is what `npm run docs:api` writes from the current OpenAPI document', () => {
    const checkedIn = readFileSync(API_DOCS_PATH, 'utf8');
    // On failure: run `npm run docs:api` and commit docs/api.md.
    expect(checkedIn === generated, 'docs/api.md is stale: run `npm run docs:api`').toBe(true);
  });

  it('has a section for every operation, with its summary, parameters and answers', () => {
    const operations = Object.entries(doc.paths).flatMap(([url, item]) =>
      Object.keys(item)
        .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
        .map((m) => ({ url, method: m.toUpperCase(), op: item[m]! })),
    );
    expect(operations.length).toBeGreaterThan(30);
    const sections = generated.split('\n### ').slice(1);
    expect(sections).toHaveLength(operations.length);
    for (const { url, method, op } of operations) {
      const section = sections.find((s) => s.startsWith(`${method} ${url}\n`));
      expect(section, `${method} ${url}`).toBeDefined();
      if (op.summary) expect(section).toContain(op.summary.replace(/\.$/, ''));
      for (const p of op.parameters ?? []) expect(section).toContain(`| \`${p.name}\` | ${p.in} |`);
      for (const status of Object.keys(op.responses ?? {}))
        expect(section).toMatch(new RegExp(`\\n\\| ${status} \\|`));
      if (op.requestBody) expect(section).toContain('**Request body**');
    }
  });

  it('lists request body fields with their types and the example the document gives', () => {
    const create = generated.split('\n### ').find((s) => s.startsWith('POST /api/v1/campaigns\n'))!;
    expect(create).toContain('| `name` | string');
    expect(create).toContain('| `window.start` | string (pattern');
    expect(create).toMatch(/\| `mode` \| "single_day" \\\| "multi_day"/);
    expect(create).toContain('Example:\n\n```json\n{');
  });

  it('describes schemas in words', () => {
    expect(describeType(doc, { type: 'integer', minimum: 1, maximum: 10 })).toBe('integer (1–10)');
    expect(describeType(doc, { type: 'string', format: 'uuid' })).toBe('string (uuid)');
    expect(describeType(doc, { type: 'array', items: { enum: ['a', 'b'] } })).toBe('array of "a" | "b"');
    expect(describeType(doc, { anyOf: [{ type: 'string' }, { type: 'null' }] })).toBe('string | null');
  });
});
