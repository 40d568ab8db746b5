/**
 * `npm run docs:api`: writes docs/api.md, the API reference, from the OpenAPI document the app serves at
 * `/docs/json` — so the reference says exactly what the route schemas say. The app is built as the route
 * tests build it (`buildApp` with a recording engine); producing the document touches no database.
 * `api/api-docs.test.ts` fails when the checked-in docs/api.md differs from what this writes.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildApp } from '../api/app';
import { RecordingEngine } from '../api/testing/recording-engine';
import { loadSettings } from '../config/settings';
import { createDb } from '../db/connection';

export const API_DOCS_PATH = path.join(__dirname, '..', 'docs', 'api.md');

type Json = Record<string, unknown>;

interface OpenApiDocument {
  info?: { title?: string; description?: string; version?: string };
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Json> };
}

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; description?: string; content?: Record<string, MediaType> };
  responses?: Record<string, { description?: string; content?: Record<string, MediaType> }>;
  security?: unknown[];
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Json;
}

interface MediaType {
  schema?: Json;
  example?: unknown;
  examples?: Record<string, { value?: unknown; summary?: string }>;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** What an answer's status means across the API (every error body is `{"error": {...}}`). */
const STATUS_MEANING: Record<string, string> = {
  '200': 'success',
  '201': 'created',
  '202': 'accepted',
  '204': 'done, no body',
  '400': 'the request cannot be read',
  '401': 'no API key, or an unknown or revoked one',
  '404': 'no such resource',
  '405': 'the path exists but not with this method',
  '409': "conflicts with the resource's state",
  '413': 'the body is too large',
  '414': 'the URL is too long',
  '415': 'unsupported content type',
  '422': 'invalid input: `error.details` names each field',
  '429': 'rate limited: retry after `Retry-After`',
  '503': 'a dependency (Postgres or Temporal) is unavailable: retry after `Retry-After`',
};

function statusText(status: string, description: string | undefined): string {
  const given = description && description !== 'Default Response' ? description : '';
  return given || STATUS_MEANING[status] || '';
}

/** The OpenAPI document of the app, as `/docs/json` serves it. */
export async function openApiDocument(): Promise<OpenApiDocument> {
  // A pool that is never used: building the app and serving /docs/json run no query.
  const db = createDb('postgres://docs@127.0.0.1:1/none', { max: 1 });
  const app = await buildApp(
    { db, engine: new RecordingEngine(), settings: loadSettings({}), now: () => new Date(0) },
    { logger: false },
  );
  try {
    await app.ready();
    const res = await app.inject({ method: 'GET', url: '/docs/json' });
    if (res.statusCode !== 200) throw new Error(`/docs/json answered ${res.statusCode}: ${res.body}`);
    return JSON.parse(res.body) as OpenApiDocument;
  } finally {
    await app.close();
    await db.destroy();
  }
}

/** Follows a local `$ref` (`#/components/schemas/X`) once. */
function deref(doc: OpenApiDocument, schema: Json | undefined): Json | undefined {
  const ref = schema?.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/components/schemas/')) return schema;
  return doc.components?.schemas?.[ref.slice('#/components/schemas/'.length)] ?? schema;
}

function cell(text: string): string {
  return text
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
}

/** A schema in a few words: `string (uuid)`, `integer 1–1000`, `"a" \| "b"`, `array of string`. */
export function describeType(doc: OpenApiDocument, raw: Json | undefined): string {
  const schema = deref(doc, raw);
  if (!schema) return 'any';
  if (typeof raw?.$ref === 'string') return String(raw.$ref).split('/').pop() ?? 'object';
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  for (const key of ['anyOf', 'oneOf'] as const) {
    const variants = schema[key];
    if (Array.isArray(variants)) {
      return [...new Set(variants.map((v) => describeType(doc, v as Json)))].join(' | ');
    }
  }
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : String(schema.type ?? 'object');
  const notes: string[] = [];
  if (typeof schema.format === 'string') notes.push(schema.format);
  if (typeof schema.pattern === 'string') notes.push(`pattern \`${schema.pattern}\``);
  const min = schema.minimum ?? schema.minLength ?? schema.minItems;
  const max = schema.maximum ?? schema.maxLength ?? schema.maxItems;
  if (min !== undefined && max !== undefined) notes.push(`${String(min)}–${String(max)}`);
  else if (min !== undefined) notes.push(`≥ ${String(min)}`);
  else if (max !== undefined) notes.push(`≤ ${String(max)}`);
  let text = type;
  if (type === 'array' && schema.items) text = `array of ${describeType(doc, schema.items as Json)}`;
  return notes.length ? `${text} (${notes.join(', ')})` : text;
}

