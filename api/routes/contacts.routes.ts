import { PassThrough, Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../deps';
import { API_PREFIX } from '../plugins/auth.plugin';
import { invalid, tooLarge } from '../../policy/errors';
import { errorResponses, IdParamsSchema, Nullable, Timestamp, Uuid } from '../schemas/common.schema';
import { assertContactsWritable, importContacts } from '../../db/repositories/contact-import.repository';
import { DEFAULT_IMPORT_LIMITS, type ImportLimits } from '../../policy/contact-import';
import {
  CALLBACK_FILTERS,
  CALL_LIST_SORTS,
  contactStory,
  findCampaignBasics,
  listContacts,
  type CallbackFilter,
  type CallListSort,
  type CallListItem,
  type CallListQuery,
  type CampaignBasics,
} from '../../db/repositories/contacts.repository';
import { phoneSearch } from '../../policy/phone';
import { workflowLinks } from '../../engine/workflow-links';
import { CONTACT_STATES, type ContactState } from '../../policy/contact-state';
import { forgetLiveAggregates } from '../../db/repositories/live.repository';
import {
  findUpload,
  listUploads,
  streamSkippedRows,
  type UploadSummary,
} from '../../db/repositories/contact-uploads.repository';

/**
 * Contacts of a campaign (docs/api.md): CSV upload, the starter template, the call list.
 * The upload body is never buffered: a `text/csv` body reaches the handler as the request stream (the
 * content-type parser below), a multipart upload as the `file` part's stream; both go straight into the
 * streaming import (db/repositories/contact-import.repository.ts).
 */

export interface ContactsRoutesOptions {
  deps: AppDeps;
  /** Lower limits for tests (the defaults: policy/contact-import.ts). */
  importLimits?: Partial<ImportLimits>;
}

/** Content types read as a raw CSV body; browsers send .csv files as several of these. */
const CSV_CONTENT_TYPES = [
  'text/csv',
  'application/csv',
  'text/plain',
  'text/x-csv',
  'application/vnd.ms-excel',
  'application/octet-stream',
];

/** Multipart framing around the file: the boundary lines and part headers. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

const RowErrorSchema = Type.Object({ row: Type.Integer(), reason: Type.String() });
const ImportAnswerSchema = Type.Object({
  upload_id: Type.String({
    format: 'uuid',
    description: 'The upload as kept: listed by GET /campaigns/{id}/uploads with every skipped row',
  }),
  added: Type.Integer(),
  skipped: Type.Integer(),
  errors: Type.Array(RowErrorSchema),
  columns: Type.Array(Type.String()),
  variables: Type.Array(Type.String()),
});

const UploadSchema = Type.Object({
  id: Uuid,
  run_no: Type.Integer(),
  mode: Type.Enum(['replace', 'append'], {
    description: 'replace: the list of a draft that never ran; append: added to a running or paused run',
  }),
  added: Type.Integer(),
  skipped: Type.Integer(),
  columns: Type.Array(Type.String(), { description: 'The header as uploaded' }),
  uploaded_by: Type.String({ description: 'The name of the API key that uploaded' }),
  uploaded_at: Timestamp,
  skipped_rows_url: Type.Optional(
    Type.String({ description: 'Every skipped row as CSV with its reason; absent when none was skipped' }),
  ),
});

const UploadListSchema = Type.Object({
  items: Type.Array(UploadSchema),
  total: Type.Integer(),
});

const UploadListQuerySchema = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
});

const UploadParamsSchema = Type.Object({ id: Uuid, upload_id: Uuid });

const TrailEntrySchema = Type.Object({
  attempt_no: Type.Integer(),
  attempt_id: Uuid,
  outcome: Nullable(Type.String()),
  sip_code: Nullable(Type.Integer()),
  at: Timestamp,
  status: Type.String(),
  disposition: Nullable(Type.String()),
  pass: Type.Integer(),
  phone: Type.String(),
  from_number: Nullable(Type.String()),
  is_callback: Type.Boolean(),
});

const CallListItemSchema = Type.Object({
  id: Uuid,
  phone: Type.String(),
  phones: Type.Array(Type.String()),
  name: Nullable(Type.String()),
  email: Nullable(Type.String()),
  state: Type.Enum([...CONTACT_STATES]),
  attempts: Type.Integer(),
  attempts_used: Type.Integer(),
  callback_dials: Type.Integer(),
  max_attempts: Type.Integer(),
  pass: Type.Integer(),
  phone_index: Type.Integer(),
  last_result: Nullable(Type.String()),
  last_disposition: Nullable(Type.String()),
  callback_at: Nullable(Timestamp),
  callback_state: Nullable(Type.String()),
  next_due_at: Nullable(Timestamp),
  timezone: Type.String(),
  local_time: Type.String(),
  held_by: Nullable(Type.String()),
  metadata: Type.Record(Type.String(), Type.String()),
  attempt_trail: Type.Array(TrailEntrySchema),
  /** The contact's workflow in the current run; null until it was first admitted. */
  workflow_id: Nullable(Type.String()),
  workflow_url: Type.Optional(Type.String()),
});

