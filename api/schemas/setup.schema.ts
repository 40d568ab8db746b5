import { Type, type Static } from '@fastify/type-provider-typebox';
import { Nullable, Timestamp, Uuid } from './common.schema';

/** Bots, carriers and outbound numbers (docs/api.md). */

export const CreateBotBodySchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  greeting: Type.Optional(Nullable(Type.String({ maxLength: 10_000 }))),
  system_prompt: Type.Optional(Nullable(Type.String({ maxLength: 100_000 }))),
  callback_enabled: Type.Optional(Nullable(Type.Boolean())),
  /** Where an answered call is handed to the conversation pipeline (a SIP URI). */
  endpoint: Type.Optional(Nullable(Type.String({ maxLength: 2048 }))),
});
export type CreateBotBody = Static<typeof CreateBotBodySchema>;

export const BotSchema = Type.Object({
  id: Uuid,
  name: Type.String(),
  greeting: Nullable(Type.String()),
  system_prompt: Nullable(Type.String()),
  callback_enabled: Type.Boolean(),
  endpoint: Nullable(Type.String()),
  created_at: Timestamp,
});

export const CreateCarrierBodySchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  /** The FreeSWITCH gateway name; whitespace, '/', ',' and braces would break the originate dial string. */
  gateway: Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\s/,{}]+$' }),
  /** Calls per second this carrier accepts, shared by every campaign on it; null: no cap. */
  cps_limit: Type.Optional(Nullable(Type.Number({ exclusiveMinimum: 0, maximum: 10_000 }))),
  /** What a minute of talk costs on this carrier, in the organisation's billing currency; null: no rate. */
  cost_per_minute: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 1_000, examples: [0.012] }))),
});
export type CreateCarrierBody = Static<typeof CreateCarrierBodySchema>;

/** A carrier's update: any field of its creation; one left out keeps its value, null clears an optional one. */
export const UpdateCarrierBodySchema = Type.Partial(CreateCarrierBodySchema, { minProperties: 1 });
export type UpdateCarrierBody = Static<typeof UpdateCarrierBodySchema>;

export const CarrierSchema = Type.Object({
  id: Uuid,
  name: Type.String(),
  gateway: Type.String(),
  cps_limit: Nullable(Type.Number()),
  cost_per_minute: Nullable(Type.Number()),
  created_at: Timestamp,
});

export const CreateNumberBodySchema = Type.Object({
  /** Any common notation; stored as E.164 (DEFAULT_PHONE_REGION for numbers without "+"). */
  e164: Type.String({ minLength: 1, maxLength: 40 }),
  label: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  carrier_id: Uuid,
  inbound_only: Type.Optional(Nullable(Type.Boolean())),
});
export type CreateNumberBody = Static<typeof CreateNumberBodySchema>;

export const NumberSchema = Type.Object({
  id: Uuid,
  e164: Type.String(),
  label: Nullable(Type.String()),
  carrier_id: Uuid,
  inbound_only: Type.Boolean(),
  created_at: Timestamp,
});