function fieldRows(
  doc: OpenApiDocument,
  raw: Json | undefined,
  prefix = '',
  depth = 0,
  maxDepth = 2,
): string[] {
  const schema = deref(doc, raw);
  const props = schema?.properties as Record<string, Json> | undefined;
  if (!schema || !props) return [];
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const rows: string[] = [];
  for (const [name, prop] of Object.entries(props)) {
    const field = `${prefix}${name}`;
    const resolved = deref(doc, prop) ?? {};
    const description = typeof resolved.description === 'string' ? resolved.description : '';
    rows.push(
      `| \`${field}\` | ${cell(describeType(doc, prop))} | ${required.has(name) ? 'yes' : 'no'} | ${cell(description)} |`,
    );
    const variants = [resolved, ...((resolved.anyOf ?? resolved.oneOf ?? []) as Json[])].map(
      (v) => deref(doc, v) ?? {},
    );
    const object = variants.find((v) => v.properties);
    if (depth < maxDepth && object) rows.push(...fieldRows(doc, object, `${field}.`, depth + 1, maxDepth));
  }
  return rows;
}

function exampleOf(media: MediaType | undefined): unknown {
  if (!media) return undefined;
  if (media.example !== undefined) return media.example;
  const first = media.examples ? Object.values(media.examples)[0] : undefined;
  if (first?.value !== undefined) return first.value;
  return media.schema?.examples && Array.isArray(media.schema.examples)
    ? media.schema.examples[0]
    : undefined;
}

function codeBlock(contentType: string, example: unknown): string[] {
  const isJson = contentType.includes('json');
  const text = typeof example === 'string' && !isJson ? example : JSON.stringify(example, null, 2);
  return ['```' + (isJson ? 'json' : 'text'), text.trimEnd(), '```'];
}

function anchor(method: string, url: string): string {
  return `${method} ${url}`
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-');
}

/**
 * The section an operation is listed in: its tag, else what it is about — the resource after `/api/v1/`, or
 * for a campaign's sub-resource (`/campaigns/{id}/contacts`) that sub-resource.
 */
function groupOf(url: string, op: Operation): string {
  if (op.tags?.[0]) return op.tags[0];
  const parts = url.split('/').filter((p) => p && p !== 'api' && p !== 'v1');
  const sub = parts[0] === 'campaigns' && parts[1] === '{id}' ? parts[2] : undefined;
  const name = (sub ?? parts[0] ?? 'other').replace(/\.csv$/, '');
  return sub ? `campaign ${name}` : name;
}