const CallListSchema = Type.Object({
  items: Type.Array(CallListItemSchema),
  page: Type.Integer(),
  per_page: Type.Integer(),
  total: Type.Integer(),
});

const CallListQuerySchema = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  // Validated in the handler: `state=` and `callback=` (empty) mean "no filter", and `state` may list
  // several states separated by commas.
  state: Type.Optional(Type.String({ maxLength: 500 })),
  callback: Type.Optional(Type.String({ maxLength: 50 })),
  outcome: Type.Optional(Type.String({ maxLength: 50 })),
  disposition: Type.Optional(Type.String({ maxLength: 200 })),
  sort: Type.Optional(Type.String({ maxLength: 20 })),
  // Any of the contact's numbers as a person types it; checked in the handler (at least 3 digits).
  phone: Type.Optional(Type.String({ maxLength: 64 })),
});

const DecisionSchema = Type.Object({
  kind: Type.String(),
  due_at: Nullable(Timestamp),
  final_state: Nullable(Type.String()),
});

const ContactStorySchema = Type.Object({
  contact: CallListItemSchema,
  attempts: Type.Array(
    Type.Object({
      attempt_no: Type.Integer(),
      attempt_id: Uuid,
      pass: Type.Integer(),
      phone: Type.String(),
      from_number: Nullable(Type.String()),
      is_callback: Type.Boolean(),
      started_at: Timestamp,
      answered_at: Nullable(Timestamp),
      ended_at: Nullable(Timestamp),
      ring_s: Nullable(Type.Number()),
      talk_s: Nullable(Type.Number()),
      outcome: Nullable(Type.String()),
      sip_code: Nullable(Type.Integer()),
      hangup_cause: Nullable(Type.String()),
      disposition: Nullable(Type.String()),
      summary: Nullable(Type.String()),
      callback_at: Nullable(Timestamp),
      decision: DecisionSchema,
    }),
  ),
});

const ContactParamsSchema = Type.Object({ id: Uuid, contact_id: Uuid });

/** The API path of an upload's skipped-rows CSV, as the answers state it. */
const skippedRowsUrl = (campaignId: string, uploadId: string): string =>
  `${API_PREFIX}/campaigns/${campaignId}/uploads/${uploadId}/skipped.csv`;

export const TEMPLATE_CSV =
  'phone_number,name,email,case_number,amount,due_date\r\n' +
  '+919876543210,Asha Rao,asha.rao@example.com,CASE-1001,5000,2026-12-15\r\n' +
  '+14155550123,Sam Lee,sam.lee@example.com,CASE-1002,1200,2026-12-20\r\n';

