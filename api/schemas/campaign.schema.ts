import { Type, type Static } from '@fastify/type-provider-typebox';
import { SYSTEM_RETRY_OUTCOMES, VOICEMAIL_ACTIONS, WEEKDAYS } from '../../policy/campaign-config';
import { COMPLETION_REASONS } from '../../policy/completion';
import { Nullable, Timestamp, Uuid } from './common.schema';

/** Campaign bodies and the campaign answer (docs/api.md). */

const Mode = Type.Enum(['single_day', 'multi_day'] as const);
const Weekday = Type.Enum(WEEKDAYS);
const SystemOutcome = Type.Enum(SYSTEM_RETRY_OUTCOMES);
// Formats inside the window are checked by the policy, so its messages ("must be a 24-hour time") are used.
const HHMM = Type.String({ maxLength: 5, description: '24-hour "HH:MM"' });

/**
 * The dialler config as an operator or CRM sends it: every field optional and nullable, because the
 * spec's defaults apply to "missing, null or below 1". Semantic rules (window order, always_on only with
 * multi_day, known timezone) live in `resolveCampaignConfig`, which reports them with the same field paths.
 */
export const ConfigInputProperties = {
  concurrency: Type.Optional(Nullable(Type.Integer())),
  mode: Type.Optional(Nullable(Mode)),
  always_on: Type.Optional(Nullable(Type.Boolean())),
  window: Type.Optional(
    Nullable(
      Type.Object({
        start: Type.Optional(Nullable(HHMM)),
        end: Type.Optional(Nullable(HHMM)),
        timezone: Type.Optional(Nullable(Type.String({ maxLength: 64, description: 'IANA name' }))),
      }),
    ),
  ),
  working_days: Type.Optional(Nullable(Type.Array(Weekday, { maxItems: 7 }))),
  max_attempts: Type.Optional(Nullable(Type.Integer())),
  retry_delay_minutes: Type.Optional(Nullable(Type.Integer())),
  retry_on_system: Type.Optional(Nullable(Type.Array(SystemOutcome, { maxItems: 20 }))),
  retry_on_custom: Type.Optional(Nullable(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 200 }))),
  stop_redials_after_connect_s: Type.Optional(Nullable(Type.Integer())),
  redial_short_connect_s: Type.Optional(Nullable(Type.Integer())),
  callback_detection: Type.Optional(Nullable(Type.Boolean())),
  sticky_exclusion: Type.Optional(Nullable(Type.Boolean())),
  /** null or false: off; true: 09:00–20:00; an object: those hours (a missing one takes its default). */
  recipient_hours: Type.Optional(
    Nullable(
      Type.Union([
        Type.Boolean(),
        Type.Object({ start: Type.Optional(Nullable(HHMM)), end: Type.Optional(Nullable(HHMM)) }),
      ]),
    ),
  ),
  voicemail: Type.Optional(
    Nullable(
      Type.Object({
        action: Type.Optional(Nullable(Type.Enum(VOICEMAIL_ACTIONS))),
        message: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
      }),
    ),
  ),
};
export const CONFIG_FIELDS = Object.keys(ConfigInputProperties) as (keyof typeof ConfigInputProperties)[];

const NumberIds = Type.Array(Uuid, { maxItems: 1000 });

export const CreateCampaignBodySchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  bot_id: Uuid,
  number_ids: Type.Optional(Nullable(NumberIds)),
  ...ConfigInputProperties,
});
export type CreateCampaignBody = Static<typeof CreateCampaignBodySchema>;

export const UpdateCampaignBodySchema = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  /** null detaches the bot (a draft that never ran); start then reports the gap. */
  bot_id: Type.Optional(Nullable(Uuid)),
  number_ids: Type.Optional(Nullable(NumberIds)),
  ...ConfigInputProperties,
});
export type UpdateCampaignBody = Static<typeof UpdateCampaignBodySchema>;

export const CampaignConfigSchema = Type.Object({
  concurrency: Type.Integer(),
  mode: Mode,
  always_on: Type.Boolean(),
  window: Type.Object({ start: Type.String(), end: Type.String(), timezone: Type.String() }),
  working_days: Type.Array(Type.String()),
  max_attempts: Type.Integer(),
  retry_delay_minutes: Type.Integer(),
  retry_on_system: Type.Array(Type.String()),
  retry_on_custom: Type.Array(Type.String()),
  stop_redials_after_connect_s: Nullable(Type.Integer()),
  redial_short_connect_s: Nullable(Type.Integer()),
  callback_detection: Type.Boolean(),
  sticky_exclusion: Type.Boolean(),
  recipient_hours: Nullable(Type.Object({ start: Type.String(), end: Type.String() })),
  voicemail: Type.Object({
    action: Type.Enum(VOICEMAIL_ACTIONS),
    message: Type.Optional(Type.String()),
  }),
});

export const CampaignStatusSchema = Type.Enum(['draft', 'running', 'paused', 'completed', 'failed'] as const);

/** Contacts of the current run by state; `waiting`, `in_flight` and `final` group the states of docs/api.md. */
export const CampaignCountsSchema = Type.Object({
  total: Type.Integer(),
  pending: Type.Integer(),
  waiting: Type.Integer(),
  in_flight: Type.Integer(),
  final: Type.Integer(),
  by_state: Type.Record(Type.String(), Type.Integer()),
});

export const CampaignSchema = Type.Object({
  id: Uuid,
  short_id: Type.String(),
  name: Type.String(),
  bot_id: Nullable(Uuid),
  number_ids: Type.Array(Uuid),
  status: CampaignStatusSchema,
  run_no: Type.Integer(),
  always_on: Type.Boolean(),
  config: CampaignConfigSchema,
  warnings: Type.Array(Type.String()),
  completion_reason: Nullable(Type.Enum([...COMPLETION_REASONS])),
  /** The operator-facing sentence for `completion_reason` ("All contacts reached a final state"). */
  completion_message: Nullable(Type.String()),
  ever_started: Type.Boolean(),
  prepared_restart: Nullable(
    Type.Object({ run_no: Type.Integer(), created_by: Nullable(Type.String()), created_at: Timestamp }),
  ),
  stopped_by: Nullable(Type.String()),
  stopped_at: Nullable(Timestamp),
  counts: CampaignCountsSchema,
  /** The current run's `campaignRun` workflow (null while a draft: its run has no workflow yet). */
  workflow_id: Nullable(Type.String()),
  /** Its page in the Temporal UI, when the UI's base URL is known (TEMPORAL_UI_URL). */
  workflow_url: Type.Optional(Type.String()),
  created_by: Nullable(Type.String()),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type CampaignResponse = Static<typeof CampaignSchema>;

export const ListCampaignsQuerySchema = Type.Object({
  status: Type.Optional(CampaignStatusSchema),
});
