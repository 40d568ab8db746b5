import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { loadSettings } from '../../config/settings';
import { useApiHarness } from '../testing/harness';
import { RecordingEngine } from '../testing/recording-engine';
import { webhooksRoutes } from './webhooks.routes';
import { API, bareApp, contactsOf, createCampaign, uploadCsv } from './contacts.testkit';
import { buildLeadUpdatedEvent, enqueueLeadUpdated } from '../../db/repositories/webhooks.repository';
import {
  createWebhookActivities,
  signWebhookBody,
  WebhookDeliveryError,
} from '../../activities/webhook.activity';

const h = useApiHarness();
let app: FastifyInstance;

beforeAll(async () => {
  // app.ts does not register webhooksRoutes yet: a bare app with the same validator and error handling.
  app = await bareApp({ db: h.db, engine: new RecordingEngine(), settings: loadSettings({}) }, [
    { plugin: webhooksRoutes, options: {} },
  ]);
});
afterAll(async () => {
  await app?.close();
});

const call = async (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) => {
  const res = await app.inject({
    method,
    url: `${API}${url}`,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });
  return {
    status: res.statusCode,
    body: res.body ? (res.json() as Record<string, unknown> & unknown[]) : undefined,
  };
};
const errorShape = (code: string) => ({
  error: { code, message: expect.any(String), details: expect.any(Array), request_id: expect.any(String) },
});

describe('webhook subscriptions', () => {
  it('creates (secret shown once), lists, shows and deletes', async () => {
    const c = await createCampaign(h);
    const created = await call('POST', '/webhooks', {
      url: 'https://crm.example.com/hooks/ori',
      campaign_id: c.id,
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      campaign_id: c.id,
      url: 'https://crm.example.com/hooks/ori',
      events: ['campaign.lead.updated'],
      active: true,
      created_at: expect.any(String),
      secret: expect.stringMatching(/^whsec_[0-9a-f]{48}$/),
      secret_hint: expect.stringMatching(/^…[0-9a-f]{4}$/),
    });
    const org = await call('POST', '/webhooks', {
      url: 'http://hooks.example.com/all',
      campaign_id: null,
      secret: 'a-secret-of-my-own-choosing',
    });
    expect(org.body).toMatchObject({ campaign_id: null, secret: 'a-secret-of-my-own-choosing' });

    const list = await call('GET', '/webhooks');
    expect(list.status).toBe(200);
    const ids = (list.body as unknown as { id: string; secret?: string }[]).map((w) => w.id);
    expect(ids).toEqual(expect.arrayContaining([created.body!.id, org.body!.id]));
    expect((list.body as unknown as { secret?: string }[]).every((w) => w.secret === undefined)).toBe(true);
    const forCampaign = await call('GET', `/webhooks?campaign_id=${c.id}`);
    expect((forCampaign.body as unknown as { id: string }[]).map((w) => w.id)).toEqual([created.body!.id]);
    const one = await call('GET', `/webhooks/${String(created.body!.id)}`);
    expect(one.body).toMatchObject({ id: created.body!.id, secret_hint: created.body!.secret_hint });
    expect(one.body).not.toHaveProperty('secret');

    expect((await call('DELETE', `/webhooks/${String(created.body!.id)}`)).status).toBe(204);
    expect((await call('DELETE', `/webhooks/${String(created.body!.id)}`)).status).toBe(404);
    expect((await call('GET', `/webhooks/${String(created.body!.id)}`)).status).toBe(404);
    await call('DELETE', `/webhooks/${String(org.body!.id)}`);
  });

  it('answers 422 for a bad URL or event and 404 for an unknown campaign', async () => {
    for (const body of [
      {},
      { url: 'not a url' },
      { url: 'ftp://x.example.com/' },
      { url: 'https://x.example.com', events: ['lead.deleted'] },
    ]) {
      const res = await call('POST', '/webhooks', body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body).toEqual(errorShape('validation_failed'));
    }
    const unknown = await call('POST', '/webhooks', {
      url: 'https://x.example.com',
      campaign_id: '00000000-0000-4000-8000-000000000000',
    });
    expect(unknown.status).toBe(404);
  });
});

