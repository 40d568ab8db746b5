import { API_PREFIX } from './auth.plugin';
import { ErrorResponseSchema } from '../schemas/common.schema';
import { CALL_LIST_SORTS, CALLBACK_FILTERS } from '../../db/repositories/contacts.repository';
import { CONTACT_STATES } from '../../policy/contact-state';
import { WEBHOOK_EVENTS } from '../../db/repositories/webhooks.repository';

/**
 * What every route's schema leaves implicit, made explicit in the OpenAPI document so that it is a
 * contract a client generator or a contract tester can rely on (the server behaves this way already;
 * this only says so):
 * - the answers every `/api/v1` route can give besides its own: 401 (no or a wrong key), 429 (too many
 *   failed authentications from one address), 503 (the database is away: retry after `Retry-After`);
 *   422 where a body or query is validated, 404 where a path names something, 413 where a body is read;
 * - text Postgres can store: no NUL in any string or object key (the edge refuses it, 422);
 * - the CSV bodies and answers (`text/csv`, `multipart/form-data`) that route schemas cannot declare;
 * - an example request body on every operation that takes one.
 */

type Json = Record<string, unknown>;

/** Text without NUL (U+0000): what Postgres `text` and `jsonb` can hold. */
export const STORABLE_TEXT_PATTERN = '^[^\\u0000]*$';

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Text with something besides white space, and no NUL. */
const NON_BLANK = '^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$';

/**
 * What the server checks beyond the route schema, stated per field name (the same name means the same
 * thing on every route). Each mirrors a rule enforced elsewhere, named beside it.
 */
