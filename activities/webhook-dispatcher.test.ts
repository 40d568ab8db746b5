import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { createDevServerEnv } from '../test/support/temporal';
import { useTestDatabase } from '../test/support/db';
import { seedRunningCampaign } from '../test/fixtures/seed';
import { createWebhookWorker, webhookTaskQueue } from '../worker/worker';
import { WebhookDispatcher } from './webhook-dispatcher';

/**
 * Every contact state change of a subscribed campaign reaches the subscriber as a signed
 * `campaign.lead.updated`, through the outbox trigger, the dispatcher and a retried Temporal delivery —
 * on real Postgres and the real dev server, with a local HTTP receiver that fails its first request.
 */

const test = useTestDatabase();
let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let receiver: Server;
let receiverUrl = '';
const received: { delivery: string; signature: string; body: string; status: number }[] = [];
const taskQueue = `hooks-${randomUUID()}`;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      // The very first delivery fails: Temporal must retry it.
      const status = received.length === 0 ? 500 : 200;
      received.push({
        delivery: String(req.headers['x-ori-delivery']),
        signature: String(req.headers['x-ori-signature']),
        body,
        status,
      });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  env = await createDevServerEnv();
  worker = await createWebhookWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    db: test.db,
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
  await new Promise((r) => receiver.close(r));
});

describe('webhook dispatcher', () => {
  it('delivers each state change of a subscribed campaign, signed, retrying a failed delivery', async () => {
    const subscribed = await seedRunningCampaign(test.db, { contacts: 1 });
    const quiet = await seedRunningCampaign(test.db, { contacts: 1 });
    const secret = 'whsec_test';
    await test.db
      .insertInto('webhooks')
      .values({ campaign_id: subscribed.campaignId, url: receiverUrl, secret })
      .execute();

    const contactId = subscribed.contactIds[0]!;
    for (const state of ['dialling', 'in_progress', 'completed'] as const) {
      await test.db.updateTable('contacts').set({ state }).where('id', '=', contactId).execute();
    }
    await test.db
      .updateTable('contacts')
      .set({ state: 'dialling' })
      .where('id', '=', quiet.contactIds[0]!)
      .execute();
    // Only the subscribed campaign's changes reach the outbox.
    const outbox = await test.db.selectFrom('lead_state_changes').selectAll().execute();
    expect(outbox.map((o) => o.state)).toEqual(['dialling', 'in_progress', 'completed']);

    const dispatcher = new WebhookDispatcher({
      db: test.db,
      client: env.client,
      taskQueue: webhookTaskQueue(taskQueue),
    });
    expect(await dispatcher.once()).toBe(3);
    expect(await test.db.selectFrom('lead_state_changes').selectAll().execute()).toHaveLength(0);

    const deadline = Date.now() + 60_000;
    while (received.filter((r) => r.status === 200).length < 3 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    const ok = received.filter((r) => r.status === 200);
    expect(ok).toHaveLength(3);
    // The failed first delivery was retried under the same delivery id.
    expect(ok.map((r) => r.delivery)).toContain(received[0]!.delivery);
    for (const r of ok) {
      expect(r.signature).toBe(`sha256=${createHmac('sha256', secret).update(r.body).digest('hex')}`);
      const payload = JSON.parse(r.body) as { event: string; lead: { id: string }; campaign: { id: string } };
      expect(payload.event).toBe('campaign.lead.updated');
      expect(payload.lead.id).toBe(contactId);
      expect(payload.campaign.id).toBe(subscribed.campaignId);
    }
    const states = ok.map((r) => (JSON.parse(r.body) as { lead: { state: string } }).lead.state).sort();
    expect(states).toEqual(['completed', 'dialling', 'in_progress']);
    const rows = await test.db.selectFrom('webhook_deliveries').select(['status', 'tries']).execute();
    expect(rows.map((r) => r.status)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(Math.max(...rows.map((r) => r.tries))).toBe(2);
  });
});
