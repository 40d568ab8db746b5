import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { Registry } from 'prom-client';
import { useApiHarness } from '../api/testing/harness';
import {
  addAttempt,
  API,
  contactsOf,
  createCampaign,
  startCampaign,
  uploadCsv,
} from '../api/routes/contacts.testkit';
import { createLogger } from '../observability/log';
import { StallDetector } from './stall-detector';

/**
 * The detector's rounds against a real Postgres: alerts raised into the table (and `live`), kept with their
 * `since` while the condition lasts, cleared when it ends, each change logged with the campaign id and
 * counted; one round at a time across detectors. The same on the whole stack: test/e2e/diagnose.e2e.test.ts.
 */

const h = useApiHarness();

const polled = () =>
  ['ori-dialler', 'ori-dialler-runs', 'ori-dialler-webhooks'].flatMap((taskQueue) =>
    (['workflow', 'activity'] as const).map((kind) => ({
      taskQueue,
      kind,
      pollers: [{ identity: 'w', lastAccessAt: new Date() }],
    })),
  );

function detector(lines: string[], registry: Registry, now: () => Date = () => new Date()) {
  return new StallDetector({
    db: h.db,
    engine: { taskQueuePollers: () => Promise.resolve(polled()), runState: (run) => h.engine.runState(run) },
    timings: { ringTimeoutS: 30, maxCallS: 60 },
    log: createLogger({ level: 'info', write: (l) => void lines.push(l) }),
    registry,
    now,
  });
}

describe('StallDetector', () => {
  it('raises a stalled call into live, keeps its since, clears it when the call ends; logs and counts each', async () => {
    const c = await createCampaign(h, { window: { start: '00:00', end: '23:59', timezone: 'UTC' } });
    await uploadCsv(h, c.id, 'phone_number\n+919811100001\n');
    await startCampaign(h, c.id);
    const [contact] = await contactsOf(h.db, c.id);
    if (!contact) throw new Error('no contact');
    const attemptId = await addAttempt(h.db, {
      campaignId: c.id,
      contactId: contact.id,
      attemptNo: 1,
      phone: contact.phone,
      createdAt: new Date(Date.now() - 200_000), // past ring 30 s + longest call 60 s
      status: 'in_progress',
    });
    const lines: string[] = [];
    const registry = new Registry();
    const d = detector(lines, registry);

    const first = await d.round();
    expect(first.ran).toBe(true);
    expect(first.raised.map((a) => [a.campaign_id, a.check, a.status])).toContainEqual([
      c.id,
      'stalled_in_flight',
      'escalate',
    ]);
    const live = await h.get(`${API}/campaigns/${c.id}/live`);
    const alert = live.body.alerts.find((a: { check: string }) => a.check === 'stalled_in_flight');
    expect(alert).toMatchObject({
      status: 'escalate',
      evidence: expect.stringContaining('1 call in flight'),
    });
    const raisedLine = lines.map((l) => JSON.parse(l)).find((l) => l.check === 'stalled_in_flight');
    expect(raisedLine).toMatchObject({ msg: 'alert raised', level: 'warn', campaign_id: c.id, run_no: 1 });
    const metrics = await registry.metrics();
    expect(metrics).toContain(
      `ori_alerts_active{campaign_id="${c.id}",check="stalled_in_flight",status="escalate"} 1`,
    );
    expect(metrics).toContain('ori_alerts_raised_total{check="stalled_in_flight",status="escalate"} 1');

    // Still stalled: the same alert, the same since, nothing raised again.
    const second = await d.round();
    expect(second.raised.find((a) => a.check === 'stalled_in_flight')).toBeUndefined();
    const again = await h.get(`${API}/campaigns/${c.id}/live`);
    expect(again.body.alerts.find((a: { check: string }) => a.check === 'stalled_in_flight').since).toBe(
      alert.since,
    );

    // The call ends: the alert clears, logged and counted.
    await h.db
      .updateTable('attempts')
      .set({ status: 'ended', ended_at: new Date(), outcome: 'completed' })
      .where('attempt_id', '=', attemptId)
      .execute();
    const third = await d.round();
    expect(third.cleared.map((a) => a.check)).toContain('stalled_in_flight');
    const after = await h.get(`${API}/campaigns/${c.id}/live`);
    expect(after.body.alerts.map((a: { check: string }) => a.check)).not.toContain('stalled_in_flight');
    expect(lines.map((l) => JSON.parse(l))).toContainEqual(
      expect.objectContaining({ msg: 'alert cleared', campaign_id: c.id, check: 'stalled_in_flight' }),
    );
    const cleared = await registry.metrics();
    expect(cleared).not.toContain(`campaign_id="${c.id}",check="stalled_in_flight"`);
    expect(cleared).toContain('ori_alerts_cleared_total{check="stalled_in_flight",status="escalate"} 1');
  });

  it("clears a campaign's alerts once it is no longer running", async () => {
    const c = await createCampaign(h, { window: { start: '00:00', end: '00:01', timezone: 'UTC' } });
    await uploadCsv(h, c.id, 'phone_number\n+919811100002\n');
    await startCampaign(h, c.id);
    // Outside its one-minute window for all but a minute of the day.
    const noon = new Date();
    noon.setUTCHours(12, 0, 0, 0);
    const d = detector([], new Registry(), () => noon);
    await d.round();
    const live = await h.get(`${API}/campaigns/${c.id}/live`);
    expect(live.body.alerts).toContainEqual(
      expect.objectContaining({ check: 'window_open', status: 'warn' }),
    );
    await h.post(`${API}/campaigns/${c.id}/pause`);
    const round = await d.round();
    expect(round.cleared.filter((a) => a.campaign_id === c.id).map((a) => a.check)).toContain('window_open');
    expect((await h.get(`${API}/campaigns/${c.id}/live`)).body.alerts).toEqual([]);
  });

  it('one round at a time: while another worker holds the round, a detector skips it', async () => {
    const d = detector([], new Registry());
    await h.db.transaction().execute(async (tx) => {
      await sql`select pg_advisory_xact_lock(hashtextextended('ori-stall-detector', 0))`.execute(tx);
      expect(await d.round()).toEqual({ ran: false, raised: [], cleared: [] });
    });
    expect((await d.round()).ran).toBe(true);
  });
});
