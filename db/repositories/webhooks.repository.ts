import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema';
import { invalid, notFound } from '../../policy/errors';

/**
 * Outbound webhooks (docs/rules.md "The integration surface": `campaign.lead.updated` every time a lead's
 * status changes). A subscription is for one campaign or, with `campaign_id` null, the whole organisation.
 *
 * Delivery is split so the dialler never waits on a customer's endpoint: the engine calls
 * `enqueueLeadUpdated` (one INSERT … SELECT writing one delivery row per subscription and contact, payload
 * frozen at that moment) and schedules `deliverWebhook(deliveryId)` activities
 * (activities/webhook.activity.ts), which sign, POST, record, and let Temporal retry with backoff.
 */

type AnyDb = Kysely<Database>;

export const LEAD_UPDATED = 'campaign.lead.updated';
export const WEBHOOK_EVENTS = [LEAD_UPDATED] as const;

export interface WebhookView {
  id: string;
  campaign_id: string | null;
  url: string;
  events: string[];
  active: boolean;
  created_at: string;
  /** The last four characters of the secret, so an operator can tell secrets apart. */
  secret_hint: string;
}

export interface CreatedWebhook extends WebhookView {
  /** Returned once, at creation: the receiver verifies `X-Ori-Signature` with it. */
  secret: string;
}

interface WebhookRow {
  id: string;
  campaign_id: string | null;
  url: string;
  secret: string;
  events: string[];
  active: boolean;
  created_at: Date;
}

function view(row: WebhookRow): WebhookView {
  return {
    id: row.id,
    campaign_id: row.campaign_id,
    url: row.url,
    events: row.events,
    active: row.active,
    created_at: row.created_at.toISOString(),
    secret_hint: `…${row.secret.slice(-4)}`,
  };
}

export const newWebhookSecret = (): string => `whsec_${randomBytes(24).toString('hex')}`;

export async function createWebhook(
  db: AnyDb,
  input: { url: string; campaignId: string | null; events: string[]; secret?: string },
): Promise<CreatedWebhook> {
  if (input.campaignId) {
    const c = await db
      .selectFrom('campaigns')
      .select('id')
      .where('id', '=', input.campaignId)
      .executeTakeFirst();
    if (!c) throw notFound('campaign', input.campaignId);
  }
  const secret = input.secret ?? newWebhookSecret();
  const row = await db
    .insertInto('webhooks')
    .values({ url: input.url, campaign_id: input.campaignId, secret, events: input.events })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { ...view(row), secret };
}

export async function listWebhooks(db: AnyDb, filter: { campaignId?: string }): Promise<WebhookView[]> {
  let q = db.selectFrom('webhooks').selectAll().orderBy('created_at').orderBy('id');
  if (filter.campaignId) q = q.where('campaign_id', '=', filter.campaignId);
  return (await q.execute()).map(view);
}

export async function findWebhook(db: AnyDb, id: string): Promise<WebhookView> {
  const row = await db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('webhook', id);
  return view(row);
}

export async function deleteWebhook(db: AnyDb, id: string): Promise<void> {
  const r = await db.deleteFrom('webhooks').where('id', '=', id).executeTakeFirst();
  if (Number(r.numDeletedRows) === 0) throw notFound('webhook', id);
}

// ---------------------------------------------------------------------------------------------------------
// Events

export interface LeadContact {
  id: string;
  campaign_id: string;
  phone: string;
  phones: string[];
  name: string | null;
  email: string | null;
  state: string;
  attempts: number;
  pass: number;
  run_no: number;
  last_outcome: string | null;
  last_disposition: string | null;
  callback_at: Date | null;
  callback_state: string | null;
  exclusion_reason: string | null;
  final_at: Date | null;
  metadata: Record<string, string>;
  updated_at: Date;
}

export interface LeadCampaign {
  id: string;
  name: string;
  status: string;
  run_no: number;
}

const isoOrNull = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** The `campaign.lead.updated` payload: the lead's state as the call list shows it, and its campaign. */
export function buildLeadUpdatedEvent(
  contact: LeadContact,
  campaign: LeadCampaign,
  at: Date = contact.updated_at,
) {
  return {
    event: LEAD_UPDATED,
    occurred_at: at.toISOString(),
    campaign: {
      id: campaign.id,
      short_id: campaign.id.slice(0, 8),
      name: campaign.name,
      status: campaign.status,
      run_no: campaign.run_no,
    },
    lead: {
      id: contact.id,
      phone: contact.phone,
      phones: contact.phones,
      name: contact.name,
      email: contact.email,
      state: contact.state,
      attempts: contact.attempts,
      pass: contact.pass,
      run_no: contact.run_no,
      last_result: contact.last_outcome,
      last_disposition: contact.last_disposition,
      callback_at: isoOrNull(contact.callback_at),
      callback_state: contact.callback_state,
      exclusion_reason: contact.exclusion_reason,
      final_at: isoOrNull(contact.final_at),
      metadata: contact.metadata,
    },
  };
}

