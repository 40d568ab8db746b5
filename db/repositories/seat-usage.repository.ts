import { sql } from 'kysely';
import type { Db } from '../connection';

/**
 * Seats held against concurrency for every campaign that may dial (running or paused), for the
 * `ori_campaign_seats_*` gauges read on each scrape. One query over the open attempts only
 * (attempts_open_campaign_idx is partial on `ended_at is null`), so a scrape stays cheap however long the
 * campaigns' histories are.
 */
export interface SeatUsage {
  campaignId: string;
  concurrency: number;
  /** Calls in flight: originate sent, not ended. */
  seatsHeld: number;
  /** Leased attempts waiting for a seat or their pacing slot. */
  onDeck: number;
}

export async function seatUsage(db: Db): Promise<SeatUsage[]> {
  const rows = await db
    .selectFrom('campaigns as c')
    .leftJoin('attempts as a', (join) =>
      join.onRef('a.campaign_id', '=', 'c.id').on('a.ended_at', 'is', null),
    )
    .where('c.status', 'in', ['running', 'paused'])
    .groupBy('c.id')
    .select([
      'c.id as campaignId',
      sql<number>`max((c.config->>'concurrency')::int)`.as('concurrency'),
      sql<number>`count(a.attempt_id) filter (where a.originate_sent_at is not null)::int`.as('seatsHeld'),
      sql<number>`count(a.attempt_id) filter (where a.originate_sent_at is null)::int`.as('onDeck'),
    ])
    .execute();
  return rows.map((r) => ({
    campaignId: r.campaignId,
    concurrency: Number(r.concurrency),
    seatsHeld: Number(r.seatsHeld),
    onDeck: Number(r.onDeck),
  }));
}