function parseStates(raw: string | undefined): ContactState[] | undefined {
  const list = (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (list.length === 0) return undefined;
  const bad = list.filter((s) => !(CONTACT_STATES as readonly string[]).includes(s));
  if (bad.length > 0) {
    throw invalid([
      { field: 'state', message: `must be one of: ${CONTACT_STATES.join(', ')} (got ${bad.join(', ')})` },
    ]);
  }
  return list as ContactState[];
}

function parsePhone(raw: string | undefined, region: string): CallListQuery['phone'] {
  if (raw === undefined || raw.trim() === '') return undefined;
  const search = phoneSearch(raw, region);
  if (search.kind === 'invalid') throw invalid([{ field: 'phone', message: search.reason }]);
  return search.kind === 'numbers' ? { e164s: search.e164s } : { digits: search.digits };
}

function parseCallback(raw: string | undefined): CallbackFilter | undefined {
  const v = (raw ?? '').trim();
  if (v === '') return undefined;
  if (!(CALLBACK_FILTERS as readonly string[]).includes(v)) {
    throw invalid([{ field: 'callback', message: `must be one of: ${CALLBACK_FILTERS.join(', ')}` }]);
  }
  return v as CallbackFilter;
}

function parseSort(raw: string | undefined): CallListSort | undefined {
  const v = (raw ?? '').trim();
  if (v === '') return undefined;
  if (!(CALL_LIST_SORTS as readonly string[]).includes(v)) {
    throw invalid([{ field: 'sort', message: `must be one of: ${CALL_LIST_SORTS.join(', ')}` }]);
  }
  return v as CallListSort;
}

/** The CSV bytes of an upload: the multipart `file` part, or the raw body stream. */
async function uploadSource(request: FastifyRequest, maxBytes: number): Promise<Readable> {
  const declared = Number(request.headers['content-length']);
  if (request.isMultipart()) {
    if (Number.isFinite(declared) && declared > maxBytes + MULTIPART_OVERHEAD_BYTES) {
      throw tooLarge(
        `The upload is larger than ${Math.round(maxBytes / 1024 / 1024)} MB; nothing was imported`,
      );
    }
    // One byte over the limit reaches the import's own byte count, which answers 413 and rolls back; busboy
    // would otherwise cut the file at the limit silently (its 'limit' event is the backstop).
    const part = await request.file({
      limits: { fileSize: maxBytes + 1, files: 1, fields: 20, fieldSize: 64 * 1024 },
    });
    if (!part) throw invalid([{ field: 'file', message: 'the multipart upload has no file part' }]);
    const file = part.file;
    file.on('limit', () =>
      file.destroy(Object.assign(new Error('request file too large'), { code: 'FST_REQ_FILE_TOO_LARGE' })),
    );
    return file;
  }
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw tooLarge(`The CSV is larger than ${Math.round(maxBytes / 1024 / 1024)} MB; nothing was imported`);
  }
  const body: unknown = request.body;
  if (body instanceof Readable) return body;
  if (body === undefined || body === null) return Readable.from([]);
  throw invalid([
    {
      field: 'file',
      message: 'send the CSV as the request body (Content-Type: text/csv) or as a multipart field "file"',
    },
  ]);
}