export type LeadUpdatedEvent = ReturnType<typeof buildLeadUpdatedEvent>;

/**
 * Write one pending delivery per (active subscription, contact) for `campaign.lead.updated`; returns the
 * delivery ids for the engine to hand to `deliverWebhook`. Two queries whatever the number of contacts;
 * nothing is written (and nothing returned) when no subscription listens.
 */
export async function enqueueLeadUpdated(db: AnyDb, contactIds: readonly string[]): Promise<string[]> {
  if (contactIds.length === 0) return [];
  const hooks = await db
    .selectFrom('webhooks')
    .select(['id', 'campaign_id'])
    .where('active', '=', true)
    .where(sql<boolean>`${LEAD_UPDATED} = any(events)`)
    .execute();
  if (hooks.length === 0) return [];
  const contacts = await db
    .selectFrom('contacts as c')
    .innerJoin('campaigns as k', 'k.id', 'c.campaign_id')
    .select([
      'c.id',
      'c.campaign_id',
      'c.phone',
      'c.phones',
      'c.name',
      'c.email',
      'c.state',
      'c.attempts',
      'c.pass',
      'c.run_no',
      'c.last_outcome',
      'c.last_disposition',
      'c.callback_at',
      'c.callback_state',
      'c.exclusion_reason',
      'c.final_at',
      'c.metadata',
      'c.updated_at',
      'k.name as campaign_name',
      'k.status as campaign_status',
      'k.run_no as campaign_run_no',
    ])
    .where('c.id', 'in', [...contactIds])
    .execute();
  const rows: { webhook_id: string; event: string; payload: string }[] = [];
  for (const c of contacts) {
    const payload = JSON.stringify(
      buildLeadUpdatedEvent(c, {
        id: c.campaign_id,
        name: c.campaign_name,
        status: c.campaign_status,
        run_no: c.campaign_run_no,
      }),
    );
    for (const h of hooks) {
      if (h.campaign_id === null || h.campaign_id === c.campaign_id) {
        rows.push({ webhook_id: h.id, event: LEAD_UPDATED, payload });
      }
    }
  }
  if (rows.length === 0) return [];
  const inserted = await db.insertInto('webhook_deliveries').values(rows).returning('id').execute();
  return inserted.map((r) => r.id);
}

// ---------------------------------------------------------------------------------------------------------
// Delivery bookkeeping (activities/webhook.activity.ts)

export interface DeliveryJob {
  id: string;
  event: string;
  payload: Record<string, unknown>;
  status: string;
  tries: number;
  url: string;
  secret: string;
  active: boolean;
}

export async function loadDelivery(db: AnyDb, deliveryId: string): Promise<DeliveryJob | null> {
  const row = await db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
    .select(['d.id', 'd.event', 'd.payload', 'd.status', 'd.tries', 'w.url', 'w.secret', 'w.active'])
    .where('d.id', '=', deliveryId)
    .executeTakeFirst();
  return row ?? null;
}

export async function recordDeliveryAttempt(
  db: AnyDb,
  deliveryId: string,
  outcome: { delivered: true; at: Date } | { delivered: false; error: string },
): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set((eb) => ({
      tries: eb('tries', '+', 1),
      status: outcome.delivered ? 'delivered' : 'failing',
      delivered_at: outcome.delivered ? outcome.at : null,
      last_error: outcome.delivered ? null : outcome.error.slice(0, 1000),
    }))
    .where('id', '=', deliveryId)
    .where('status', '!=', 'delivered')
    .execute();
}

export async function markDeliverySkipped(db: AnyDb, deliveryId: string, reason: string): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({ status: 'skipped', last_error: reason })
    .where('id', '=', deliveryId)
    .where('status', '!=', 'delivered')
    .execute();
}

/** Guard used by the routes: only known event names may be subscribed. */
export function assertKnownEvents(events: readonly string[]): void {
  const unknown = events.filter((e) => !(WEBHOOK_EVENTS as readonly string[]).includes(e));
  if (unknown.length > 0) {
    throw invalid([
      {
        field: 'events',
        message: `unknown event(s): ${unknown.join(', ')}; known: ${WEBHOOK_EVENTS.join(', ')}`,
      },
    ]);
  }
}
