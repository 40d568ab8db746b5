import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors';
import { invalid, type ErrorDetail } from '../../policy/errors';

/**
 * Postgres `text` cannot hold U+0000, and UTF-8 cannot encode half of a surrogate pair: a JSON string
 * carrying either (`"\u0000"`, `"\ud800"`) is valid JSON that no insert, lookup or comparison survives.
 * Such a value is refused at the edge, before validation and before any query, as a 422 naming the field:
 * the request changes nothing.
 */

/** NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const REASON = 'contains a character that cannot be stored (a NUL or half of a surrogate pair)';

const join = (base: string, key: string): string => (base ? `${base}.${key}` : key);

/**
 * A parsed JSON object or query string (whatever its prototype: Fastify's query parser uses its own);
 * not a streamed upload body, whose object graph is cyclic and is not text to check here.
 */
const isParsedObject = (value: unknown): value is Record<string, unknown> =>
  value !== null &&
  typeof value === 'object' &&
  !ArrayBuffer.isView(value) &&
  typeof (value as { pipe?: unknown }).pipe !== 'function';

/**
 * Every field of a parsed request part whose name or text cannot be stored, as API details. Keys count
 * too, including ones a route's schema does not name: some routes keep the whole body (a post-call
 * result's raw analysis) or free-form objects (metadata).
 */
export function unstorableFields(value: unknown, field = ''): ErrorDetail[] {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? [{ field, message: REASON }] : [];
  if (Array.isArray(value)) return value.flatMap((item) => unstorableFields(item, field));
  if (!isParsedObject(value)) return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    UNSTORABLE.test(key)
      ? [{ field: join(field, key.replace(UNSTORABLE, '?')), message: REASON }]
      : unstorableFields(inner, join(field, key)),
  );
}

export function installStorableTextCheck(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    // A path segment that cannot be stored cannot name anything that exists: like an unknown id.
    if (unstorableFields(request.params).length > 0) {
      throw new ApiError(404, 'not_found', 'The path names something that cannot exist');
    }
    // A CSV upload arrives as text and is cleaned cell by cell by the import (NULs removed); parsed JSON
    // and query strings are checked here.
    const body = typeof request.body === 'string' ? undefined : request.body;
    const details = [...unstorableFields(request.query, 'query'), ...unstorableFields(body)].map((d) => ({
      ...d,
      field: d.field || 'body',
    }));
    if (details.length > 0) throw invalid(details, 'The request holds text that cannot be stored');
  });
}
