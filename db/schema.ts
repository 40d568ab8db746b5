import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { CampaignConfig } from '../policy/campaign-config';
import type { CompletionReason } from '../policy/completion';
import type { ContactState } from '../policy/contact-state';
import type { FrequencyCap } from '../policy/frequency-cap';

/** Timestamps: read as Date, written as Date or ISO string, defaulted by Postgres where Generated. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type GeneratedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, T | string, T | string>;

export type CampaignStatus = 'draft' | 'running' | 'paused' | 'completed' | 'failed';
export type RunStatus = 'prepared' | 'running' | 'paused' | 'completed' | 'failed' | 'cancelled';
export type AttemptStatus = 'leased' | 'dialling' | 'ringing' | 'in_progress' | 'ended';
export type CallbackState = 'requested' | 'pending' | 'completed' | 'cancelled';

export interface ApiKeysTable {
  id: Generated<string>;
  name: string;
  prefix: string;
  key_hash: string;
  created_at: GeneratedTimestamp;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface BotsTable {
  id: Generated<string>;
  name: string;
  greeting: string | null;
  system_prompt: string | null;
  callback_enabled: Generated<boolean>;
  endpoint: string | null;
  created_at: GeneratedTimestamp;
}

export interface CarriersTable {
  id: Generated<string>;
  name: string;
  gateway: string;
  cps_limit: number | null;
  /** What a minute of talk costs on this carrier (numeric, read as a string); null: no rate set. */
  cost_per_minute: ColumnType<string | null, number | string | null | undefined, number | string | null>;
  next_dial_slot_at: Timestamp | null;
  /** The earliest moment the carrier's next originate may be written to the switch (the claim's cursor). */
  next_originate_at: Timestamp | null;
  created_at: GeneratedTimestamp;
}

export interface NumbersTable {
  id: Generated<string>;
  e164: string;
  label: string | null;
  carrier_id: string;
  inbound_only: Generated<boolean>;
  last_used_at: Timestamp | null;
  created_at: GeneratedTimestamp;
}

