import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../deps';
import type { Bot, Carrier, PhoneNumber } from '../../db/schema';
import { createBot, listBots } from '../../db/repositories/bots.repository';
import { createCarrier, listCarriers } from '../../db/repositories/carriers.repository';
import { createNumber, listNumbers } from '../../db/repositories/numbers.repository';
import { errorResponses, iso } from '../schemas/common.schema';
import {
  BotSchema,
  CarrierSchema,
  CreateBotBodySchema,
  CreateCarrierBodySchema,
  CreateNumberBodySchema,
  NumberSchema,
} from '../schemas/setup.schema';

/** Bots, carriers and outbound numbers (docs/api.md). */

const presentBot = (b: Bot) => ({ ...b, created_at: iso(b.created_at) });
const presentCarrier = (c: Carrier) => ({
  id: c.id,
  name: c.name,
  gateway: c.gateway,
  cps_limit: c.cps_limit,
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
        summary: 'Create a carrier (a FreeSWITCH gateway and its dial-rate cap)',
        body: CreateCarrierBodySchema,
        response: { 201: CarrierSchema, ...errorResponses(401, 422) },
      },
    },
    async (request, reply) => reply.status(201).send(presentCarrier(await createCarrier(db, request.body))),
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
