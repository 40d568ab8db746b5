import type { FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { parse } from 'csv-parse/sync';
import type { AppDeps } from '../deps';
import { invalid, type ErrorDetail } from '../../policy/errors';
import { errorResponses, Nullable, Timestamp } from '../schemas/common.schema';
import { normalisePhone } from '../../policy/phone';
import { readOptOutCsv } from '../../policy/opt-out-csv';
import { addOptOuts, listOptOuts, removeOptOut } from '../../db/repositories/opt-outs.repository';

/**
 * The do-not-call list (docs/api.md): operators and CRMs list one number or a CSV of numbers,
 * page through the list and take numbers off it. Listed numbers are never dialled by any campaign: the
 * list is read by admission, the claim before every originate, the trigger and CSV import.
 */

/** A do-not-call CSV is numbers and short reasons: 20 MB is over a million of them. */
const OPT_OUT_CSV_LIMIT_BYTES = 20 * 1024 * 1024;
const CSV_CONTENT_TYPES = ['text/csv', 'application/csv', 'text/x-csv', 'application/vnd.ms-excel'];

const AddAnswerSchema = Type.Object({
  added: Type.Integer(),
  skipped: Type.Integer(),
  errors: Type.Array(Type.Object({ row: Type.Integer(), reason: Type.String() })),
});

const ListQuerySchema = Type.Object({
  search: Type.Optional(Type.String({ maxLength: 64 })),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
});

const ListAnswerSchema = Type.Object({
  items: Type.Array(
    Type.Object({
      phone: Type.String(),
      reason: Nullable(Type.String()),
      source: Type.String(),
      created_at: Timestamp,
    }),
  ),
  page: Type.Integer(),
  per_page: Type.Integer(),
  total: Type.Integer(),
});

function csvRecords(text: string): string[][] {
  try {
    return parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: false });
  } catch (err) {
    throw invalid([{ field: 'file', message: `the CSV could not be read: ${(err as Error).message}` }]);
  }
}

export async function optOutsRoutes(app: FastifyInstance, opts: { deps: AppDeps }): Promise<void> {
  const { deps } = opts;
  const now = deps.now ?? (() => new Date());
  const region = deps.settings.defaultPhoneRegion;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  // Encapsulated in this plugin: a CSV body arrives as text; JSON keeps Fastify's own parser.
  app.addContentTypeParser(
    CSV_CONTENT_TYPES,
    { parseAs: 'string', bodyLimit: OPT_OUT_CSV_LIMIT_BYTES },
    (_request, body, done) => done(null, { csv: String(body) }),
  );

  r.post(
    '/opt-outs',
    {
      bodyLimit: OPT_OUT_CSV_LIMIT_BYTES,
      schema: {
        summary: 'Add one number ({phone, reason?}) or a CSV of numbers (phone or phone_number column)',
        response: { 200: AddAnswerSchema, ...errorResponses(401, 413, 422) },
      },
    },
    async (request) => {
      const body: unknown = request.body;
      if (body && typeof body === 'object' && 'csv' in body && typeof body.csv === 'string') {
        const read = readOptOutCsv(csvRecords(body.csv), region);
        if (!read.ok) throw invalid([{ field: 'file', message: read.message }]);
        const result = await addOptOuts(deps.db, read.entries, 'csv', now());
        return { added: result.added, skipped: result.skipped + read.rejected, errors: read.errors };
      }
      const one = body as { phone?: unknown; reason?: unknown } | null;
      // One body, two shapes (JSON or CSV), so the JSON shape is checked here rather than by a schema.
      const problems: ErrorDetail[] = [];
      if (!one || typeof one !== 'object') {
        throw invalid([{ field: 'phone', message: 'send {phone, reason?} as JSON or a CSV as text/csv' }]);
      }
      if (typeof one.phone !== 'string' && typeof one.phone !== 'number') {
        problems.push({ field: 'phone', message: 'is required (a phone number)' });
      }
      if (one.reason !== undefined && one.reason !== null && typeof one.reason !== 'string') {
        problems.push({ field: 'reason', message: 'must be a string' });
      } else if (typeof one.reason === 'string' && one.reason.length > 1000) {
        problems.push({ field: 'reason', message: 'must be at most 1000 characters' });
      }
      if (problems.length > 0) throw invalid(problems);
      const phone = normalisePhone(String(one.phone), region);
      if (!phone.ok) throw invalid([{ field: 'phone', message: phone.reason }]);
      const reason = typeof one.reason === 'string' && one.reason.trim() !== '' ? one.reason.trim() : null;
      const result = await addOptOuts(deps.db, [{ phone: phone.e164, reason }], 'api', now());
      return { ...result, errors: [] };
    },
  );

  r.get(
    '/opt-outs',
    {
      schema: {
        summary: 'The do-not-call list, newest first; search matches any part of the number',
        querystring: ListQuerySchema,
        response: { 200: ListAnswerSchema, ...errorResponses(401, 422) },
      },
    },
    async (request) => {
      const q = request.query;
      const page = await listOptOuts(deps.db, {
        ...(q.search !== undefined ? { search: q.search } : {}),
        page: q.page ?? 1,
        perPage: q.per_page ?? 50,
      });
      return { ...page, items: page.items.map((i) => ({ ...i, created_at: i.created_at.toISOString() })) };
    },
  );

  r.delete(
    '/opt-outs/:phone',
    {
      schema: {
        summary: 'Take a number off the do-not-call list (E.164, URL-encoded)',
        params: Type.Object({ phone: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 204: Type.Null(), ...errorResponses(401, 404, 422) },
      },
    },
    async (request, reply) => {
      const phone = normalisePhone(request.params.phone, region);
      if (!phone.ok) throw invalid([{ field: 'phone', message: phone.reason }]);
      await removeOptOut(deps.db, phone.e164);
      return reply.status(204).send(null);
    },
  );
}
