import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../deps';
import type { Bot, PhoneNumber } from '../../db/schema';
import { createBot, listBots } from '../../db/repositories/bots.repository';
import {
  createCarrier,
  listCarriers,
  updateCarrier,
  type Carrier,
} from '../../db/repositories/carriers.repository';
import { createNumber, listNumbers } from '../../db/repositories/numbers.repository';
import { errorResponses, IdParamsSchema, iso } from '../schemas/common.schema';
import {
  BotSchema,
  CarrierSchema,
  CreateBotBodySchema,
  CreateCarrierBodySchema,
  CreateNumberBodySchema,
  NumberSchema,
  UpdateCarrierBodySchema,
} from '../schemas/setup.schema';

/** Bots, carriers and outbound numbers (docs/api.md). */

const presentBot = (b: Bot) => ({ ...b, created_at: iso(b.created_at) });
const presentCarrier = (c: Carrier) => ({
  id: c.id,
  name: c.name,
  gateway: c.gateway,
  cps_limit: c.cps_limit,
  cost_per_minute: c.cost_per_minute,
  created_at: iso(c.created_at),
});
const presentNumber = (n: PhoneNumber) => ({
  id: n.id,
  e164: n.e164,
  label: n.label,
  carrier_id: n.carrier_id,
  inbound_only: n.inbound_only,
  created_at: iso(n.created_at),
});

export const setupRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { db } = deps;

  app.post(
    '/bots',
    {
      schema: {
        tags: ['setup'],
        summary: 'Create a bot',
        body: CreateBotBodySchema,
        response: { 201: BotSchema, ...errorResponses(401, 422) },
      },
    },
    async (request, reply) => reply.status(201).send(presentBot(await createBot(db, request.body))),
  );

  app.get(
    '/bots',
    {
      schema: {
        tags: ['setup'],
        summary: 'List bots',
        response: { 200: Type.Array(BotSchema), ...errorResponses(401) },
      },
    },
    async () => (await listBots(db)).map(presentBot),
  );

  app.post(
    '/carriers',
    {
      schema: {
        tags: ['setup'],
        summary: 'Create a carrier (a FreeSWITCH gateway, its dial-rate cap and per-minute rate)',
        body: CreateCarrierBodySchema,
        response: { 201: CarrierSchema, ...errorResponses(401, 422) },
      },
    },
    async (request, reply) => reply.status(201).send(presentCarrier(await createCarrier(db, request.body))),
  );

  app.patch(
    '/carriers/:id',
    {
      schema: {
        tags: ['setup'],
        summary: "Change a carrier's name, gateway, dial-rate cap or per-minute rate",
        params: IdParamsSchema,
        body: UpdateCarrierBodySchema,
        response: { 200: CarrierSchema, ...errorResponses(401, 404, 422) },
      },
    },
    async (request) => presentCarrier(await updateCarrier(db, request.params.id, request.body)),
  );

  app.get(
    '/carriers',
    {
      schema: {
        tags: ['setup'],
        summary: 'List carriers',
        response: { 200: Type.Array(CarrierSchema), ...errorResponses(401) },
      },
    },
    async () => (await listCarriers(db)).map(presentCarrier),
  );

  app.post(
    '/numbers',
    {
      schema: {
        tags: ['setup'],
        summary: 'Add an outbound number (DID), stored as E.164',
        body: CreateNumberBodySchema,
        response: { 201: NumberSchema, ...errorResponses(401, 409, 422) },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(presentNumber(await createNumber(db, request.body, deps.settings.defaultPhoneRegion))),
  );

  app.get(
    '/numbers',
    {
      schema: {
        tags: ['setup'],
        summary: 'List outbound numbers',
        response: { 200: Type.Array(NumberSchema), ...errorResponses(401) },
      },
    },
    async () => (await listNumbers(db)).map(presentNumber),
  );
};
