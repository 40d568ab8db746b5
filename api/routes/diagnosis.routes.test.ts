import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { middayTimezone, useApiHarness } from '../testing/harness';
import { addAttempt, API, contactsOf, createCampaign, startCampaign, uploadCsv } from './contacts.testkit';

/**
 * The diagnosis endpoints and the call list's workflow links and phone search over `inject()`: the
 * gathering against states written to Postgres, the engine's task-queue answer recorded. The same checks
 * from conditions induced on the real stack are in test/e2e/diagnose.e2e.test.ts.
 */

const h = useApiHarness();

const polled = (at: Date) =>
  ['ori-dialler', 'ori-dialler-runs', 'ori-dialler-webhooks'].flatMap((taskQueue) =>
    (['workflow', 'activity'] as const).map((kind) => ({
      taskQueue,
      kind,
      pollers: [{ identity: 'worker@test', lastAccessAt: at }],
    })),
  );

type Check = { check: string; status: string; evidence: string; next_step: string };
const checkOf = (body: { checks: Check[] }, name: string): Check => {
  const c = body.checks.find((x) => x.check === name);
  if (!c) throw new Error(`no ${name} in ${JSON.stringify(body.checks)}`);
  return c;
};

async function runningCampaign(phones: string[], config: Record<string, unknown> = {}) {
  const c = await createCampaign(h, {
    window: { start: '00:00', end: '23:59', timezone: middayTimezone() },
    ...config,
  });
  const up = await uploadCsv(h, c.id, ['phone_number', ...phones].join('\n'));
  expect(up.status).toBe(200);
  await startCampaign(h, c.id);
  return { ...c, contacts: await contactsOf(h.db, c.id) };
}

