import { Kysely, sql } from 'kysely';

/**
 * The whole data model the spec needs. Postgres is the system of record: Temporal decides *when*,
 * these tables say *what* and *what happened*. Migrations never import app code.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('bots')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('greeting', 'text')
    .addColumn('system_prompt', 'text')
    .addColumn('callback_enabled', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('endpoint', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('carriers')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('gateway', 'text', (c) => c.notNull())
    .addColumn('cps_limit', 'double precision')
    // The carrier's dial-rate pacing: the earliest moment the next originate on this carrier may go out.
    // Shared by every campaign on the carrier; advanced by admission inside its transaction.
    .addColumn('next_dial_slot_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('numbers')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('e164', 'text', (c) => c.notNull().unique())
    .addColumn('label', 'text')
    .addColumn('carrier_id', 'uuid', (c) => c.notNull().references('carriers.id'))
    .addColumn('inbound_only', 'boolean', (c) => c.notNull().defaultTo(false))
    // Rotation is least-recently-used first across the pool.
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('campaigns')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('bot_id', 'uuid', (c) => c.references('bots.id'))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('draft'))
    .addColumn('run_no', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('config', 'jsonb', (c) => c.notNull())
    .addColumn('completion_reason', 'text')
    // Set by the first start: name, bot and contacts lock for audit safety from then on.
    .addColumn('ever_started', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('campaign_numbers')
    .addColumn('campaign_id', 'uuid', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('number_id', 'uuid', (c) => c.notNull().references('numbers.id'))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('campaign_numbers_pk', ['campaign_id', 'number_id'])
    .execute();

  await db.schema
    .createTable('campaign_runs')
    .addColumn('campaign_id', 'uuid', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('run_no', 'integer', (c) => c.notNull())
    // prepared | running | paused | completed | failed | cancelled
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('config', 'jsonb', (c) => c.notNull())
    .addColumn('setup', 'jsonb', (c) => c.notNull())
    .addColumn('workflow_id', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('started_at', 'timestamptz')
    .addColumn('started_by', 'text')
    .addColumn('ended_at', 'timestamptz')
    .addColumn('completion_reason', 'text')
    .addColumn('stopped_by', 'text')
    .addPrimaryKeyConstraint('campaign_runs_pk', ['campaign_id', 'run_no'])
    .execute();

  await db.schema
    .createTable('contacts')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('campaign_id', 'uuid', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    // Upload order: the call list and pass 1 follow it.
    .addColumn('seq', 'bigint', (c) => c.notNull().generatedAlwaysAsIdentity())
    .addColumn('phone', 'text', (c) => c.notNull())
    .addColumn('phones', sql`text[]`, (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('email', 'text')
    .addColumn('metadata', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('csv'))
    .addColumn('added_in_run', 'integer', (c) => c.notNull().defaultTo(1))
    // The run these state columns describe; a restarted campaign resets them when its new run starts.
    .addColumn('run_no', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('pass', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('phone_index', 'integer', (c) => c.notNull().defaultTo(0))
    // 0 due callback, 1 fresh (pass 1), 2 retry: admission takes the lowest first.
    .addColumn('priority', 'smallint', (c) => c.notNull().defaultTo(1))
    // Set while the contact waits for a seat (due and ready); null while dialling, sleeping or final.
    .addColumn('ready_at', 'timestamptz')
    // When the next attempt is due (retry delay, callback, window opening): shown to operators.
    .addColumn('next_due_at', 'timestamptz')
    // Whether this run's contact workflow exists (admission then wakes it instead of starting it).
    .addColumn('workflow_started', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('last_outcome', 'text')
    .addColumn('last_disposition', 'text')
    .addColumn('last_sip_code', 'integer')
    .addColumn('last_attempt_at', 'timestamptz')
    .addColumn('callback_at', 'timestamptz')
    // requested | pending | completed | cancelled (null: no callback)
    .addColumn('callback_state', 'text')
    .addColumn('excluded_at', 'timestamptz')
    .addColumn('exclusion_reason', 'text')
    .addColumn('final_at', 'timestamptz')
    .addColumn('idempotency_key', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('contacts_campaign_phone_uq')
    .on('contacts')
    .columns(['campaign_id', 'phone'])
    .unique()
    .execute();
  await db.schema
    .createIndex('contacts_campaign_seq_idx')
    .on('contacts')
    .columns(['campaign_id', 'seq'])
    .execute();
  await db.schema
    .createIndex('contacts_campaign_state_seq_idx')
    .on('contacts')
    .columns(['campaign_id', 'state', 'seq'])
    .execute();
  // The admission query: ready contacts of one campaign in priority order.
  await db.schema
    .createIndex('contacts_admission_idx')
    .on('contacts')
    .columns(['campaign_id', 'priority', 'pass', 'ready_at', 'seq'])
    .where(sql.ref('ready_at'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('contacts_callback_idx')
    .on('contacts')
    .columns(['campaign_id', 'callback_state'])
    .where(sql.ref('callback_state'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('contacts_metadata_idx')
    .on('contacts')
    .using('gin')
    .expression(sql`metadata jsonb_path_ops`)
    .execute();

  await db.schema
    .createTable('attempts')
    // The attempt id is FreeSWITCH's origination_uuid: one id, one call, ever.
    .addColumn('attempt_id', 'uuid', (c) => c.primaryKey())
    .addColumn('campaign_id', 'uuid', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('run_no', 'integer', (c) => c.notNull())
    .addColumn('contact_id', 'uuid', (c) => c.notNull().references('contacts.id').onDelete('cascade'))
    .addColumn('attempt_no', 'integer', (c) => c.notNull())
    .addColumn('pass', 'integer', (c) => c.notNull())
    .addColumn('phone', 'text', (c) => c.notNull())
    .addColumn('phone_index', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('number_id', 'uuid', (c) => c.references('numbers.id'))
    .addColumn('from_number', 'text')
    .addColumn('carrier_id', 'uuid', (c) => c.references('carriers.id'))
    .addColumn('gateway', 'text')
    // leased | dialling | ringing | in_progress | ended
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('leased'))
    // The seat: held while ended_at is null and the lease is unexpired; the dial heartbeat renews it.
    .addColumn('lease_expires_at', 'timestamptz', (c) => c.notNull())
    // The carrier pacing slot given at admission: the originate waits for it.
    .addColumn('dial_not_before', 'timestamptz')
    // When admission handed the attempt to its contact workflow (start or wake).
    .addColumn('handed_off_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // Written before the originate is sent: a retried dial that finds it set must reconcile, not re-dial.
    .addColumn('originate_sent_at', 'timestamptz')
    .addColumn('started_at', 'timestamptz')
    .addColumn('answered_at', 'timestamptz')
    .addColumn('ended_at', 'timestamptz')
    .addColumn('ring_s', 'double precision')
    .addColumn('talk_s', 'double precision')
    .addColumn('outcome', 'text')
    .addColumn('sip_code', 'integer')
    .addColumn('hangup_cause', 'text')
    .addColumn('core_uuid', 'text')
    .addColumn('disposition', 'text')
    .addColumn('callback_at', 'timestamptz')
    .addColumn('turns', 'integer')
    .addColumn('summary', 'text')
    .addColumn('result', 'jsonb')
    .addColumn('result_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('attempts_contact_run_no_uq')
    .on('attempts')
    .columns(['contact_id', 'run_no', 'attempt_no'])
    .unique()
    .execute();
  await db.schema
    .createIndex('attempts_open_campaign_idx')
    .on('attempts')
    .columns(['campaign_id', 'status'])
    .where(sql.ref('ended_at'), 'is', null)
    .execute();
  await db.schema
    .createIndex('attempts_open_carrier_idx')
    .on('attempts')
    .column('carrier_id')
    .where(sql.ref('ended_at'), 'is', null)
    .execute();
  await db.schema
    .createIndex('attempts_report_idx')
    .on('attempts')
    .columns(['campaign_id', 'run_no', 'ended_at'])
    .execute();
  await db.schema
    .createIndex('attempts_campaign_created_idx')
    .on('attempts')
    .columns(['campaign_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('activity_log')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('campaign_id', 'uuid', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('run_no', 'integer', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('details', 'jsonb')
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('activity_log_campaign_idx')
    .on('activity_log')
    .columns(['campaign_id', 'at'])
    .execute();

  await db.schema
    .createTable('exclusions')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('campaign_id', 'uuid', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('mobile', 'text')
    .addColumn('match', 'jsonb')
    .addColumn('reason', 'text')
    .addColumn('actor', 'text')
    .addColumn('matched', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('exclusions_campaign_mobile_idx')
    .on('exclusions')
    .columns(['campaign_id', 'mobile'])
    .execute();

  await db.schema
    .createTable('opt_outs')
    .addColumn('phone', 'text', (c) => c.primaryKey())
    .addColumn('reason', 'text')
    .addColumn('source_attempt_id', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('campaign_id', 'uuid', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('contact_id', 'uuid')
    .addColumn('response', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['campaign_id', 'key'])
    .execute();

  await db.schema
    .createTable('webhooks')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    // null: the whole organisation's campaigns.
    .addColumn('campaign_id', 'uuid', (c) => c.references('campaigns.id').onDelete('cascade'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('events', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{campaign.lead.updated}'`))
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('webhook_id', 'uuid', (c) => c.notNull().references('webhooks.id').onDelete('cascade'))
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('tries', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('delivered_at', 'timestamptz')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'webhook_deliveries',
    'webhooks',
    'idempotency_keys',
    'opt_outs',
    'exclusions',
    'activity_log',
    'attempts',
    'contacts',
    'campaign_runs',
    'campaign_numbers',
    'campaigns',
    'numbers',
    'carriers',
    'bots',
    'api_keys',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