/** docs/api.md from the OpenAPI document: every operation with its parameters, body, answers and example. */
export function renderApiDocs(doc: OpenApiDocument): string {
  const out: string[] = [];
  const operations: { method: string; url: string; op: Operation }[] = [];
  for (const [url, item] of Object.entries(doc.paths).sort(([a], [b]) => a.localeCompare(b))) {
    for (const method of METHODS) {
      const op = item[method];
      if (op) operations.push({ method: method.toUpperCase(), url, op });
    }
  }
  const groups = operations.map(({ method, url, op }) => ({ method, url, op, group: groupOf(url, op) }));
  const tags = [...new Set(groups.map(({ group }) => group))].sort();

  out.push(`# ${doc.info?.title ?? 'API'} reference`, '');
  out.push(
    '<!-- Generated by `npm run docs:api` (scripts/api-docs.ts) from the OpenAPI document at /docs/json. ' +
      'Do not edit: change the route schemas and run it again. -->',
    '',
  );
  if (doc.info?.description) out.push(doc.info.description, '');
  out.push(
    `Version ${doc.info?.version ?? '?'}. A running dialler serves the same document as JSON at \`/docs/json\` ` +
      'and browsable at `/docs`. Timestamps are ISO-8601 UTC; ids are UUIDs.',
    '',
  );
  for (const tag of tags) {
    out.push(`- **${tag}**`);
    for (const { method, url, op } of groups.filter((o) => o.group === tag)) {
      out.push(`  - [\`${method} ${url}\`](#${anchor(method, url)}) — ${cell(op.summary ?? '')}`);
    }
  }
  out.push('');
  for (const tag of tags) {
    out.push(`## ${tag}`, '');
    for (const { method, url, op } of groups.filter((o) => o.group === tag)) {
      out.push(`### ${method} ${url}`, '');
      if (op.summary) out.push(`${op.summary}.`.replace(/\.\.$/, '.'), '');
      if (op.description) out.push(op.description, '');
      if (op.security && op.security.length === 0) out.push('No API key needed.', '');
      const params = op.parameters ?? [];
      if (params.length) {
        out.push('| parameter | in | type | required | description |', '| --- | --- | --- | --- | --- |');
        for (const p of params) {
          out.push(
            `| \`${p.name}\` | ${p.in} | ${cell(describeType(doc, p.schema))} | ${p.required ? 'yes' : 'no'} | ${cell(p.description ?? String(p.schema?.description ?? ''))} |`,
          );
        }
        out.push('');
      }
      const body = op.requestBody;
      if (body?.content) {
        const types = Object.keys(body.content);
        out.push(
          `**Request body** (${types.map((t) => `\`${t}\``).join(', ')}${body.required ? '' : ', optional'})`,
          '',
        );
        if (body.description) out.push(body.description, '');
        for (const type of types) {
          const media = body.content[type];
          const rows = fieldRows(doc, media?.schema);
          if (rows.length) {
            if (types.length > 1) out.push(`\`${type}\`:`, '');
            out.push('| field | type | required | description |', '| --- | --- | --- | --- |', ...rows, '');
          } else if (media?.schema) {
            const about = typeof media.schema.description === 'string' ? `: ${media.schema.description}` : '';
            out.push(`\`${type}\` — ${describeType(doc, media.schema)}${about}`, '');
          }
          const example = exampleOf(media);
          if (example !== undefined) out.push('Example:', '', ...codeBlock(type, example), '');
        }
      }
      const responses = Object.entries(op.responses ?? {});
      if (responses.length) {
        out.push('**Responses**', '', '| status | content | description |', '| --- | --- | --- |');
        for (const [status, res] of responses) {
          const types = Object.keys(res.content ?? {});
          out.push(
            `| ${status} | ${types.map((t) => `\`${t}\``).join(', ') || '—'} | ${cell(statusText(status, res.description))} |`,
          );
        }
        out.push('');
        const success = responses.find(([status]) => status.startsWith('2'));
        const media = success?.[1].content ? Object.entries(success[1].content)[0] : undefined;
        const rows = fieldRows(doc, media?.[1].schema, '', 0, 1);
        if (success && rows.length) {
          out.push(
            `Fields of ${success[0]}:`,
            '',
            '| field | type | required | description |',
            '| --- | --- | --- | --- |',
          );
          out.push(...rows, '');
        }
        const example = exampleOf(media?.[1]);
        if (success && media && example !== undefined) {
          out.push(`Example ${success[0]}:`, '', ...codeBlock(media[0], example), '');
        }
      }
    }
  }
  return (
    out
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trimEnd() + '\n'
  );
}

async function main(): Promise<void> {
  const markdown = renderApiDocs(await openApiDocument());
  writeFileSync(API_DOCS_PATH, markdown);
  process.stdout.write(
    `wrote ${path.relative(process.cwd(), API_DOCS_PATH)} (${markdown.length} characters)\n`,
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