export async function contactsRoutes(app: FastifyInstance, opts: ContactsRoutesOptions): Promise<void> {
  const { deps } = opts;
  const limits: ImportLimits = { ...DEFAULT_IMPORT_LIMITS, ...opts.importLimits };
  const now = deps.now ?? (() => new Date());
  const links = workflowLinks(deps.settings);
  // The contact's workflow in the current run, once it was admitted (a link when the UI's URL is known).
  const withWorkflow = (campaign: CampaignBasics, { has_workflow, ...item }: CallListItem) => ({
    ...item,
    ...(has_workflow ? links.contact(campaign.id, campaign.run_no, item.id) : { workflow_id: null }),
  });
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  // Encapsulated in this plugin: other routes keep Fastify's own parsers.
  if (!app.hasContentTypeParser('multipart/form-data')) {
    await app.register(multipart, { limits: { fileSize: limits.maxBytes + 1, files: 1 } });
  }
  for (const type of CSV_CONTENT_TYPES) {
    if (app.hasContentTypeParser(type)) app.removeContentTypeParser(type);
  }
  // The stream itself is the body: nothing is read until the import pulls it.
  app.addContentTypeParser(CSV_CONTENT_TYPES, (_request, payload, done) => done(null, payload));

  r.post(
    '/campaigns/:id/contacts',
    {
      bodyLimit: limits.maxBytes + MULTIPART_OVERHEAD_BYTES,
      schema: {
        summary:
          'Upload contacts (CSV): replaces on a draft that never ran, appends on a running or paused campaign',
        params: IdParamsSchema,
        response: { 200: ImportAnswerSchema, ...errorResponses(401, 404, 409, 413, 422) },
      },
    },
    async (request) => {
      const campaignId = request.params.id;
      // 404 / 409 before a byte of the file is read.
      await assertContactsWritable(deps.db, campaignId);
      const source = await uploadSource(request, limits.maxBytes);
      const result = await importContacts(deps.db, {
        campaignId,
        source,
        defaultRegion: deps.settings.defaultPhoneRegion,
        now: now(),
        uploadedBy: request.actor,
        limits,
      });
      forgetLiveAggregates(campaignId);
      if (result.mode === 'append' && result.added > 0) {
        // Appended contacts are ready now: admission should look again instead of waiting for its tick.
        deps.engine.wake({ campaignId, runNo: result.runNo }).catch((err: unknown) => {
          request.log.warn({ err, campaignId }, 'engine wake after CSV append failed');
        });
      }
      return {
        upload_id: result.uploadId,
        added: result.added,
        skipped: result.skipped,
        errors: result.errors,
        columns: result.columns,
        variables: result.variables,
      };
    },
  );

  const uploadView = (campaignId: string, u: UploadSummary) => ({
    ...u,
    uploaded_at: u.uploaded_at.toISOString(),
    ...(u.skipped > 0 ? { skipped_rows_url: skippedRowsUrl(campaignId, u.id) } : {}),
  });

  r.get(
    '/campaigns/:id/uploads',
    {
      schema: {
        summary: "The campaign's contact uploads, newest first: added and skipped counts, who and when",
        params: IdParamsSchema,
        querystring: UploadListQuerySchema,
        response: { 200: UploadListSchema, ...errorResponses(401, 404, 422) },
      },
    },
    async (request) => {
      const { items, total } = await listUploads(deps.db, request.params.id, request.query.limit ?? 50);
      return { items: items.map((u) => uploadView(request.params.id, u)), total };
    },
  );

  r.get(
    '/campaigns/:id/uploads/:upload_id/skipped.csv',
    {
      schema: {
        summary: "Every row an upload skipped, with its reason: `row,reason,` then the upload's columns",
        params: UploadParamsSchema,
        // A stream: Fastify pipes it as is (no serialiser runs).
        response: { 200: Type.Unknown({ description: 'text/csv' }), ...errorResponses(401, 404) },
      },
    },
    async (request, reply) => {
      const { id, upload_id } = request.params;
      const upload = await findUpload(deps.db, id, upload_id);
      const out = new PassThrough();
      streamSkippedRows(deps.db, upload, out).catch((err: unknown) => {
        request.log.error({ err, uploadId: upload_id }, 'skipped rows download failed mid-stream');
        out.destroy(err instanceof Error ? err : new Error(String(err)));
      });
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header(
          'content-disposition',
          `attachment; filename="upload-${upload_id.slice(0, 8)}-skipped-rows.csv"`,
        )
        .header('cache-control', 'no-store')
        .send(out);
    },
  );

  r.get(
    '/campaigns/template.csv',
    { schema: { summary: 'A starter contact CSV: phone_number, name, email and sample variable columns' } },
    async (_request, reply) => {
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="contacts-template.csv"')
        .send(TEMPLATE_CSV);
    },
  );

  r.get(
    '/campaigns/:id/contacts',
    {
      schema: {
        summary: 'The call list: contacts with state, attempts and the attempt trail of the current run',
        params: IdParamsSchema,
        querystring: CallListQuerySchema,
        response: { 200: CallListSchema, ...errorResponses(401, 404, 422) },
      },
    },
    async (request) => {
      const q = request.query;
      const states = parseStates(q.state);
      const callback = parseCallback(q.callback);
      const sort = parseSort(q.sort);
      const outcome = q.outcome?.trim();
      const disposition = q.disposition?.trim();
      const phone = parsePhone(q.phone, deps.settings.defaultPhoneRegion);
      const campaign = await findCampaignBasics(deps.db, request.params.id);
      const list = await listContacts(deps.db, campaign, {
        page: q.page ?? 1,
        perPage: q.per_page ?? 50,
        ...(states ? { states } : {}),
        ...(callback ? { callback } : {}),
        ...(outcome ? { outcome } : {}),
        ...(disposition ? { disposition } : {}),
        ...(sort ? { sort } : {}),
        ...(phone ? { phone } : {}),
      });
      return { ...list, items: list.items.map((item) => withWorkflow(campaign, item)) };
    },
  );

  r.get(
    '/campaigns/:id/contacts/:contact_id',
    {
      schema: {
        summary: "One contact's story: the call-list row and every attempt of the run with what followed it",
        params: ContactParamsSchema,
        response: { 200: ContactStorySchema, ...errorResponses(401, 404, 422) },
      },
    },
    async (request) => {
      const campaign = await findCampaignBasics(deps.db, request.params.id);
      const story = await contactStory(deps.db, campaign, request.params.contact_id);
      return { ...story, contact: withWorkflow(campaign, story.contact) };
    },
  );
}