describe('GET /campaigns/:id/diagnose', () => {
  it('unknown and malformed campaign ids answer 404', async () => {
    for (const id of [randomUUID(), 'not-a-uuid']) {
      const res = await h.get(`${API}/campaigns/${id}/diagnose`);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
  });

  it('needs a key', async () => {
    const c = await createCampaign(h);
    expect((await h.get(`${API}/campaigns/${c.id}/diagnose`, { key: null })).status).toBe(401);
  });

  it('a draft without numbers or contacts: start_gaps warns, naming each gap; no workflow yet', async () => {
    h.engine.pollersAnswer = polled(new Date());
    const c = await createCampaign(h, { number_ids: [] });
    const res = await h.get(`${API}/campaigns/${c.id}/diagnose`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      campaign_id: c.id,
      run_no: 1,
      campaign_status: 'draft',
      workflow_id: null,
    });
    expect(Date.parse(res.body.checked_at)).not.toBeNaN();
    const gaps = checkOf(res.body, 'start_gaps');
    expect(gaps.status).toBe('warn');
    expect(gaps.evidence).toContain('number_ids');
    expect(gaps.evidence).toContain('contacts');
    expect(gaps.next_step).toMatch(/^You can fix:/);
  });

  it('answers every check by its stable name, with the run workflow link', async () => {
    h.engine.pollersAnswer = polled(new Date());
    const c = await runningCampaign(['+919800000001']);
    const res = await h.get(`${API}/campaigns/${c.id}/diagnose`);
    expect(res.body.checks.map((x: Check) => x.check)).toEqual([
      'start_gaps',
      'window_open',
      'contacts_due',
      'seats_free',
      'carrier_rate',
      'worker_polling',
      'run_workflow',
      'switch_connected',
      'sip_pattern',
      'stalled_in_flight',
      'overdue_retries',
      'seats_without_heartbeat',
      'report_complete',
    ]);
    expect(res.body.workflow_id).toBe(`campaign-${c.id}-run-1`);
    expect(res.body.workflow_url).toBe(
      `http://127.0.0.1:8233/namespaces/default/workflows/campaign-${c.id}-run-1`,
    );
    expect(checkOf(res.body, 'worker_polling').status).toBe('ok');
  });

  it("run_workflow sets the run's own word beside Postgres: agrees, catches up, out of step, gone", async () => {
    h.engine.pollersAnswer = polled(new Date());
    const c = await runningCampaign(['+919800000009']);
    const run = `${c.id}:1`;
    const agrees = await h.get(`${API}/campaigns/${c.id}/diagnose`);
    // The start told the run (recorded): it says running, as Postgres does.
    expect(checkOf(agrees.body, 'run_workflow')).toMatchObject({ status: 'ok' });
    expect(checkOf(agrees.body, 'run_workflow').evidence).toContain('The run 1 workflow agrees: running');

    h.engine.runStates.set(run, { status: 'paused', reason: 'paused by ops', waitingFor: 'paused' });
    const justNow = await h.get(`${API}/campaigns/${c.id}/diagnose`);
    expect(checkOf(justNow.body, 'run_workflow')).toMatchObject({ status: 'ok' });
    expect(checkOf(justNow.body, 'run_workflow').evidence).toContain('still says paused');
    try {
      // The start's activity-log entry is the status change: 2 minutes later the run is out of step.
      h.clock.now = new Date(Date.now() + 120_000);
      h.engine.pollersAnswer = polled(h.clock.now);
      const stuck = await h.get(`${API}/campaigns/${c.id}/diagnose`);
      expect(checkOf(stuck.body, 'run_workflow')).toMatchObject({
        status: 'escalate',
        evidence: expect.stringContaining('The campaign is running since'),
        next_step: expect.stringMatching(/^Escalate: /),
      });
      expect(checkOf(stuck.body, 'run_workflow').evidence).toContain(
        'the run 1 workflow says paused (paused by ops)',
      );
      h.engine.runStates.set(run, null);
      const gone = await h.get(`${API}/campaigns/${c.id}/diagnose`);
      expect(checkOf(gone.body, 'run_workflow').status).toBe('escalate');
      expect(checkOf(gone.body, 'run_workflow').evidence).toContain('no workflow of run 1 is open');
    } finally {
      h.clock.now = null;
      h.engine.pollersAnswer = polled(new Date());
      h.engine.runStates.delete(run);
    }
  });

  it('task queues without a fresh poller, or Temporal unreachable: worker_polling escalates', async () => {
    const c = await runningCampaign(['+919800000002']);
    h.engine.pollersAnswer = polled(new Date(Date.now() - 10 * 60_000));
    const stale = await h.get(`${API}/campaigns/${c.id}/diagnose`);
    expect(checkOf(stale.body, 'worker_polling')).toMatchObject({ status: 'escalate' });
    expect(checkOf(stale.body, 'worker_polling').evidence).toContain(
      'No worker polls ori-dialler (workflow)',
    );
    // The run is not queried then (a query without a worker only waits out its deadline).
    expect(checkOf(stale.body, 'run_workflow')).toMatchObject({
      status: 'ok',
      evidence: 'Could not ask the run workflow: a workflow task queue has no worker to answer the query.',
    });
    h.engine.pollersAnswer = new Error('14 UNAVAILABLE: connection refused');
    const down = await h.get(`${API}/campaigns/${c.id}/diagnose`);
    expect(checkOf(down.body, 'worker_polling').evidence).toContain('UNAVAILABLE');
    h.engine.pollersAnswer = polled(new Date());
  });

  it('reads recorded attempts: a 429 storm escalates sip_pattern; a call past the longest call escalates stalled_in_flight and its lease', async () => {
    h.engine.pollersAnswer = polled(new Date());
    const phones = Array.from({ length: 8 }, (_, i) => `+91980000010${i}`);
    const c = await runningCampaign(phones);
    const now = Date.now();
    for (const [i, contact] of c.contacts.slice(0, 6).entries()) {
      await addAttempt(h.db, {
        campaignId: c.id,
        contactId: contact.id,
        attemptNo: 1,
        phone: contact.phone,
        createdAt: new Date(now - 60_000 + i * 1000),
        ringS: 0,
        outcome: 'rejected',
        sipCode: i < 5 ? 429 : 486,
      });
    }
    const stalled = c.contacts[6];
    if (!stalled) throw new Error('no contact');
    // Placed an hour ago (ring timeout 30 s + longest call 1800 s by default), its lease long run out.
    await addAttempt(h.db, {
      campaignId: c.id,
      contactId: stalled.id,
      attemptNo: 1,
      phone: stalled.phone,
      createdAt: new Date(now - 3_600_000),
      status: 'in_progress',
    });
    const res = await h.get(`${API}/campaigns/${c.id}/diagnose`);
    const sip = checkOf(res.body, 'sip_pattern');
    expect(sip.status).toBe('escalate');
    expect(sip.evidence).toContain('5 SIP 429 (83%)');
    const stall = checkOf(res.body, 'stalled_in_flight');
    expect(stall.status).toBe('escalate');
    expect(stall.evidence).toContain(
      '1 call in flight longer than the ring timeout plus the longest call (1830 s)',
    );
    expect(checkOf(res.body, 'seats_without_heartbeat').status).toBe('escalate');
    expect(checkOf(res.body, 'report_complete').status).toBe('ok');
  });

  it('a retry past due that never became ready, inside the window: overdue_retries escalates', async () => {
    h.engine.pollersAnswer = polled(new Date());
    const c = await runningCampaign(['+919800000201']);
    const contact = c.contacts[0];
    if (!contact) throw new Error('no contact');
    await h.db
      .updateTable('contacts')
      .set({ state: 'retry_scheduled', ready_at: null, next_due_at: new Date(Date.now() - 10 * 60_000) })
      .where('id', '=', contact.id)
      .execute();
    const res = await h.get(`${API}/campaigns/${c.id}/diagnose`);
    expect(checkOf(res.body, 'overdue_retries').status).toBe('escalate');
  });
});

