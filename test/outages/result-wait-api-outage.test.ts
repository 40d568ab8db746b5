import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app';
import { RecordingEngine } from '../../api/testing/recording-engine';
import { createContactActivities } from '../../activities/contact.activity';
import type { SwitchControl } from '../../activities/dial.activity';
import { loadSettings } from '../../config/settings';
import { apiUptimeSince } from '../../db/repositories/api-uptime.repository';
import { UPTIME_BEAT_MS, UPTIME_SLACK_MS } from '../../policy/result-wait';
import { seedRunningCampaign } from '../fixtures/seed';
import { useTestDatabase } from '../support/db';

/**
 * A listening API records its spells of being up, and a contact's wait for a post-call result does not
 * spend its grace while no API was taking results: against real Postgres and a real listening API, closed
 * for a while and opened again, the activity the contact workflow asks answers how much longer to wait.
 */

const test = useTestDatabase();
let apps: FastifyInstance[] = [];
afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
});

async function listeningApi(): Promise<FastifyInstance> {
  const app = await buildApp(
    { db: test.db, engine: new RecordingEngine(), settings: loadSettings({}) },
    { logger: false },
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  apps.push(app);
  return app;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function endedAttempt(endedAt: Date): Promise<string> {
  const seeded = await seedRunningCampaign(test.db, { contacts: 1 });
  const attemptId = randomUUID();
  await test.db
    .insertInto('attempts')
    .values({
      attempt_id: attemptId,
      campaign_id: seeded.campaignId,
      run_no: 1,
      contact_id: seeded.contactIds[0]!,
      attempt_no: 1,
      pass: 1,
      phone: '+919700000001',
      lease_expires_at: endedAt,
      status: 'ended',
      outcome: 'completed',
      answered_at: new Date(endedAt.getTime() - 30_000),
      ended_at: endedAt,
    })
    .execute();
  return attemptId;
}

describe('the post-call result wait across an API outage', () => {
  it('a listening API records one spell while up, and a new one after an outage', async () => {
    const t0 = new Date();
    expect(await apiUptimeSince(test.db, t0, UPTIME_SLACK_MS)).toBeNull();
    const app = await listeningApi();
    await sleep(UPTIME_BEAT_MS * 2.5);
    const first = await apiUptimeSince(test.db, t0, UPTIME_SLACK_MS);
    expect(first).toHaveLength(1);
    expect(first![0]!.to - first![0]!.from).toBeGreaterThanOrEqual(UPTIME_BEAT_MS);

    await app.close();
    apps = apps.filter((a) => a !== app);
    await sleep(UPTIME_BEAT_MS + UPTIME_SLACK_MS + 1_000);
    await listeningApi();
    await sleep(UPTIME_BEAT_MS / 2);
    const spells = (await apiUptimeSince(test.db, t0, UPTIME_SLACK_MS))!.sort((a, b) => a.from - b.from);
    expect(spells).toHaveLength(2);
    // The outage is a gap between them.
    expect(spells[1]!.from).toBeGreaterThan(spells[0]!.to);
  }, 60_000);

  it('asks for as much more wait as the grace lost to the outage; none once the result is stored', async () => {
    // The spells of the test above: up ~5 s, down ≥ 7 s, up since. The call ended as the first spell began.
    const spells = (await apiUptimeSince(test.db, new Date(0), UPTIME_SLACK_MS))!.sort(
      (a, b) => a.from - b.from,
    );
    const endedAt = new Date(spells[0]!.from);
    const attemptId = await endedAttempt(endedAt);
    const activities = createContactActivities({
      db: test.db,
      switch: { kill: async () => false } as unknown as SwitchControl,
    });
    const graceMs = 60_000;
    const now = Date.now();
    const down = spells[1]!.from - spells[0]!.to;
    expect(down).toBeGreaterThan(UPTIME_BEAT_MS);
    const left = await activities.resultWaitLeft(attemptId, graceMs);
    // Only the time inside the spells counted against the grace: what is left is the grace minus the
    // elapsed time, plus the outage (within a beat either way for the clocks of the two queries).
    const expected = graceMs - (now - endedAt.getTime()) + down;
    expect(Math.abs(left - expected)).toBeLessThan(UPTIME_BEAT_MS);
    expect(left).toBeGreaterThan(graceMs - (now - endedAt.getTime()));

    await test.db
      .updateTable('attempts')
      .set({ result_at: new Date(), disposition: 'COMPLETED' })
      .where('attempt_id', '=', attemptId)
      .execute();
    expect(await activities.resultWaitLeft(attemptId, graceMs)).toBe(0);
  }, 60_000);
});