const FIELD_RULES: Record<string, Json> = {
  // policy/phone.ts (libphonenumber): E.164 or national for DEFAULT_PHONE_REGION.
  mobile: { format: 'phone' },
  phone: { format: 'phone' },
  e164: { format: 'phone' },
  // policy/campaign-config.ts: an empty list of working days is refused.
  working_days: { minItems: 1 },
  // The post-call result's callback time: an ISO-8601 date-time.
  callback_at: { format: 'date-time' },
  // Webhook targets: absolute http(s) URLs.
  url: { format: 'uri', pattern: '^https?://' },
  // The exclude route: one or two metadata keys, neither keys nor values blank.
  match: {
    minProperties: 1,
    maxProperties: 2,
    propertyNames: { pattern: NON_BLANK },
    additionalProperties: {
      anyOf: [
        { type: 'string', pattern: NON_BLANK, maxLength: 1000 },
        { type: 'number' },
        { type: 'boolean' },
      ],
    },
  },
  // Webhook subscriptions: the events the dialler emits.
  events: { items: { enum: [...WEBHOOK_EVENTS] } },
  // policy/calendar.ts: 24-hour clock times.
  start: { pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' },
  end: { pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' },
};

const oneOf = (values: readonly string[]): string => `(?:${values.join('|')})`;
/** One of `values`, or blank (blank means: no filter). */
const oneOrBlank = (values: readonly string[]): Json => ({ pattern: `^\\s*(?:${oneOf(values)}\\s*)?$` });
/** A comma-separated list of `values` (blank items ignored). */
const listOf = (values: readonly string[]): Json => ({
  pattern: `^[\\s,]*(?:${oneOf(values)}\\s*(?:,[\\s,]*|$))*$`,
});

/** Query filters the call list's handler checks beyond their schema (api/routes/contacts.routes.ts). */
const QUERY_RULES: Record<string, Json> = {
  state: listOf(CONTACT_STATES),
  callback: oneOrBlank(CALLBACK_FILTERS),
  sort: oneOrBlank(CALL_LIST_SORTS),
  // The call list's phone search: at least three digits of the number, in any format.
  phone: { pattern: '^(?:[^0-9\\u0000]*[0-9]){3}[^\\u0000]*$' },
};

/** Applies `rule` to the branch of a (nullable) union that has the rule's type of value. */
function withRule(schema: Json, rule: Json): Json {
  const union = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  if (union) {
    const key = schema.anyOf ? 'anyOf' : 'oneOf';
    return {
      ...schema,
      [key]: union.map((branch) => (branch.type === 'null' ? branch : withRule(branch, rule))),
    };
  }
  const types = [schema.type].flat();
  const stringRule = 'format' in rule || 'pattern' in rule;
  if (stringRule && !types.includes('string')) return schema;
  if ('minItems' in rule && !types.includes('array')) return schema;
  if ('minProperties' in rule && !types.includes('object')) return schema;
  if ('items' in rule && !types.includes('array')) return schema;
  const out = { ...schema, ...rule };
  if ('additionalProperties' in rule) delete out.patternProperties;
  if (stringRule && rule.pattern === undefined) delete out.pattern;
  return out;
}

/** Deep copy of a request schema as the document states it: field rules, storable text only. */
export function storableOnly(schema: unknown, rules: Record<string, Json> = FIELD_RULES): unknown {
  if (Array.isArray(schema)) return schema.map((item) => storableOnly(item, rules));
  if (!isObject(schema)) return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    out[key] =
      key === 'properties' && isObject(value)
        ? Object.fromEntries(
            Object.entries(value).map(([name, inner]) => {
              const documented = storableOnly(inner, rules) as Json;
              const rule = rules[name];
              return [name, rule ? withRule(documented, rule) : documented];
            }),
          )
        : key === 'examples' || key === 'enum' || key === 'const' || key === 'default'
          ? value
          : storableOnly(value, rules);
  }
  const types = Array.isArray(out.type) ? out.type : [out.type];
  const free = out.pattern === undefined && out.enum === undefined && out.const === undefined;
  if (types.includes('string') && free && out.format === undefined) {
    out.pattern = STORABLE_TEXT_PATTERN;
  }
  if (types.includes('object') && out.propertyNames === undefined && out.additionalProperties !== false) {
    out.propertyNames = { pattern: STORABLE_TEXT_PATTERN };
  }
  return out;
}

const csvText = (description: string, pattern?: string): Json => ({
  type: 'string',
  description,
  ...(pattern ? { pattern } : {}),
});

/** Request bodies that are CSV: the route reads them as text, so its schema declares none. */
const CSV_BODIES: Record<string, Json> = {
  [`POST ${API_PREFIX}/campaigns/:id/contacts`]: {
    content: {
      'text/csv': {
        schema: csvText(
          'Contacts: a header row with `phone_number` (or `phone1` … `phone10`), optional `name`, `email`, ' +
            '`timezone`, and any other column as a per-contact variable; up to 100 MB and 500,000 rows. ' +
            'Rows without a valid number are skipped with a reason, not refused.',
          '^\\ufeff?phone_number(,[A-Za-z_][A-Za-z0-9_]*)*\\r?\\n',
        ),
        examples: ['phone_number,name,plan\n+14155552671,Ada,gold\n+442071838750,Grace,silver\n'],
      },
      'multipart/form-data': {
        schema: {
          type: 'object',
          required: ['file'],
          properties: {
            file: {
              type: 'string',
              format: 'binary',
              contentMediaType: 'text/csv',
              description: 'The CSV file',
            },
          },
        },
      },
    },
  },
  // One body, two shapes: the route checks the JSON shape itself (policy/phone.ts for the number).
  [`POST ${API_PREFIX}/opt-outs`]: {
    content: {
      'application/json': {
        schema: {
          type: 'object',
          required: ['phone'],
          properties: {
            phone: { anyOf: [{ type: 'string', format: 'phone' }, { type: 'number' }] },
            reason: {
              anyOf: [{ type: 'string', maxLength: 1000, pattern: STORABLE_TEXT_PATTERN }, { type: 'null' }],
            },
          },
        },
        examples: [{ phone: '+14155552671', reason: 'asked on the call not to be called again' }],
      },
      'text/csv': {
        schema: csvText(
          'Numbers to add: a header row with a `phone` or `phone_number` column, one number a row; an optional ' +
            '`reason` column. Rows without a valid number are skipped.',
          '^\\ufeff?(phone|phone_number)(,[A-Za-z_][A-Za-z0-9_]*)*\\r?\\n',
        ),
        examples: ['phone,reason\n+14155552671,complained\n'],
      },
    },
  },
};

/** Answers that are CSV files rather than JSON. */
const CSV_ANSWERS = new Set([
  `GET ${API_PREFIX}/campaigns/:id/attempts.csv`,
  `GET ${API_PREFIX}/campaigns/template.csv`,
  `GET ${API_PREFIX}/campaigns/:id/uploads/:upload_id/skipped.csv`,
]);

function withError(responses: Json, status: number): void {
  if (responses[status] === undefined) responses[status] = ErrorResponseSchema;
}

/**
 * A request value the schema accepts, with realistic values by field name: the example the document
 * shows on each operation. `idFor` supplies ids by field name (the document shows placeholders).
 */
export function exampleOf(
  schema: unknown,
  name = '',
  idFor: (field: string) => string = () => '3f2c1b9e-8d7a-4c6b-9e5f-1a2b3c4d5e6f',
): unknown {
  if (!isObject(schema)) return 'text';
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  const union = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  const branch = union?.find((s) => s.type !== 'null');
  if (branch) return exampleOf(branch, name, idFor);
  const type = [schema.type].flat().find((t) => t !== 'null');
  if (type === 'object') {
    const props = isObject(schema.properties) ? schema.properties : {};
    return Object.fromEntries(
      Object.entries(props).map(([key, inner]) => [key, exampleOf(inner, key, idFor)]),
    );
  }
  if (type === 'array') {
    const count = Math.max(1, typeof schema.minItems === 'number' ? schema.minItems : 1);
    return Array.from({ length: count }, () => exampleOf(schema.items, name, idFor));
  }
  if (type === 'integer' || type === 'number')
    return Math.max(1, typeof schema.minimum === 'number' ? schema.minimum : 1);
  if (type === 'boolean') return false;
  if (schema.format === 'uuid') return idFor(name);
  if (schema.format === 'date-time') return '2026-12-07T09:30:00.000Z';
  if (schema.format === 'uri' || name === 'url' || name === 'endpoint')
    return 'https://crm.example/hooks/ori';
  if (schema.format === 'phone' || ['mobile', 'phone', 'e164'].includes(name)) return '+14155552671';
  if (name === 'start') return '09:00';
  if (name === 'end') return '18:00';
  if (name === 'timezone') return 'America/New_York';
  if (name === 'gateway') return 'carrier1';
  if (name === 'name') return 'Renewals November';
  if (name === 'disposition') return 'INTERESTED';
  return 'text';
}

export interface RouteSchema {
  body?: unknown;
  querystring?: unknown;
  params?: unknown;
  response?: Json;
  hide?: boolean;
  [key: string]: unknown;
}

/** The route's schema as the OpenAPI document states it (the route itself is not changed). */
export function contractSchema(schema: RouteSchema | undefined, method: string, url: string): RouteSchema {
  const out: RouteSchema = { ...(schema ?? {}) };
  const key = `${method} ${url}`;
  const responses: Json = { ...(out.response ?? {}) };
  const api = url.startsWith(`${API_PREFIX}/`);
  if (api) {
    withError(responses, 401);
    withError(responses, 429);
    withError(responses, 503);
  }
  if (out.params) {
    withError(responses, 404);
    withError(responses, 414); // a path parameter longer than the router takes
  }
  if (out.body || CSV_BODIES[key]) {
    withError(responses, 413);
    withError(responses, 422);
  }
  if (out.querystring) withError(responses, 422);
  if (CSV_ANSWERS.has(key)) {
    responses[200] = {
      description: 'A CSV file',
      content: { 'text/csv': { schema: { type: 'string' } } },
    };
  }
  // An example answer on every operation: its success body, as the schema describes it.
  for (const [status, answer] of Object.entries(responses)) {
    if (!status.startsWith('2') || !isObject(answer) || 'content' in answer || answer.examples) continue;
    if (answer.type === undefined && answer.anyOf === undefined) continue;
    responses[status] = { ...answer, examples: [exampleOf(answer)] };
  }
  out.response = responses;
  if (out.body) {
    const body = storableOnly(out.body) as Json;
    out.body = { ...body, examples: [exampleOf(body)] };
  }
  if (CSV_BODIES[key]) out.body = CSV_BODIES[key];
  // Query filters are lenient (a phone search takes any run of digits): no field rules there.
  if (out.querystring) out.querystring = storableOnly(out.querystring, QUERY_RULES);
  if (out.params) out.params = storableOnly(out.params);
  return out;
}