describe('campaign.lead.updated delivery', () => {
  let receiver: Server;
  let url: string;
  const received: { headers: IncomingMessage['headers']; body: string }[] = [];
  let answer = 200;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString('utf8')));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.statusCode = answer;
        res.end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => receiver.close(() => r()));
  });

  it('enqueues one delivery per subscription and contact, then delivers it signed; non-2xx throws for a retry', async () => {
    const c = await createCampaign(h);
    const other = await createCampaign(h);
    await uploadCsv(h, c.id, 'phone_number,name,plan\n+14155550400,Asha,gold\n');
    const [contact] = await contactsOf(h.db, c.id);
    const mine = await call('POST', '/webhooks', { url, campaign_id: c.id });
    const org = await call('POST', '/webhooks', { url, campaign_id: null });
    await call('POST', '/webhooks', { url, campaign_id: other.id });

    const ids = await enqueueLeadUpdated(h.db, [contact!.id]);
    expect(ids).toHaveLength(2);
    const activities = createWebhookActivities({ db: h.db });

    answer = 500;
    await expect(activities.deliverWebhook(ids[0]!)).rejects.toBeInstanceOf(WebhookDeliveryError);
    const failing = await h.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('id', '=', ids[0]!)
      .executeTakeFirstOrThrow();
    expect(failing).toMatchObject({ status: 'failing', tries: 1, delivered_at: null });
    expect(failing.last_error).toContain('500');

    answer = 204;
    expect(await activities.deliverWebhook(ids[0]!)).toEqual({ status: 'delivered' });
    expect(await activities.deliverWebhook(ids[0]!)).toEqual({ status: 'already_delivered' });
    const delivered = await h.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('id', '=', ids[0]!)
      .executeTakeFirstOrThrow();
    expect(delivered).toMatchObject({ status: 'delivered', tries: 2, last_error: null });

    const last = received[received.length - 1]!;
    const secretOf = (id: unknown) => [mine, org].find((w) => w.body!.id === id)!.body!.secret as string;
    const hookId = delivered.webhook_id;
    expect(last.headers['x-ori-event']).toBe('campaign.lead.updated');
    expect(last.headers['x-ori-delivery']).toBe(ids[0]);
    expect(last.headers['content-type']).toBe('application/json');
    const expected = `sha256=${createHmac('sha256', secretOf(hookId)).update(last.body).digest('hex')}`;
    expect(last.headers['x-ori-signature']).toBe(expected);
    expect(signWebhookBody(secretOf(hookId), last.body)).toBe(expected);
    expect(JSON.parse(last.body)).toMatchObject({
      event: 'campaign.lead.updated',
      campaign: { id: c.id, short_id: c.id.slice(0, 8), status: 'draft', run_no: 1 },
      lead: {
        id: contact!.id,
        phone: '+14155550400',
        name: 'Asha',
        state: 'pending',
        metadata: { plan: 'gold' },
      },
    });

    // A deleted subscription takes its deliveries with it: nothing left to do.
    const rows = await h.db
      .selectFrom('webhook_deliveries')
      .select(['id', 'webhook_id'])
      .where('id', 'in', ids)
      .execute();
    const orgDelivery = rows.find((r) => r.webhook_id === org.body!.id)!.id;
    await call('DELETE', `/webhooks/${String(org.body!.id)}`);
    expect(await activities.deliverWebhook(orgDelivery)).toEqual({ status: 'skipped' });
  });

  it('writes nothing when nobody listens, and reports network failures for a retry', async () => {
    const c = await createCampaign(h);
    await uploadCsv(h, c.id, 'phone_number\n+14155550401\n');
    const [contact] = await contactsOf(h.db, c.id);
    await h.db.deleteFrom('webhooks').execute();
    expect(await enqueueLeadUpdated(h.db, [contact!.id])).toEqual([]);
    expect(await enqueueLeadUpdated(h.db, [])).toEqual([]);

    await call('POST', '/webhooks', { url: 'http://127.0.0.1:9/unreachable', campaign_id: c.id });
    const [id] = await enqueueLeadUpdated(h.db, [contact!.id]);
    const failingFetch = (async () => {
      throw new Error('connect ECONNREFUSED');
    }) as unknown as typeof fetch;
    await expect(
      createWebhookActivities({ db: h.db, fetch: failingFetch }).deliverWebhook(id!),
    ).rejects.toThrow(/ECONNREFUSED/);
  });

  it('builds the payload from a contact and its campaign', () => {
    const at = new Date('2026-11-23T10:00:00Z');
    const event = buildLeadUpdatedEvent(
      {
        id: 'c1',
        campaign_id: '12345678-aaaa',
        phone: '+14155550400',
        phones: ['+14155550400'],
        name: null,
        email: null,
        state: 'completed',
        attempts: 2,
        pass: 1,
        run_no: 1,
        last_outcome: 'completed',
        last_disposition: 'INTERESTED',
        callback_at: null,
        callback_state: null,
        exclusion_reason: null,
        final_at: at,
        metadata: {},
        updated_at: at,
      },
      { id: '12345678-aaaa', name: 'Q2', status: 'running', run_no: 1 },
    );
    expect(event).toEqual({
      event: 'campaign.lead.updated',
      occurred_at: '2026-11-23T10:00:00.000Z',
      campaign: { id: '12345678-aaaa', short_id: '12345678', name: 'Q2', status: 'running', run_no: 1 },
      lead: {
        id: 'c1',
        phone: '+14155550400',
        phones: ['+14155550400'],
        name: null,
        email: null,
        state: 'completed',
        attempts: 2,
        pass: 1,
        run_no: 1,
        last_result: 'completed',
        last_disposition: 'INTERESTED',
        callback_at: null,
        callback_state: null,
        exclusion_reason: null,
        final_at: '2026-11-23T10:00:00.000Z',
        metadata: {},
      },
    });
  });
});
