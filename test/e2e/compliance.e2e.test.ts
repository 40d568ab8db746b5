import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildCampaign,
  callsTo,
  eventually,
  NumberPlan,
  startStack,
  waitForCompletion,
  type Stack,
} from './stack';

/**
 * Calling within the law, through the public API and checked against the switch's call log: the
 * do-not-call list across campaigns, sticky exclusion of a contact that had already finished, the
 * voicemail action on a machine-answered call, the frequency cap across campaigns, and recipient hours.
 */

const TIME_SCALE = 0.1;

const plan = new NumberPlan('+9196');
const DNC = {
  listedBefore: plan.add(['answer:10']),
  listedAfterImport: plan.add(['answer:10']),
  listedByCsv: plan.add(['answer:10']),
  free: plan.many(2, ['answer:10']),
};
const STICKY = plan.add(['answer:10', 'answer:10']);
// A machine that would record for 300 s: only the dialler's voicemail action ends the call early.
const VOICEMAIL = { message: plan.add(['machine:300']), hangup: plan.add(['machine:300']) };
// Three campaigns share these numbers under a cap of 2 per 24 h: no number may get a third call.
const CAPPED = plan.many(3, ['answer:5']);
// Recipient hours: one contact per zone, dialled only when its own clock is inside the hours.
const LOCAL = {
  utc: plan.add(['answer:5']),
  kolkata: plan.add(['answer:5']),
  losAngeles: plan.add(['answer:5']),
};
const VOICEMAIL_TEXT = "Hi, this is Ori about your order. We'll call again tomorrow.";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    scenario: { time_scale: TIME_SCALE, default: { 'sip:503': 1 }, numbers: plan.numbers },
  });
  await stack.startWorker();
});
afterAll(async () => {
  await stack?.stop();
});

const contactStates = async (campaignId: string): Promise<Map<string, string>> => {
  const rows = await stack.db.db
    .selectFrom('contacts')
    .select(['phone', 'state'])
    .where('campaign_id', '=', campaignId)
    .execute();
  return new Map(rows.map((r) => [r.phone, r.state]));
};

