import { contactTimezones, localClock } from '../../policy/contact-timezone';
import { CompiledQuery, sql, type Kysely } from 'kysely';
import type { CallbackState, CampaignStatus, Database } from '../schema';
import { FINAL_STATES, WAITING_STATES, type ContactState } from '../../policy/contact-state';
import type { CampaignConfig } from '../../policy/campaign-config';
import { notFound } from '../../policy/errors';
import { decisionsAfter, type AttemptDecision } from '../../policy/attempt-story';
import { answerWithoutAdmissionSql, type TriggerAnswer } from '../../policy/trigger-answer';

/**
 * Contacts as the API reads and writes them one at a time: the call list, the trigger API's upsert, the
 * variable registry. Bulk upload is contact-import.repository.ts.
 *
 * A restarted campaign keeps the previous run's state columns on its contacts until the new run starts
 * (runs.repository.ts resets them then). Everything here reads a contact whose `run_no` is below the
 * campaign's as what the start will make of it: pending with no attempts (excluded when sticky).
 */

type AnyDb = Kysely<Database>;

export interface CampaignBasics {
  id: string;
  status: CampaignStatus;
  run_no: number;
  ever_started: boolean;
  config: CampaignConfig;
}

export async function findCampaignBasics(db: AnyDb, campaignId: string): Promise<CampaignBasics> {
  const row = await db
    .selectFrom('campaigns')
    .select(['id', 'status', 'run_no', 'ever_started', 'config'])
    .where('id', '=', campaignId)
    .executeTakeFirst();
  if (!row) throw notFound('campaign', campaignId);
  return row;
}

// ---------------------------------------------------------------------------------------------------------
// Variable registry (migration 2026-11-23T0200): metadata keys in order of first appearance.

/** Register metadata keys in the given order; keys already known keep their earlier position. */
export async function registerVariables(
  db: AnyDb,
  campaignId: string,
  keys: readonly string[],
): Promise<void> {
  if (keys.length === 0) return;
  await sql`
    insert into campaign_variables (campaign_id, key)
    select ${campaignId}::uuid, k from unnest(${[...keys]}::text[]) with ordinality as t(k, o)
    order by o
    on conflict do nothing`.execute(db);
}

/**
 * The campaign's variable columns in first-appearance order. Contacts written without the registry
 * (a clone copies contacts, not the registry) are found by a scan, ordered by the first contact using them.
 */
export async function variableKeys(db: AnyDb, campaignId: string): Promise<string[]> {
  const { rows } = await sql<{ key: string }>`
    select key from campaign_variables where campaign_id = ${campaignId} order by position`.execute(db);
  if (rows.length > 0) return rows.map((r) => r.key);
  const { rows: scanned } = await sql<{ key: string }>`
    select k.key from contacts c cross join lateral jsonb_object_keys(c.metadata) as k(key)
    where c.campaign_id = ${campaignId}
    group by k.key order by min(c.seq), k.key`.execute(db);
  return scanned.map((r) => r.key);
}

// ---------------------------------------------------------------------------------------------------------
// Call list

export const CALLBACK_FILTERS = ['requested', 'pending', 'completed', 'cancelled'] as const;
export type CallbackFilter = (typeof CALLBACK_FILTERS)[number];

/** The call list's orders: upload order, latest attempt first, soonest due first, most dials first, name. */
export const CALL_LIST_SORTS = ['upload', 'recent', 'next_due', 'attempts', 'name'] as const;
export type CallListSort = (typeof CALL_LIST_SORTS)[number];

export interface CallListQuery {
  page: number;
  perPage: number;
  states?: ContactState[];
  callback?: CallbackFilter;
  /** The latest attempt's system outcome (completed, no_answer, rejected …). */
  outcome?: string;
  /** The latest post-call disposition (INTERESTED, CALLBACK …), case-insensitive. */
  disposition?: string;
  sort?: CallListSort;
  /** One contact only (the contact drawer). */
  contactId?: string;
  /** Any of the contact's numbers: exactly one of these E.164 numbers, or containing these digits. */
  phone?: { e164s: string[] } | { digits: string };
}

