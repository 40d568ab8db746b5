import type { Db } from '../connection';
import { buildLeadUpdatedEvent, LEAD_UPDATED } from './webhooks.repository';

/**
 * Drains the contact-state outbox into webhook deliveries, in one transaction: each outbox row becomes one
 * `campaign.lead.updated` delivery per matching subscription, carrying the state the contact had at that
 * change (not whatever it has now), so a receiver sees every step of the lead. SKIP LOCKED lets several
 * workers drain side by side.
 */
export async function drainLeadChanges(db: Db, limit = 500): Promise<string[]> {
  return db.transaction().execute(async (tx) => {
    const changes = await tx
      .selectFrom('lead_state_changes')
      .selectAll()
      .orderBy('id')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute();
    if (changes.length === 0) return [];
    await tx
      .deleteFrom('lead_state_changes')
      .where(
        'id',
        'in',
        changes.map((c) => c.id),
      )
      .execute();
    const hooks = await tx
      .selectFrom('webhooks')
      .select(['id', 'campaign_id'])
      .where('active', '=', true)
      .execute();
    const contactIds = [...new Set(changes.map((c) => c.contact_id))];
    const contacts = await tx
      .selectFrom('contacts as c')
      .innerJoin('campaigns as k', 'k.id', 'c.campaign_id')
      .selectAll('c')
      .select(['k.name as campaign_name', 'k.status as campaign_status', 'k.run_no as campaign_run_no'])
      .where('c.id', 'in', contactIds)
      .execute();
    const byId = new Map(contacts.map((c) => [c.id, c]));
    const rows: { webhook_id: string; event: string; payload: string }[] = [];
    for (const change of changes) {
      const c = byId.get(change.contact_id);
      if (!c) continue; // the contact was deleted with its draft campaign
      const payload = JSON.stringify(
        buildLeadUpdatedEvent(
          { ...c, state: change.state },
          { id: c.campaign_id, name: c.campaign_name, status: c.campaign_status, run_no: c.campaign_run_no },
          change.changed_at,
        ),
      );
      for (const h of hooks) {
        if (h.campaign_id === null || h.campaign_id === c.campaign_id) {
          rows.push({ webhook_id: h.id, event: LEAD_UPDATED, payload });
        }
      }
    }
    if (rows.length === 0) return [];
    const inserted = await tx.insertInto('webhook_deliveries').values(rows).returning('id').execute();
    return inserted.map((r) => r.id);
  });
}

/** Deliveries never tried for a while: their workflow start may have been lost (a crash after commit). */
export async function staleUndeliveredIds(db: Db, olderThan: Date, limit = 500): Promise<string[]> {
  const rows = await db
    .selectFrom('webhook_deliveries')
    .select('id')
    .where('status', '=', 'pending')
    .where('created_at', '<', olderThan)
    .orderBy('created_at')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}