export interface CampaignsTable {
  id: Generated<string>;
  name: string;
  bot_id: string | null;
  status: Generated<CampaignStatus>;
  run_no: Generated<number>;
  config: Json<CampaignConfig>;
  completion_reason: CompletionReason | null;
  ever_started: Generated<boolean>;
  created_by: string | null;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface CampaignNumbersTable {
  campaign_id: string;
  number_id: string;
  position: Generated<number>;
}

/** The raw setup snapshot of a run, shown in the config panel and copied into escalations. */
export interface RunSetup {
  bot: { id: string; name: string; callback_enabled: boolean; endpoint: string | null } | null;
  number_pool: { id: string; e164: string; label: string | null; carrier_id: string; gateway: string }[];
  config: CampaignConfig;
  run_no: number;
  created_by: string | null;
  created_at: string;
  started_at: string | null;
}

/** One field of a mid-run edit: its value before and after. */
export interface ConfigChange {
  field: string;
  from: unknown;
  to: unknown;
}

/** A run's settings after a mid-run edit (migration 2026-12-06T0870); version 1 is the start snapshot. */
export interface RunConfigVersionsTable {
  campaign_id: string;
  run_no: number;
  version: number;
  config: Json<CampaignConfig>;
  number_pool: Json<RunSetup['number_pool']>;
  changes: Json<ConfigChange[]>;
  changed_by: string;
  changed_at: GeneratedTimestamp;
}

/** One contact CSV upload (db/migrations/2026-12-07T0130_contact_uploads.ts). */
export interface ContactUploadsTable {
  id: Generated<string>;
  campaign_id: string;
  run_no: number;
  mode: 'replace' | 'append';
  added: number;
  skipped: number;
  columns: Json<string[]>;
  uploaded_by: string;
  uploaded_at: GeneratedTimestamp;
}

/** A row an upload skipped: its spreadsheet row number, why, and its cells. */
export interface ContactUploadSkipsTable {
  upload_id: string;
  row_no: number;
  reason: string;
  cells: Json<string[]>;
}

export interface CampaignRunsTable {
  campaign_id: string;
  run_no: number;
  status: RunStatus;
  config: Json<CampaignConfig>;
  setup: Json<RunSetup>;
  workflow_id: string | null;
  created_by: string | null;
  created_at: GeneratedTimestamp;
  started_at: Timestamp | null;
  started_by: string | null;
  ended_at: Timestamp | null;
  completion_reason: CompletionReason | null;
  stopped_by: string | null;
}

export interface ContactsTable {
  id: Generated<string>;
  campaign_id: string;
  seq: ColumnType<string, never, never>;
  phone: string;
  phones: string[];
  /** What holds the waiting contact back until `next_due_at` besides its schedule (`frequency_cap`, ...). */
  held_by: ColumnType<string | null, string | null | undefined, string | null>;
  /**
   * The zones its recipient hours are judged in (policy/contact-timezone.ts): sorted; empty: the
   * campaign's; null: stored before zones were kept.
   */
  timezones: ColumnType<string[] | null, string[] | null | undefined, string[] | null>;
  name: string | null;
  email: string | null;
  metadata: Json<Record<string, string>>;
  source: Generated<string>;
  added_in_run: Generated<number>;
  run_no: Generated<number>;
  state: Generated<ContactState>;
  attempts: Generated<number>;
  pass: Generated<number>;
  phone_index: Generated<number>;
  priority: Generated<number>;
  ready_at: Timestamp | null;
  next_due_at: Timestamp | null;
  workflow_started: Generated<boolean>;
  last_outcome: string | null;
  last_disposition: string | null;
  last_sip_code: number | null;
  last_attempt_at: Timestamp | null;
  callback_at: Timestamp | null;
  callback_state: CallbackState | null;
  excluded_at: Timestamp | null;
  exclusion_reason: string | null;
  final_at: Timestamp | null;
  exhausted_retries: Generated<boolean>;
  reached_phone_index: number | null;
  redials_stopped: Generated<boolean>;
  idempotency_key: string | null;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface AttemptsTable {
  attempt_id: string;
  campaign_id: string;
  run_no: number;
  contact_id: string;
  attempt_no: number;
  pass: number;
  phone: string;
  phone_index: Generated<number>;
  number_id: string | null;
  from_number: string | null;
  carrier_id: string | null;
  gateway: string | null;
  status: Generated<AttemptStatus>;
  lease_expires_at: Timestamp;
  dial_not_before: Timestamp | null;
  handed_off_at: Timestamp | null;
  /** Order on deck: admission's order of the leases (bigint, read as a string). */
  queue_seq: Generated<string>;
  /** The contact's admission priority (0 due callback, 1 fresh, 2 retry) when it was leased. */
  admit_priority: Generated<number>;
  created_at: GeneratedTimestamp;
  /** The seat's claim (and the originate moment the carrier reserved); not proof the originate went out. */
  originate_sent_at: Timestamp | null;
  /** The try holding the claim: only it may write the originate. */
  claim_token: string | null;
  /** Stamped by the claiming try right before its ESL write: from here the call may exist on the switch. */
  originate_written_at: Timestamp | null;
  /** The Core-UUID of the switch the originate was written to (when the switch told it). */
  originate_core_uuid: string | null;
  started_at: Timestamp | null;
  answered_at: Timestamp | null;
  ended_at: Timestamp | null;
  ring_s: number | null;
  talk_s: number | null;
  outcome: string | null;
  sip_code: number | null;
  hangup_cause: string | null;
  core_uuid: string | null;
  disposition: string | null;
  callback_at: Timestamp | null;
  turns: number | null;
  summary: string | null;
  result: Json<Record<string, unknown>> | null;
  result_at: Timestamp | null;
  /** The dial activity waits for this answered call's post-call result itself (no signal needed). */
  result_awaited: Generated<boolean>;
  /** The voicemail message was played to an answering machine on this call. */
  voicemail_left: Generated<boolean>;
  /** The worker (worker_presence id) whose dial claimed and placed the call. */
  dialled_by: string | null;
}

export interface ActivityLogTable {
  id: Generated<string>;
  campaign_id: string;
  run_no: number;
  action: string;
  actor: string;
  details: Json<Record<string, unknown>> | null;
  at: GeneratedTimestamp;
}

export interface ExclusionsTable {
  id: Generated<string>;
  campaign_id: string;
  mobile: string | null;
  match: Json<Record<string, string>> | null;
  reason: string | null;
  actor: string | null;
  matched: Generated<number>;
  created_at: GeneratedTimestamp;
}

export interface OptOutsTable {
  phone: string;
  reason: string | null;
  /** `bot` (an opt-out disposition), `api` (one number) or `csv` (a list upload). */
  source: ColumnType<string, string | undefined, string>;
  source_attempt_id: string | null;
  created_at: GeneratedTimestamp;
}

export interface IdempotencyKeysTable {
  campaign_id: string;
  key: string;
  contact_id: string | null;
  response: Json<Record<string, unknown>> | null;
  created_at: GeneratedTimestamp;
}

export interface WebhooksTable {
  id: Generated<string>;
  campaign_id: string | null;
  url: string;
  secret: string;
  events: Generated<string[]>;
  active: Generated<boolean>;
  created_at: GeneratedTimestamp;
}

export interface WebhookDeliveriesTable {
  id: Generated<string>;
  webhook_id: string;
  event: string;
  payload: Json<Record<string, unknown>>;
  status: Generated<string>;
  tries: Generated<number>;
  last_error: string | null;
  created_at: GeneratedTimestamp;
  delivered_at: Timestamp | null;
}

/** A campaign's contact variable columns in first-upload order (the attempt report's extra columns). */
export interface CampaignVariablesTable {
  campaign_id: string;
  key: string;
  position: ColumnType<string, never, never>;
}

/** The outbox a trigger fills on every contact state change, for subscribed campaigns only. */
export interface LeadStateChangesTable {
  id: Generated<string>;
  contact_id: string;
  campaign_id: string;
  state: string;
  changed_at: GeneratedTimestamp;
}

/** One row per running worker, refreshed about every second (db/repositories/worker-presence.repository.ts). */
export interface WorkerPresenceTable {
  worker_id: string;
  hostname: string;
  pid: number;
  task_queue: string;
  started_at: GeneratedTimestamp;
  seen_at: GeneratedTimestamp;
  esl_connected: Generated<boolean>;
  esl_changed_at: Timestamp | null;
}

/** A spell during which an API instance was up and taking post-call results (policy/result-wait.ts). */
export interface ApiUptimeTable {
  instance_id: string;
  up_since: Timestamp;
  seen_at: GeneratedTimestamp;
}

/** The stall detector's active alerts: one per campaign and failing check, deleted when it clears. */
export interface CampaignAlertsTable {
  campaign_id: string;
  check_name: string;
  status: 'warn' | 'escalate';
  run_no: number;
  since: Timestamp;
  checked_at: Timestamp;
  evidence: string;
  next_step: string;
}

/** The organisation's own settings: one row. */
export interface OrganisationSettingsTable {
  id: ColumnType<boolean, boolean | undefined, never>;
  frequency_cap: Json<FrequencyCap> | null;
  updated_at: ColumnType<Date, Date | undefined, Date>;
  updated_by: string | null;
}

/** How the switch says a call of ours ended (CHANNEL_HANGUP_COMPLETE), recorded by any worker that saw it. */
export interface CallJournalTable {
  call_uuid: string;
  attempt_id: string | null;
  core_uuid: string | null;
  hangup_cause: string | null;
  sip_code: number | null;
  answered: boolean;
  started_at: Timestamp | null;
  answered_at: Timestamp | null;
  ended_at: Timestamp;
  /** The event's headers, URL-decoded: everything the outcome classifier reads. */
  headers: Json<Record<string, string>>;
  recorded_by: string;
  recorded_at: GeneratedTimestamp;
}

export interface Database {
  api_keys: ApiKeysTable;
  organisation_settings: OrganisationSettingsTable;
  bots: BotsTable;
  carriers: CarriersTable;
  numbers: NumbersTable;
  campaigns: CampaignsTable;
  campaign_numbers: CampaignNumbersTable;
  campaign_runs: CampaignRunsTable;
  contacts: ContactsTable;
  attempts: AttemptsTable;
  activity_log: ActivityLogTable;
  exclusions: ExclusionsTable;
  opt_outs: OptOutsTable;
  idempotency_keys: IdempotencyKeysTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  lead_state_changes: LeadStateChangesTable;
  campaign_variables: CampaignVariablesTable;
  worker_presence: WorkerPresenceTable;
  api_uptime: ApiUptimeTable;
  campaign_alerts: CampaignAlertsTable;
  call_journal: CallJournalTable;
  run_config_versions: RunConfigVersionsTable;
  contact_uploads: ContactUploadsTable;
  contact_upload_skips: ContactUploadSkipsTable;
}

export type Campaign = Selectable<CampaignsTable>;
export type NewCampaign = Insertable<CampaignsTable>;
export type CampaignUpdate = Updateable<CampaignsTable>;
export type Contact = Selectable<ContactsTable>;
export type NewContact = Insertable<ContactsTable>;
export type Attempt = Selectable<AttemptsTable>;
export type CampaignRun = Selectable<CampaignRunsTable>;
export type Bot = Selectable<BotsTable>;
export type Carrier = Selectable<CarriersTable>;
export type PhoneNumber = Selectable<NumbersTable>;