export interface TrailEntry {
  attempt_no: number;
  attempt_id: string;
  outcome: string | null;
  sip_code: number | null;
  at: string;
  status: string;
  disposition: string | null;
  pass: number;
  /** The number dialled (one of the contact's phones) and the caller id it went out from. */
  phone: string;
  from_number: string | null;
  /** A dial the customer asked for: it does not count against max_attempts. */
  is_callback: boolean;
}

export interface CallListItem {
  id: string;
  phone: string;
  phones: string[];
  name: string | null;
  email: string | null;
  state: ContactState;
  /** Every dial of this run, callbacks included. */
  attempts: number;
  /**
   * What counts against max_attempts: the passes dialled (max_attempts counts passes per phone, and a
   * callback keeps its pass), so `attempts_used/max_attempts` never reads "6/3".
   */
  attempts_used: number;
  callback_dials: number;
  max_attempts: number;
  /** The pass the contact is in and the phone (index into `phones`) it is on. */
  pass: number;
  phone_index: number;
  last_result: string | null;
  last_disposition: string | null;
  callback_at: string | null;
  callback_state: CallbackState | null;
  next_due_at: string | null;
  /** The zone its recipient hours are judged in (its own, else the campaign's) and the time there now. */
  timezone: string;
  local_time: string;
  /** What holds it back until next_due_at besides its schedule (`frequency_cap`, `recipient_hours`). */
  held_by: string | null;
  metadata: Record<string, string>;
  attempt_trail: TrailEntry[];
  /** Whether the contact has a workflow in the current run (it was admitted at least once). */
  has_workflow: boolean;
}

export interface CallList {
  items: CallListItem[];
  page: number;
  per_page: number;
  total: number;
}

/**
 * Filters over the *effective* state (see the module comment): contacts of the current run by their
 * columns (index contacts_campaign_state_seq_idx, contacts_callback_idx), contacts of an earlier run as
 * the coming start will set them.
 */
function callListFilter(campaignId: string, runNo: number, sticky: boolean, q: CallListQuery) {
  const keepExcluded = sticky ? sql`(c.state = 'excluded' or c.excluded_at is not null)` : sql`false`;
  const parts = [sql`c.campaign_id = ${campaignId}`];
  if (q.states && q.states.length > 0) {
    const old: string[] = [];
    if (q.states.includes('pending')) old.push('pending');
    if (q.states.includes('excluded')) old.push('excluded');
    const oldMatch =
      old.length === 0
        ? sql`false`
        : sql`(case when ${keepExcluded} then 'excluded' else 'pending' end) = any(${old}::text[])`;
    parts.push(
      sql`((c.run_no >= ${runNo} and c.state = any(${q.states}::text[])) or (c.run_no < ${runNo} and ${oldMatch}))`,
    );
  }
  if (q.callback) {
    parts.push(
      q.callback === 'requested'
        ? sql`(c.run_no >= ${runNo} and c.callback_state is not null)`
        : sql`(c.run_no >= ${runNo} and c.callback_state = ${q.callback})`,
    );
  }
  if (q.contactId) parts.push(sql`c.id = ${q.contactId}`);
  if (q.outcome) parts.push(sql`(c.run_no >= ${runNo} and c.last_outcome = ${q.outcome})`);
  if (q.disposition)
    parts.push(sql`(c.run_no >= ${runNo} and upper(c.last_disposition) = upper(${q.disposition}))`);
  if (q.phone) {
    parts.push(
      'e164s' in q.phone
        ? sql`c.phones && ${q.phone.e164s}::text[]`
        : sql`exists (select 1 from unnest(c.phones) as p(n) where p.n like ${`%${q.phone.digits}%`})`,
    );
  }
  return sql.join(parts, sql` and `);
}