describe('GET /campaigns/:id/contacts/:contact_id/diagnose', () => {
  it('unknown contact, a contact of another campaign, a malformed id: 404', async () => {
    const a = await runningCampaign(['+919800000301']);
    const b = await runningCampaign(['+919800000302']);
    const other = b.contacts[0];
    if (!other) throw new Error('no contact');
    for (const contactId of [randomUUID(), other.id, 'nope']) {
      const res = await h.get(`${API}/campaigns/${a.id}/contacts/${contactId}/diagnose`);
      expect(res.status).toBe(404);
    }
    expect((await h.get(`${API}/campaigns/${randomUUID()}/contacts/${other.id}/diagnose`)).status).toBe(404);
  });

  it('a retry after no_answer: waiting for its retry delay, with the rule that allowed it and its workflow', async () => {
    const c = await runningCampaign(['+919800000401'], {
      max_attempts: 3,
      retry_delay_minutes: 30,
      retry_on_system: ['no_answer'],
    });
    const contact = c.contacts[0];
    if (!contact) throw new Error('no contact');
    const endedAt = new Date(Date.now() - 60_000);
    await addAttempt(h.db, {
      campaignId: c.id,
      contactId: contact.id,
      attemptNo: 1,
      phone: contact.phone,
      createdAt: new Date(endedAt.getTime() - 5_000),
      outcome: 'no_answer',
      sipCode: 480,
    });
    const due = new Date(endedAt.getTime() + 30 * 60_000);
    await h.db
      .updateTable('contacts')
      .set({
        state: 'retry_scheduled',
        attempts: 1,
        pass: 2,
        ready_at: null,
        next_due_at: due,
        workflow_started: true,
        last_outcome: 'no_answer',
        last_sip_code: 480,
      })
      .where('id', '=', contact.id)
      .execute();
    const res = await h.get(`${API}/campaigns/${c.id}/contacts/${contact.id}/diagnose`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      state: 'retry_scheduled',
      reason: 'waiting_retry_delay',
      next_due_at: due.toISOString(),
      attempts: 1,
      max_attempts: 3,
      last_outcome: 'no_answer',
      last_sip_code: 480,
      workflow_id: `contact-${c.id}-run-1-${contact.id}`,
      workflow_url: `http://127.0.0.1:8233/namespaces/default/workflows/contact-${c.id}-run-1-${contact.id}`,
    });
    expect(res.body.explanation).toContain('Retry on System Disposition');
    expect(res.body.gates).toContainEqual({
      gate: 'retry_rule',
      ok: true,
      detail: expect.stringContaining('no_answer (SIP 480)'),
    });
    expect(res.body.gates).toContainEqual(expect.objectContaining({ gate: 'retry_delay', ok: false }));
    expect(res.body.attempt_trail).toHaveLength(1);
  });

  it('a final contact that reached max attempts says so; one never admitted has no workflow', async () => {
    const c = await runningCampaign(['+919800000501', '+919800000502'], {
      max_attempts: 1,
      retry_on_system: ['no_answer'],
    });
    const [done, fresh] = c.contacts;
    if (!done || !fresh) throw new Error('no contacts');
    await addAttempt(h.db, {
      campaignId: c.id,
      contactId: done.id,
      attemptNo: 1,
      phone: done.phone,
      createdAt: new Date(Date.now() - 120_000),
      outcome: 'no_answer',
      sipCode: 480,
    });
    await h.db
      .updateTable('contacts')
      .set({
        state: 'failed',
        attempts: 1,
        final_at: new Date(),
        exhausted_retries: true,
        workflow_started: true,
      })
      .where('id', '=', done.id)
      .execute();
    const final = await h.get(`${API}/campaigns/${c.id}/contacts/${done.id}/diagnose`);
    expect(final.body).toMatchObject({ state: 'failed', reason: 'max_attempts' });
    expect(final.body.explanation).toContain('Max Attempts');
    const waiting = await h.get(`${API}/campaigns/${c.id}/contacts/${fresh.id}/diagnose`);
    expect(waiting.body).toMatchObject({ state: 'pending', reason: 'waiting_for_seat', workflow_id: null });
    expect(waiting.body.workflow_url).toBeUndefined();
  });

  it('an opted-out number is named as the reason', async () => {
    const c = await runningCampaign(['+919800000601']);
    const contact = c.contacts[0];
    if (!contact) throw new Error('no contact');
    await h.db.insertInto('opt_outs').values({ phone: contact.phone, reason: 'asked' }).execute();
    const res = await h.get(`${API}/campaigns/${c.id}/contacts/${contact.id}/diagnose`);
    expect(res.body.reason).toBe('opted_out');
    expect(res.body.gates).toContainEqual(expect.objectContaining({ gate: 'not_opted_out', ok: false }));
  });
});

