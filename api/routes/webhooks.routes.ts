import type { FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../deps';
import { invalid } from '../../policy/errors';
import { errorResponses, IdParamsSchema, Nullable, Timestamp, Uuid } from '../schemas/common.schema';
import {
  assertKnownEvents,
  createWebhook,
  deleteWebhook,
  findWebhook,
  LEAD_UPDATED,
  listWebhooks,
} from '../../db/repositories/webhooks.repository';

/**
 * Webhook subscriptions (docs/rules.md "The integration surface"). `campaign_id` null (or absent) subscribes
 * to every campaign of the organisation. The signing secret is shown once, in the creation answer.
 */

const WebhookSchema = Type.Object({
  id: Uuid,
  campaign_id: Nullable(Uuid),
  url: Type.String(),
  events: Type.Array(Type.String()),
  active: Type.Boolean(),
  created_at: Timestamp,
  secret_hint: Type.String(),
});

const CreatedWebhookSchema = Type.Object({
  id: Uuid,
  campaign_id: Nullable(Uuid),
  url: Type.String(),
  events: Type.Array(Type.String()),
  active: Type.Boolean(),
  created_at: Timestamp,
  secret_hint: Type.String(),
  secret: Type.String(),
});

const CreateWebhookBodySchema = Type.Object({
  url: Type.String({ minLength: 1, maxLength: 2000 }),
  campaign_id: Type.Optional(Nullable(Uuid)),
  events: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { minItems: 1, maxItems: 10 })),
  secret: Type.Optional(Type.String({ minLength: 16, maxLength: 200 })),
});

function checkUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw invalid([{ field: 'url', message: 'must be an absolute http(s) URL' }]);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    throw invalid([{ field: 'url', message: 'must be an absolute http(s) URL' }]);
  }
  return u.toString();
}

export async function webhooksRoutes(app: FastifyInstance, opts: { deps: AppDeps }): Promise<void> {
  const { deps } = opts;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.post(
    '/webhooks',
    {
      schema: {
        summary: 'Subscribe a URL to campaign.lead.updated (one campaign, or all with campaign_id null)',
        body: CreateWebhookBodySchema,
        response: { 201: CreatedWebhookSchema, ...errorResponses(401, 404, 422) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const url = checkUrl(body.url);
      const events = [...new Set(body.events ?? [LEAD_UPDATED])];
      assertKnownEvents(events);
      const created = await createWebhook(deps.db, {
        url,
        campaignId: body.campaign_id ?? null,
        events,
        ...(body.secret ? { secret: body.secret } : {}),
      });
      return reply.status(201).send(created);
    },
  );

  r.get(
    '/webhooks',
    {
      schema: {
        summary: 'Webhook subscriptions (secrets are never listed)',
        querystring: Type.Object({ campaign_id: Type.Optional(Uuid) }),
        response: { 200: Type.Array(WebhookSchema), ...errorResponses(401, 422) },
      },
    },
    async (request) =>
      listWebhooks(deps.db, request.query.campaign_id ? { campaignId: request.query.campaign_id } : {}),
  );

  r.get(
    '/webhooks/:id',
    {
      schema: {
        summary: 'One webhook subscription',
        params: IdParamsSchema,
        response: { 200: WebhookSchema, ...errorResponses(401, 404) },
      },
    },
    async (request) => findWebhook(deps.db, request.params.id),
  );

  r.delete(
    '/webhooks/:id',
    {
      schema: {
        summary: 'Remove a webhook subscription (pending deliveries go with it)',
        params: IdParamsSchema,
        response: { 204: Type.Null(), ...errorResponses(401, 404) },
      },
    },
    async (request, reply) => {
      await deleteWebhook(deps.db, request.params.id);
      return reply.status(204).send(null);
    },
  );
}