describe.concurrent('compliance', () => {
  it('do-not-call: a number listed through the API is never dialled by any campaign', async () => {
    const added = await stack.api('POST', '/api/v1/opt-outs', { phone: DNC.listedBefore, reason: 'asked' });
    expect(added.body).toMatchObject({ added: 1, skipped: 0 });
    const everyone = [DNC.listedBefore, DNC.listedAfterImport, DNC.listedByCsv, ...DNC.free];
    // Imported before the other two are listed: the dialler itself must refuse them.
    const early = await buildCampaign(stack, { phones: everyone, start: false });
    expect(early.upload).toMatchObject({ added: everyone.length - 1, skipped: 1 });
    expect(early.upload?.errors[0]?.reason).toContain('opted out');
    await stack.api('POST', '/api/v1/opt-outs', { phone: DNC.listedAfterImport });
    const csv = await stack.api('POST', '/api/v1/opt-outs', `phone\n${DNC.listedByCsv}\n`, 'text/csv');
    expect(csv.body).toMatchObject({ added: 1, skipped: 0 });

    const started = await stack.api('POST', `/api/v1/campaigns/${early.id}/start`);
    expect(started.status).toBe(200);
    const later = await buildCampaign(stack, { phones: everyone, config: { mode: 'multi_day' } });
    const trigger = await stack.api<{ status: string; reason: string }>('POST', '/api/v1/campaigns/trigger', {
      campaign_id: later.id,
      mobile: DNC.listedByCsv,
    });
    expect(trigger.body).toMatchObject({
      status: 'suppressed',
      reason: 'the number is on the do-not-call list',
    });

    await waitForCompletion(stack, early.id);
    await waitForCompletion(stack, later.id);
    expect(callsTo(stack, [DNC.listedBefore, DNC.listedAfterImport, DNC.listedByCsv])).toEqual([]);
    expect(callsTo(stack, DNC.free)).toHaveLength(4);
    const states = await contactStates(early.id);
    expect(states.get(DNC.listedAfterImport)).toBe('excluded');
    expect(states.get(DNC.listedByCsv)).toBe('excluded');
  });

  it('sticky exclusion of a finished contact: a later trigger for the number answers suppressed', async () => {
    const campaign = await buildCampaign(stack, {
      phones: [STICKY],
      config: { mode: 'multi_day', always_on: true, sticky_exclusion: true },
    });
    await eventually(
      'the contact to finish',
      async () => (await contactStates(campaign.id)).get(STICKY) === 'completed',
    );
    const excluded = await stack.api('POST', '/api/v1/contacts/exclude', {
      campaign_id: campaign.id,
      mobile: STICKY,
    });
    expect(excluded.body).toEqual({ matched: 0 });
    for (let i = 0; i < 2; i++) {
      const res = await stack.api<{ status: string }>('POST', '/api/v1/campaigns/trigger', {
        campaign_id: campaign.id,
        mobile: STICKY,
      });
      expect(res.body.status).toBe('suppressed');
    }
    await new Promise((r) => setTimeout(r, 3_000));
    expect(callsTo(stack, STICKY)).toHaveLength(1);
  });

  it('voicemail: a machine-answered call plays the message then hangs up (voicemail_left); with hangup, nothing is played', async () => {
    const withMessage = await buildCampaign(stack, {
      phones: [VOICEMAIL.message],
      config: { voicemail: { action: 'message', message: VOICEMAIL_TEXT } },
    });
    expect(withMessage.config.voicemail).toEqual({ action: 'message', message: VOICEMAIL_TEXT });
    const hangUp = await buildCampaign(stack, { phones: [VOICEMAIL.hangup] });
    expect(hangUp.config.voicemail).toEqual({ action: 'hangup' });
    await waitForCompletion(stack, withMessage.id);
    await waitForCompletion(stack, hangUp.id);

    expect(callsTo(stack, VOICEMAIL.message)).toHaveLength(1);
    expect(callsTo(stack, VOICEMAIL.hangup)).toHaveLength(1);
    const [left] = callsTo(stack, VOICEMAIL.message);
    const [hungUp] = callsTo(stack, VOICEMAIL.hangup);
    expect(left).toMatchObject({ outcome: 'machine', voicemail_message: VOICEMAIL_TEXT });
    expect(hungUp).toMatchObject({ outcome: 'machine', voicemail_message: null });
    // Both ended by the dialler, long before the machine's own 300 s (30 s at this time scale).
    for (const call of [left, hungUp]) {
      expect(Date.parse(call!.ended_at!) - Date.parse(call!.answered_at!)).toBeLessThan(15_000);
    }

    const report = async (id: string) => {
      const res = await fetch(`${stack.apiUrl}/api/v1/campaigns/${id}/attempts.csv`, {
        headers: { authorization: `Bearer ${stack.apiKey}` },
      });
      return parse(await res.text(), { columns: true }) as Record<string, string>[];
    };
    expect(await report(withMessage.id)).toEqual([
      expect.objectContaining({ outcome: 'machine', voicemail_left: 'true' }),
    ]);
    expect(await report(hangUp.id)).toEqual([
      expect.objectContaining({ outcome: 'machine', voicemail_left: 'false' }),
    ]);
  });

  it('frequency cap 2 per 24 h across campaigns: no number gets a third call; the third campaign waits', async () => {
    const set = await stack.api('PATCH', '/api/v1/settings', {
      frequency_cap: { max_calls: 2, per_hours: 24 },
    });
    expect(set.body).toEqual({ frequency_cap: { max_calls: 2, per_hours: 24 } });
    try {
      const campaigns = await Promise.all(
        [1, 2, 3].map(() =>
          buildCampaign(stack, { phones: CAPPED, config: { mode: 'multi_day', concurrency: 3 } }),
        ),
      );
      // Two campaigns' dials reach each number; then the cap holds the rest back.
      await eventually('two calls to every capped number', async () =>
        CAPPED.every((p) => callsTo(stack, p).filter((c) => c.ended_at !== null).length >= 2),
      );
      const held = await eventually('the over-cap contacts to wait', async () => {
        const rows = await stack.db.db
          .selectFrom('contacts')
          .select(['phone', 'state', 'held_by', 'next_due_at', 'final_at'])
          .where(
            'campaign_id',
            'in',
            campaigns.map((c) => c.id),
          )
          .where('held_by', '=', 'frequency_cap')
          .execute();
        return rows.length === CAPPED.length ? rows : null;
      });
      for (const row of held) {
        expect(['pending', 'retry_scheduled']).toContain(row.state);
        expect(row.final_at).toBeNull();
        expect(row.next_due_at!.getTime()).toBeGreaterThan(Date.now() + 23 * 3_600_000);
      }
      await new Promise((r) => setTimeout(r, 3_000));
      for (const phone of CAPPED) expect(callsTo(stack, phone)).toHaveLength(2);
      // The live panels count them: every capped number is held in one of the three campaigns.
      let heldOnPanels = 0;
      for (const c of campaigns) {
        const live = await stack.api<{ held: { frequency_cap: number } }>(
          'GET',
          `/api/v1/campaigns/${c.id}/live`,
        );
        heldOnPanels += live.body.held.frequency_cap;
      }
      expect(heldOnPanels).toBe(CAPPED.length);
      for (const c of campaigns) await stack.api('POST', `/api/v1/campaigns/${c.id}/stop`);
    } finally {
      await stack.api('PATCH', '/api/v1/settings', { frequency_cap: null });
    }
  });

  it('recipient hours around the real time: only the contacts whose own hours are open now are dialled', async () => {
    // Three zones 5:30 h or more apart. The hours are an hour either side of the clock of the first zone
    // whose local time leaves room for that without wrapping past midnight: open there, closed elsewhere.
    const zoneOf: Record<string, string> = {
      [LOCAL.utc]: 'UTC',
      [LOCAL.kolkata]: 'Asia/Kolkata',
      [LOCAL.losAngeles]: 'America/Los_Angeles',
    };
    const now = new Date();
    const clock = (tz: string, t: number | Date) =>
      new Intl.DateTimeFormat('en-GB', {
        timeZone: tz,
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      }).format(t);
    const minutesIn = (tz: string) => {
      const [hh, mm] = clock(tz, now).split(':').map(Number);
      return hh! * 60 + mm!;
    };
    const openPhone = Object.keys(zoneOf).find(
      (p) => minutesIn(zoneOf[p]!) >= 70 && minutesIn(zoneOf[p]!) <= 22 * 60 + 50,
    )!;
    const closedPhones = Object.keys(zoneOf).filter((p) => p !== openPhone);
    const m = minutesIn(zoneOf[openPhone]!);
    const hhmm = (x: number) =>
      `${String(Math.floor(x / 60)).padStart(2, '0')}:${String(x % 60).padStart(2, '0')}`;
    const hours = { start: hhmm(m - 60), end: hhmm(m + 60) };
    const csv = ['phone_number,timezone', ...Object.entries(zoneOf).map(([p, tz]) => `${p},${tz}`)].join(
      '\n',
    );
    const campaign = await buildCampaign(stack, {
      csv,
      config: { mode: 'multi_day', recipient_hours: hours },
    });
    expect(campaign.config.recipient_hours).toEqual(hours);
    await eventually(
      "the open zone's contact to be called",
      async () => callsTo(stack, openPhone).length === 1,
    );
    // Each waits for the next minute its own clock reads the start of the hours.
    const opening = (tz: string): number => {
      for (let t = Math.ceil(now.getTime() / 60_000) * 60_000; ; t += 60_000)
        if (clock(tz, t) === hours.start) return t;
    };
    // The others are never leased: admission leaves contacts outside their own hours where they are.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(callsTo(stack, closedPhones)).toEqual([]);
    const others = await stack.db.db
      .selectFrom('contacts')
      .select(['id', 'phone', 'state', 'attempts'])
      .where('campaign_id', '=', campaign.id)
      .where('phone', 'in', closedPhones)
      .execute();
    expect(others.map((r) => r.phone).sort()).toEqual([...closedPhones].sort());
    for (const row of others) {
      expect([row.phone, row.state, row.attempts]).toEqual([row.phone, 'pending', 0]);
      const why = await stack.api<{ reason: string; explanation: string }>(
        'GET',
        `/api/v1/campaigns/${campaign.id}/contacts/${row.id}/diagnose`,
      );
      expect(why.body.reason).toBe('outside_recipient_hours');
      expect(why.body.explanation).toContain(new Date(opening(zoneOf[row.phone]!)).toISOString());
    }
    const live = await stack.api<{ held: { recipient_hours: number } }>(
      'GET',
      `/api/v1/campaigns/${campaign.id}/live`,
    );
    expect(live.body.held.recipient_hours).toBe(2);
    const list = await stack.api<{ items: { phone: string; timezone: string }[] }>(
      'GET',
      `/api/v1/campaigns/${campaign.id}/contacts`,
    );
    expect(Object.fromEntries(list.body.items.map((i) => [i.phone, i.timezone]))).toEqual(zoneOf);
    await stack.api('POST', `/api/v1/campaigns/${campaign.id}/stop`);
  });
});