function callListOrder(sort: CallListSort, runNo: number) {
  const current = sql`(c.run_no >= ${runNo})`;
  switch (sort) {
    case 'recent':
      return sql`case when ${current} then c.last_attempt_at end desc nulls last, c.seq`;
    case 'next_due':
      return sql`case when ${current} then c.next_due_at end asc nulls last, c.seq`;
    case 'attempts':
      return sql`case when ${current} then c.attempts else 0 end desc, c.seq`;
    case 'name':
      return sql`c.name asc nulls last, c.seq`;
    case 'upload':
      return sql`c.seq`;
  }
}

export async function listContacts(db: AnyDb, campaign: CampaignBasics, q: CallListQuery): Promise<CallList> {
  const runNo = campaign.run_no;
  const now = new Date();
  const sticky = Boolean(campaign.config.sticky_exclusion);
  const where = callListFilter(campaign.id, runNo, sticky, q);
  const keepExcluded = sticky ? sql`(c.state = 'excluded' or c.excluded_at is not null)` : sql`false`;
  const offset = (q.page - 1) * q.perPage;

  const [{ rows }, { rows: totals }] = await Promise.all([
    sql<{
      id: string;
      phone: string;
      phones: string[];
      name: string | null;
      email: string | null;
      metadata: Record<string, string>;
      timezones: string[] | null;
      state: ContactState;
      attempts: number;
      last_outcome: string | null;
      last_disposition: string | null;
      callback_at: Date | null;
      callback_state: CallbackState | null;
      next_due_at: Date | null;
      held_by: string | null;
      pass: number;
      phone_index: number;
      current: boolean;
      has_workflow: boolean;
    }>`
      select c.id, c.phone, c.phones, c.name, c.email, c.metadata, c.timezones,
        c.run_no >= ${runNo} as current,
        c.run_no >= ${runNo} and (c.workflow_started or c.attempts > 0) as has_workflow,
        case when c.run_no >= ${runNo} then c.state
             when ${keepExcluded} then 'excluded' else 'pending' end as state,
        case when c.run_no >= ${runNo} then c.attempts else 0 end as attempts,
        case when c.run_no >= ${runNo} then c.last_outcome end as last_outcome,
        case when c.run_no >= ${runNo} then c.last_disposition end as last_disposition,
        case when c.run_no >= ${runNo} then c.callback_at end as callback_at,
        case when c.run_no >= ${runNo} then c.callback_state end as callback_state,
        case when c.run_no >= ${runNo} then c.next_due_at end as next_due_at,
        case when c.run_no >= ${runNo} then c.held_by end as held_by,
        case when c.run_no >= ${runNo} then c.pass else 1 end as pass,
        case when c.run_no >= ${runNo} then c.phone_index else 0 end as phone_index
      from contacts c
      where ${where}
      order by ${callListOrder(q.sort ?? 'upload', runNo)}
      limit ${q.perPage} offset ${offset}`.execute(db),
    sql<{ n: number }>`select count(*)::int as n from contacts c where ${where}`.execute(db),
  ]);

  const currentIds = rows.filter((r) => r.current).map((r) => r.id);
  const trails = new Map<string, TrailEntry[]>();
  if (currentIds.length > 0) {
    // attempts_contact_run_no_uq (contact_id, run_no, attempt_no): one index range per contact.
    const attempts = await db
      .selectFrom('attempts')
      .select([
        'contact_id',
        'attempt_no',
        'attempt_id',
        'outcome',
        'sip_code',
        'status',
        'disposition',
        'pass',
        'phone',
        'from_number',
        'admit_priority',
        sql<Date>`coalesce(started_at, originate_sent_at, created_at)`.as('at'),
      ])
      .where('contact_id', 'in', currentIds)
      .where('run_no', '=', runNo)
      .orderBy('contact_id')
      .orderBy('attempt_no')
      .execute();
    for (const a of attempts) {
      const list = trails.get(a.contact_id) ?? [];
      list.push({
        attempt_no: a.attempt_no,
        attempt_id: a.attempt_id,
        outcome: a.outcome,
        sip_code: a.sip_code,
        at: a.at.toISOString(),
        status: a.status,
        disposition: a.disposition,
        pass: a.pass,
        phone: a.phone,
        from_number: a.from_number,
        is_callback: a.admit_priority === 0,
      });
      trails.set(a.contact_id, list);
    }
  }

  const maxAttempts = campaign.config.max_attempts;
  return {
    items: rows.map((r) => {
      const trail = trails.get(r.id) ?? [];
      const lastFinished = [...trail].reverse().find((t) => t.outcome !== null);
      return {
        id: r.id,
        phone: r.phone,
        phones: r.phones,
        name: r.name,
        email: r.email,
        state: r.state,
        attempts: r.attempts,
        attempts_used: trail.reduce((n, t) => Math.max(n, t.pass), 0),
        callback_dials: trail.filter((t) => t.is_callback).length,
        max_attempts: maxAttempts,
        pass: r.pass,
        phone_index: r.phone_index,
        // The system outcome of the latest finished attempt (the disposition is its own field).
        last_result: r.last_outcome ?? lastFinished?.outcome ?? null,
        last_disposition: r.last_disposition ?? lastFinished?.disposition ?? null,
        callback_at: r.callback_at ? r.callback_at.toISOString() : null,
        callback_state: r.callback_state,
        next_due_at: r.next_due_at ? r.next_due_at.toISOString() : null,
        ...localClock(contactTimezones(r.timezones, r.metadata, campaign.config.window.timezone), now),
        held_by: r.held_by,
        metadata: r.metadata,
        attempt_trail: trail,
        has_workflow: r.has_workflow,
      };
    }),
    page: q.page,
    per_page: q.perPage,
    total: totals[0]?.n ?? 0,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Trigger API: one contact, added or re-used, in one statement

export interface TriggerCampaign {
  status: CampaignStatus;
  run_no: number;
  config: CampaignConfig;
  /** Seats in use (open, unexpired attempts): lets the trigger skip the admission lock when full. */
  seats_in_use: number;
  /** The stored answer for this idempotency key, if one was stored. */
  stored_response: Record<string, unknown> | null;
  /** True when the key row exists (its answer may still be in the making). */
  key_exists: boolean;
  key_created_at: Date | null;
}

/** Campaign, its seat usage and the idempotency key's stored answer: one round trip. */
export async function loadTriggerCampaign(
  db: AnyDb,
  campaignId: string,
  key: string | null,
  now: Date,
): Promise<TriggerCampaign | null> {
  const rows = await executePrepared<TriggerCampaign>(
    db,
    'ori_trigger_campaign_v1',
    LOAD_TRIGGER_CAMPAIGN_SQL,
    [campaignId, key, now],
  );
  return rows[0] ?? null;
}

export interface TriggerUpsert {
  campaignId: string;
  phone: string;
  metadata: Record<string, string>;
  runNo: number;
  sticky: boolean;
  /** Set on new and re-activated contacts when the run is live (running/paused); null for a draft. */
  readyAt: Date | null;
  now: Date;
  idempotencyKey: string | null;
  /** Claim the idempotency key in the same statement; nothing is written when someone else holds it. */
  claimKey: boolean;
  /**
   * With `claimKey`: admission may give the contact a seat now (a running run with a free seat), so its
   * answer is stored later; otherwise the answer is stored with the key.
   */
  mayAdmitNow: boolean;
  /** The zones its recipient hours are judged in (policy/contact-timezone.ts `timezonesToStore`). */
  timezones: string[];
}

export interface TriggeredContact {
  id: string;
  state: ContactState;
  run_no: number;
  excluded_at: Date | null;
  inserted: boolean;
  opted_out: boolean;
  /** The campaign has sticky exclusion and this number was excluded from it (whatever the contact's state). */
  sticky_excluded: boolean;
  ready: boolean;
  /** With `claimKey`: the answer stored with the key, or null when admission must be asked first. */
  stored_response: TriggerAnswer | null;
}

/** Advisory-lock key prefix of a campaign's insert fence (see contact-import.repository.ts). */
export const INSERT_FENCE_PREFIX = 'ori:contacts:';

const FINAL_LIST = FINAL_STATES.map((st) => `'${st}'`).join(', ');
const WAITING_LIST = WAITING_STATES.map((st) => `'${st}'`).join(', ');

/**
 * A statement under a name: pg parses and plans it once per connection and then only binds parameters.
 * The trigger's statements are fixed text for that reason (≥ 2,000 req/s: re-parsing a 4 KB CTE on every
 * request costs more than running it). Kysely hands `sql` to pg's `client.query()`, which accepts a
 * `{name, text}` config there; the rows come back as from any other query.
 */
async function executePrepared<R>(db: AnyDb, name: string, text: string, params: unknown[]): Promise<R[]> {
  const compiled = CompiledQuery.raw(text, params);
  const result = await db.executeQuery<R>({ ...compiled, sql: { name, text } as unknown as string });
  return result.rows;
}

const LOAD_TRIGGER_CAMPAIGN_SQL = `
  select c.status, c.run_no, c.config,
    (select count(*)::int from attempts a
      where a.campaign_id = c.id and a.ended_at is null and a.lease_expires_at > $3::timestamptz) as seats_in_use,
    k.response as stored_response, k.key is not null as key_exists, k.created_at as key_created_at
  from campaigns c
  left join idempotency_keys k on k.campaign_id = c.id and k.key = $2::text
  where c.id = $1::uuid`;

/**
 * $1 campaign, $2 phone, $3 metadata (json), $4 run_no, $5 sticky, $6 ready_at, $7 now,
 * $8 idempotency key, $9 metadata keys in order, $10 the contact's zones; with `claimKey`, $11 whether
 * admission may give a seat now.
 */
function upsertSql(claimKey: boolean): string {
  // The trigger's number is opted out or sticky-excluded: the new row is born excluded, an existing one
  // is left as it is (EXCLUDED.state carries that decision into DO UPDATE).
  const suppressedExisting = `(excluded.state = 'excluded' or ($5::boolean and (c.state = 'excluded' or c.excluded_at is not null)))`;
  const reactivate = `(c.run_no >= $4::int and c.state in (${FINAL_LIST}) and not ${suppressedExisting})`;
  const optOutNow = `(excluded.exclusion_reason = 'opted out' and c.run_no >= $4::int and c.state in (${WAITING_LIST}))`;
  // The key is claimed by the same statement that writes the contact, with the answer when it needs no
  // admission (a draft, a paused or full run, a suppression): one statement, one commit. A plain insert, so
  // a concurrent request with the same key waits on the primary key for this one and then fails with a
  // unique violation that rolls its contact write back (never a second contact for one key).
  const answer = answerWithoutAdmissionSql({
    opted: 'f.opted',
    stickyExcluded: 'f.sticky_excluded',
    state: 'up.state',
    excludedAt: 'up.excluded_at',
    sticky: '$5::boolean',
    mayAdmit: '$11::boolean',
    contactId: 'up.id',
  });
  const keyed = claimKey
    ? `, keyed as (
      insert into idempotency_keys (campaign_id, key, created_at, contact_id, response)
      select $1::uuid, $8::text, $7::timestamptz, up.id, ${answer} from up, flags f
      returning response)`
    : '';
  return `
    with fence as (select pg_advisory_xact_lock_shared(hashtextextended('${INSERT_FENCE_PREFIX}' || $1::text, 0)) as ok),
    flags as (
      select exists (select 1 from opt_outs where phone = $2::text) as opted,
             $5::boolean and exists (select 1 from exclusions where campaign_id = $1::uuid and mobile = $2::text)
               as sticky_excluded
    ),
    vars as (
      insert into campaign_variables (campaign_id, key)
      select $1::uuid, k from unnest($9::text[]) with ordinality as t(k, o)
      order by o on conflict do nothing
    ),
    up as (
      insert into contacts as c (campaign_id, phone, phones, metadata, timezones, source, added_in_run, run_no,
                                 state, ready_at, final_at, excluded_at, exclusion_reason, idempotency_key)
      select $1::uuid, $2::text, array[$2::text], $3::jsonb, $10::text[], 'api', $4::int, $4::int,
             case when f.opted or f.sticky_excluded then 'excluded' else 'pending' end,
             case when f.opted or f.sticky_excluded then null else $6::timestamptz end,
             case when f.opted or f.sticky_excluded then $7::timestamptz end,
             case when f.opted or f.sticky_excluded then $7::timestamptz end,
             case when f.opted then 'opted out' when f.sticky_excluded then 'excluded (sticky exclusion)' end,
             $8::text
      from flags f, fence
      on conflict (campaign_id, phone) do update set
        metadata = c.metadata || excluded.metadata,
        timezones = case when excluded.metadata ? 'timezone' or c.timezones is null then excluded.timezones
                         else c.timezones end,
        idempotency_key = coalesce(c.idempotency_key, excluded.idempotency_key),
        state = case when ${optOutNow} then 'excluded' when ${reactivate} then 'pending' else c.state end,
        ready_at = case when ${optOutNow} then null when ${reactivate} then $6::timestamptz else c.ready_at end,
        final_at = case when ${optOutNow} then $7::timestamptz when ${reactivate} then null else c.final_at end,
        next_due_at = case when ${optOutNow} or ${reactivate} then null else c.next_due_at end,
        workflow_started = case when ${reactivate} then false else c.workflow_started end,
        excluded_at = case when ${optOutNow} then $7::timestamptz
                           when ${suppressedExisting} then c.excluded_at else null end,
        exclusion_reason = case when ${optOutNow} then 'opted out'
                                when ${suppressedExisting} then c.exclusion_reason else null end,
        updated_at = $7::timestamptz
      returning c.id, c.state, c.run_no, c.excluded_at, c.ready_at is not null as ready, (xmax = 0) as inserted
    )${keyed}
    select up.*, (select opted from flags) as opted_out, (select sticky_excluded from flags) as sticky_excluded,
           ${claimKey ? '(select response from keyed)' : 'null::jsonb'} as stored_response
    from up`;
}
const UPSERT_SQL = { claim: upsertSql(true), plain: upsertSql(false) };

/**
 * Add the contact, or re-use the campaign's contact with that number (never a duplicate: the unique
 * (campaign_id, phone) index decides races). An existing contact is updated as a deliberate re-add:
 * - suppressed (opted out, or excluded with sticky exclusion): left as it is; an opted-out contact that
 *   was still waiting is excluded now instead of at its next admission;
 * - in a final state of the current run (excluded without sticky, or finished): re-activated as pending;
 * - waiting or in flight: its exclusion mark (if any, non-sticky) is cleared; its schedule is kept;
 * - metadata is merged (the trigger's values win).
 * The statement takes the campaign's insert fence shared (see contact-import.repository.ts) and registers
 * the metadata keys as campaign variables. Returns null when `claimKey` lost the key to a concurrent request.
 */
export async function upsertTriggeredContact(db: AnyDb, u: TriggerUpsert): Promise<TriggeredContact | null> {
  const params = [
    u.campaignId,
    u.phone,
    JSON.stringify(u.metadata),
    u.runNo,
    u.sticky,
    u.readyAt,
    u.now,
    u.idempotencyKey,
    Object.keys(u.metadata),
    u.timezones,
  ];
  let rows: TriggeredContact[];
  try {
    rows = u.claimKey
      ? await executePrepared<TriggeredContact>(db, 'ori_trigger_upsert_keyed_v4', UPSERT_SQL.claim, [
          ...params,
          u.mayAdmitNow,
        ])
      : await executePrepared<TriggeredContact>(db, 'ori_trigger_upsert_v4', UPSERT_SQL.plain, params);
  } catch (err) {
    if (isConstraintViolation(err, IDEMPOTENCY_KEYS_PK)) return null;
    throw err;
  }
  const row = rows[0];
  if (!row) throw new Error('the trigger upsert returned no contact');
  return {
    id: row.id,
    state: row.state,
    run_no: row.run_no,
    excluded_at: row.excluded_at,
    inserted: row.inserted,
    opted_out: row.opted_out,
    sticky_excluded: row.sticky_excluded,
    ready: row.ready,
    stored_response: row.stored_response,
  };
}

const IDEMPOTENCY_KEYS_PK = 'idempotency_keys_pk';

function isConstraintViolation(err: unknown, constraint: string): boolean {
  const e = err as { code?: unknown; constraint?: unknown } | null;
  return e?.code === '23505' && e.constraint === constraint;
}

// ---------------------------------------------------------------------------------------------------------
// One contact's whole story (the console's contact drawer).

export interface StoryAttemptRow {
  attempt_no: number;
  attempt_id: string;
  pass: number;
  phone: string;
  from_number: string | null;
  is_callback: boolean;
  started_at: string;
  answered_at: string | null;
  ended_at: string | null;
  ring_s: number | null;
  talk_s: number | null;
  outcome: string | null;
  sip_code: number | null;
  hangup_cause: string | null;
  disposition: string | null;
  summary: string | null;
  callback_at: string | null;
  /** What was decided after this attempt (policy/attempt-story.ts). */
  decision: AttemptDecision;
}

export interface ContactStory {
  contact: CallListItem;
  attempts: StoryAttemptRow[];
}

/** The contact as the call list shows it, and every attempt of the current run with what followed it. */
export async function contactStory(
  db: AnyDb,
  campaign: CampaignBasics,
  contactId: string,
): Promise<ContactStory> {
  const listed = await listContacts(db, campaign, { page: 1, perPage: 1, contactId });
  const contact = listed.items[0];
  if (!contact) throw notFound('contact', contactId);
  const attempts = await db
    .selectFrom('attempts')
    .select([
      'attempt_no',
      'attempt_id',
      'pass',
      'phone',
      'from_number',
      'admit_priority',
      sql<Date>`coalesce(started_at, originate_sent_at, created_at)`.as('at'),
      'answered_at',
      'ended_at',
      'ring_s',
      'talk_s',
      'outcome',
      'sip_code',
      'hangup_cause',
      'disposition',
      'summary',
      'callback_at',
    ])
    .where('contact_id', '=', contactId)
    .where('run_no', '=', campaign.run_no)
    .orderBy('attempt_no')
    .execute();
  const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);
  const decisions = decisionsAfter(
    attempts.map((a) => ({
      pass: a.pass,
      phone: a.phone,
      is_callback: a.admit_priority === 0,
      ended: a.ended_at !== null,
    })),
    contact,
  );
  return {
    contact,
    attempts: attempts.map((a, i) => ({
      attempt_no: a.attempt_no,
      attempt_id: a.attempt_id,
      pass: a.pass,
      phone: a.phone,
      from_number: a.from_number,
      is_callback: a.admit_priority === 0,
      started_at: a.at.toISOString(),
      answered_at: iso(a.answered_at),
      ended_at: iso(a.ended_at),
      ring_s: a.ring_s === null ? null : Number(a.ring_s),
      talk_s: a.talk_s === null ? null : Number(a.talk_s),
      outcome: a.outcome,
      sip_code: a.sip_code,
      hangup_cause: a.hangup_cause,
      disposition: a.disposition,
      summary: a.summary,
      callback_at: iso(a.callback_at),
      decision: decisions[i] ?? { kind: 'final', due_at: null, final_state: contact.state },
    })),
  };
}
