import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { openApiDocument } from '../scripts/api-docs';

/**
 * The API contract the web UI's tests hold their stand-in API to: the OpenAPI document the real app serves
 * at `/docs/json` (built from the route schemas, as `npm run docs:api` builds it). Every exchange between
 * the browser and the stand-in is checked against it — the path and method exist, the query names are
 * declared, the body the UI sends is what the route accepts, and the answer (status and body) is what the
 * route can give. Answers are checked closed: a field the stand-in invents and the UI might come to read
 * is a field the real API never sends. So when a route's schema and the UI drift apart, these tests fail.
 * (Not collected as a test file.)
 */

type Json = Record<string, unknown>;

export interface Exchange {
  method: string;
  /** The URL as requested: path under /api/v1 and query. */
  url: string;
  requestType?: string | undefined;
  requestBody?: unknown;
  status: number;
  responseType?: string | undefined;
  /** The answer's body as sent (JSON text), or undefined for a stream. */
  responsePayload?: string | undefined;
}

export interface ApiContract {
  /** What is wrong with one exchange (empty when it is as the API documents it). */
  check(exchange: Exchange): string[];
}

interface Operation {
  parameters?: { name: string; in: string }[];
  requestBody?: { content?: Record<string, { schema?: Json }> };
  responses?: Record<string, { content?: Record<string, { schema?: Json }> }>;
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The schema with every object that lists its properties closed to others (`additionalProperties: false`). */
export function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (!isObject(schema)) return schema;
  const out: Json = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, closed(v)]));
  if (isObject(schema.properties) && schema.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  return out;
}

function pathPattern(template: string): RegExp {
  const parts = template.split(/\{[^}]+\}/).map((s) => s.replace(/[.*+?^$()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('[^/]+')}$`);
}

export async function loadApiContract(): Promise<ApiContract> {
  const doc = (await openApiDocument()) as unknown as { paths: Record<string, Record<string, Operation>> };
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  // The document's own format for numbers a person types (E.164 or national): the route validates it.
  ajv.addFormat('phone', true);
  const compiled = new Map<unknown, ValidateFunction>();
  const validator = (schema: Json): ValidateFunction => {
    let v = compiled.get(schema);
    if (!v) {
      v = ajv.compile(schema);
      compiled.set(schema, v);
    }
    return v;
  };
  const routes = Object.entries(doc.paths).map(([template, ops]) => ({
    template,
    pattern: pathPattern(template),
    params: (template.match(/\{/g) ?? []).length,
    ops,
  }));
  const closedAnswers = new WeakMap<Json, Json>();
  const closedAnswer = (schema: Json): Json => {
    let c = closedAnswers.get(schema);
    if (!c) {
      c = closed(schema) as Json;
      closedAnswers.set(schema, c);
    }
    return c;
  };
  const problemsOf = (v: ValidateFunction): string =>
    (v.errors ?? [])
      .slice(0, 5)
      .map(
        (e) =>
          `${e.instancePath || '/'} ${e.message ?? ''}${isObject(e.params) && 'additionalProperty' in e.params ? ` "${String(e.params.additionalProperty)}"` : ''}`,
      )
      .join('; ');

  return {
    check(x) {
      const [path = '', query = ''] = x.url.split('?');
      const label = `${x.method} ${path}`;
      // A static segment beats a parameter (`/campaigns/template.csv` is not `/campaigns/{id}`).
      const route = routes
        .filter((r) => r.pattern.test(path) && r.ops[x.method.toLowerCase()])
        .sort((a, b) => a.params - b.params)[0];
      if (!route) return [`${label}: no such operation in the API's OpenAPI document`];
      const op = route.ops[x.method.toLowerCase()] as Operation;
      const problems: string[] = [];
      const where = `${x.method} ${route.template}`;

      const declared = new Set((op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name));
      for (const name of new URLSearchParams(query).keys()) {
        if (!declared.has(name))
          problems.push(`${where}: query parameter "${name}" is not one the API reads`);
      }

      const sent = op.requestBody?.content?.['application/json']?.schema;
      // Only a body the API accepted is held to its schema: a refused one (422) is a test of the refusal. An
      // empty object on a route without a body is what a bodyless POST sends; the API ignores it.
      const emptyObject = isObject(x.requestBody) && Object.keys(x.requestBody).length === 0;
      const accepted = x.status >= 200 && x.status < 300;
      if (
        accepted &&
        x.requestType?.includes('json') &&
        x.requestBody !== undefined &&
        !(emptyObject && !sent)
      ) {
        if (!sent) problems.push(`${where}: the API takes no JSON body`);
        else {
          const v = validator(closedAnswer(sent));
          if (!v(x.requestBody)) problems.push(`${where} request body: ${problemsOf(v)}`);
        }
      }

      const answer = op.responses?.[String(x.status)];
      if (!answer) {
        problems.push(`${where}: ${x.status} is not an answer the API gives`);
        return problems;
      }
      const content = answer.content ?? {};
      if (x.status === 204 || Object.keys(content).length === 0) return problems;
      const csv = content['text/csv'];
      if (csv) {
        if (!x.responseType?.includes('text/csv'))
          problems.push(`${where}: answers text/csv, not ${x.responseType}`);
        return problems;
      }
      const schema = content['application/json']?.schema;
      if (!schema) return problems;
      if (x.responsePayload === undefined) {
        problems.push(`${where}: answers JSON, not a stream`);
        return problems;
      }
      let body: unknown;
      try {
        body = JSON.parse(x.responsePayload);
      } catch {
        problems.push(`${where}: the answer is not JSON`);
        return problems;
      }
      const v = validator(closedAnswer(schema));
      if (!v(body)) problems.push(`${where} ${x.status} answer: ${problemsOf(v)}`);
      return problems;
    },
  };
}