describe('GET …/contacts/:contact_id/diagnose: recipient hours and the frequency cap', () => {
  it('names the contact’s own hours and the cap, with their times, and a hold on its own timer', async () => {
    const at = new Date('2026-12-07T15:00:00Z');
    h.clock.now = at;
    try {
      // 15:00Z: Los Angeles (310) 07:00, New York (212) 10:00.
      const c = await runningCampaign(['+13105550601', '+12125550602'], {
        window: { start: '00:00', end: '23:59', timezone: 'UTC' },
        recipient_hours: true,
      });
      const [la, ny] = c.contacts as [(typeof c.contacts)[number], (typeof c.contacts)[number]];
      const diagnose = async (id: string) =>
        (await h.get(`${API}/campaigns/${c.id}/contacts/${id}/diagnose`)).body;

      const early = await diagnose(la.id);
      expect(early.reason).toBe('outside_recipient_hours');
      expect(early.explanation).toContain('2026-12-07T17:00:00.000Z');
      expect(early.gates).toContainEqual({
        gate: 'recipient_hours',
        ok: false,
        detail:
          'its local time is 07:00 (America/Los_Angeles); recipient hours 09:00–20:00; they open at 2026-12-07T17:00:00.000Z',
      });
      const open = await diagnose(ny.id);
      expect(open.reason).toBe('waiting_for_seat');
      expect(open.gates).toContainEqual(expect.objectContaining({ gate: 'recipient_hours', ok: true }));

      // Held by the claim: it sleeps on its workflow's timer, and diagnose says until when.
      await h.db
        .updateTable('contacts')
        .set({ held_by: 'recipient_hours', ready_at: null, next_due_at: new Date('2026-12-07T17:00:00Z') })
        .where('id', '=', la.id)
        .execute();
      expect((await diagnose(la.id)).explanation).toContain(
        'its workflow marks it ready at 2026-12-07T17:00:00.000Z',
      );

      // The organisation's cap, 1 call per 24 h: New York was called an hour ago (another campaign's dial).
      expect(
        (await h.patch(`${API}/settings`, { frequency_cap: { max_calls: 1, per_hours: 24 } })).status,
      ).toBe(200);
      await addAttempt(h.db, {
        campaignId: c.id,
        contactId: ny.id,
        attemptNo: 1,
        phone: ny.phone,
        createdAt: new Date('2026-12-07T14:00:00Z'),
        outcome: 'no_answer',
      });
      await h.db.updateTable('contacts').set({ state: 'pending' }).where('id', '=', ny.id).execute();
      const capped = await diagnose(ny.id);
      expect(capped.reason).toBe('frequency_cap');
      expect(capped.explanation).toContain('2026-12-08T14:00:00.000Z');
      expect(capped.gates).toContainEqual({
        gate: 'frequency_cap',
        ok: false,
        detail:
          '1 of at most 1 calls to its number in the last 24 h (every campaign); the next is allowed at 2026-12-08T14:00:00.000Z',
      });
    } finally {
      h.clock.now = null;
      await h.patch(`${API}/settings`, { frequency_cap: null });
    }
  });
});

describe('call list: workflow links and ?phone=', () => {
  it('finds a contact by any of its numbers typed as a person would; partial digits match too', async () => {
    const c = await createCampaign(h);
    const csv = 'phone_number,phone2,name\n+91 98111 22333,+1 415 555 0142,Asha\n+919822233344,,Sam\n';
    expect((await uploadCsv(h, c.id, csv)).status).toBe(200);
    const find = async (phone: string) => {
      const res = await h.get(`${API}/campaigns/${c.id}/contacts?phone=${encodeURIComponent(phone)}`);
      expect(res.status).toBe(200);
      return (res.body.items as { name: string }[]).map((i) => i.name);
    };
    expect(await find('098111 22333')).toEqual(['Asha']);
    expect(await find('+91-98111-22333')).toEqual(['Asha']);
    expect(await find('(415) 555-0142')).toEqual([]); // read in the default region IN: not her number
    expect(await find('+1 (415) 555-0142')).toEqual(['Asha']); // her second number
    expect(await find('14155550142')).toEqual(['Asha']);
    expect(await find('122333')).toEqual(['Asha']);
    expect(await find('223')).toEqual(['Asha', 'Sam']);
    expect(await find('')).toEqual(['Asha', 'Sam']);
    // A raw "+" in a query string is a space: still found.
    const raw = await h.get(`${API}/campaigns/${c.id}/contacts?phone=+919822233344`);
    expect(raw.body.items.map((i: { name: string }) => i.name)).toEqual(['Sam']);
  });

  it('refuses a search with fewer than 3 digits with a 422 naming the field', async () => {
    const c = await createCampaign(h);
    for (const phone of ['98', 'abc']) {
      const res = await h.get(`${API}/campaigns/${c.id}/contacts?phone=${phone}`);
      expect(res.status).toBe(422);
      expect(res.body.error.details).toContainEqual({
        field: 'phone',
        message: expect.stringContaining('3 digits'),
      });
    }
    const long = await h.get(`${API}/campaigns/${c.id}/contacts?phone=${'1'.repeat(65)}`);
    expect(long.status).toBe(422);
  });

  it('each item carries its workflow once admitted; the campaign its run workflow once started', async () => {
    const c = await runningCampaign(['+919800000701', '+919800000702']);
    const [admitted] = c.contacts;
    if (!admitted) throw new Error('no contact');
    await h.db
      .updateTable('contacts')
      .set({ workflow_started: true })
      .where('id', '=', admitted.id)
      .execute();
    const list = await h.get(`${API}/campaigns/${c.id}/contacts`);
    expect(list.body.items.map((i: { workflow_id: string | null }) => i.workflow_id)).toEqual([
      `contact-${c.id}-run-1-${admitted.id}`,
      null,
    ]);
    expect(list.body.items[0].workflow_url).toContain(`/namespaces/default/workflows/contact-${c.id}-run-1-`);
    const campaign = await h.get(`${API}/campaigns/${c.id}`);
    expect(campaign.body.workflow_id).toBe(`campaign-${c.id}-run-1`);
    expect(campaign.body.workflow_url).toBe(
      `http://127.0.0.1:8233/namespaces/default/workflows/campaign-${c.id}-run-1`,
    );
    const draft = await createCampaign(h);
    expect((await h.get(`${API}/campaigns/${draft.id}`)).body.workflow_id).toBeNull();
  });
});
