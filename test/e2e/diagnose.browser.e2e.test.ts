import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext } from 'playwright-core';
import { CHROMIUM_PATH } from '../../scripts/chromium';
import { buildCampaign, eventually, NumberPlan, startStack, waitForCompletion, type Stack } from './stack';

/**
 * The troubleshooting checks (GET …/diagnose) and the stall detector (live.alerts) on the whole real stack,
 * each from a condition induced for real: a healthy run, a draft without numbers, a closed window, a call
 * that never ends (`stall`), a 429 storm from the switch, and the worker stopped while contacts are due.
 * Ring timeout 5 s and longest call 10 s make a stalled call show within seconds; the detector runs every
 * 3 s. One stack for the whole file (it also drives the browser: the alert panel and its escalation copy).
 */

const plan = new NumberPlan('+9195');
const HEALTHY = plan.many(3, ['answer:2']);
const STALL = plan.add(['stall']);
const STORM = plan.many(6, ['sip:429']);
const CLOSED = plan.many(2, ['answer:2']);
const DUE = plan.many(2, ['answer:2']);
const TIMINGS = { ORI_RING_TIMEOUT_S: '5', ORI_MAX_CALL_S: '10' };

type Check = { check: string; status: 'ok' | 'warn' | 'escalate'; evidence: string; next_step: string };
type Diagnosis = {
  campaign_id: string;
  run_no: number;
  checked_at: string;
  workflow_id: string | null;
  checks: Check[];
};
type Alert = { check: string; status: string; since: string; evidence: string; next_step: string };

describe('diagnosis and the stall detector on the real stack', () => {
  let stack: Stack;
  let stormId = '';

  const diagnose = async (id: string): Promise<Diagnosis> => {
    const res = await stack.api<Diagnosis>('GET', `/api/v1/campaigns/${id}/diagnose`);
    expect(res.status).toBe(200);
    return res.body;
  };
  const check = (d: Diagnosis, name: string): Check => {
    const c = d.checks.find((x) => x.check === name);
    if (!c) throw new Error(`no check ${name}`);
    return c;
  };
  const failing = (d: Diagnosis) => d.checks.filter((c) => c.status !== 'ok');
  const alerts = async (id: string): Promise<Alert[]> =>
    (await stack.api<{ alerts: Alert[] }>('GET', `/api/v1/campaigns/${id}/live`)).body.alerts;
  /** The detector raises `name` into live within a minute. */
  const alertRaised = (id: string, name: string, status: string) =>
    eventually(
      `alert ${name} in live`,
      async () => (await alerts(id)).find((a) => a.check === name && a.status === status),
      60_000,
    );

  beforeAll(async () => {
    stack = await startStack({
      scenario: { time_scale: 1, default: { 'sip:503': 1 }, numbers: plan.numbers },
      workerEnv: { ...TIMINGS, ORI_DETECTOR_INTERVAL_S: '3' },
      apiEnv: TIMINGS,
    });
    await stack.startWorker();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('a healthy run: every check ok while it dials and once it completed; no alert', async () => {
    const c = await buildCampaign(stack, { phones: HEALTHY, config: { concurrency: 1 } });
    await eventually('a call answered', async () => stack.sim.calls().some((x) => x.answered_at !== null));
    const during = await diagnose(c.id);
    expect(failing(during)).toEqual([]);
    expect(during.workflow_id).toBe(`campaign-${c.id}-run-1`);
    // The run's own word, through its state query on the worker: it says what it waits for.
    expect(check(during, 'run_workflow').evidence).toMatch(
      /^The run 1 workflow agrees: running \(started\); /,
    );
    await waitForCompletion(stack, c.id);
    const after = await diagnose(c.id);
    expect(failing(after)).toEqual([]);
    expect(check(after, 'report_complete').evidence).toContain('Every ended attempt');
    // A completed campaign has no alert (one seen while its run was finishing is cleared by the next round).
    await eventually('no alert', async () => (await alerts(c.id)).length === 0, 30_000);
  });

  it('a draft without numbers or contacts: start_gaps warns, you can fix', async () => {
    const c = await buildCampaign(stack, { numberIds: [], start: false });
    const d = await diagnose(c.id);
    const gaps = check(d, 'start_gaps');
    expect(gaps.status).toBe('warn');
    expect(gaps.evidence).toContain('number_ids');
    expect(gaps.evidence).toContain('contacts');
    expect(gaps.next_step).toMatch(/^You can fix:/);
    expect(d.workflow_id).toBeNull();
  });

  it('running on a day that is not a working day: window_open warns (you can fix), and the detector raises it', async () => {
    const days = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
    const notToday = days[(new Date().getUTCDay() + 2) % 7] as string;
    const c = await buildCampaign(stack, { phones: CLOSED, config: { working_days: [notToday] } });
    const d = await diagnose(c.id);
    const window = check(d, 'window_open');
    expect(window.status).toBe('warn');
    expect(window.evidence).toContain('not a working day');
    expect(window.next_step).toMatch(/^You can fix: wait for the window to open/);
    expect(failing(d).map((x) => x.check)).toEqual(['window_open']);
    const alert = await alertRaised(c.id, 'window_open', 'warn');
    expect(alert.evidence).toContain('not a working day');
    expect(stack.sim.calls().filter((x) => CLOSED.some((p) => x.number.endsWith(p.slice(1))))).toEqual([]);
  });

  it('a call that never ends: stalled_in_flight escalates past ring timeout + longest call, and the detector raises it', async () => {
    const c = await buildCampaign(stack, { phones: [STALL], config: { concurrency: 1 } });
    const d = await eventually(
      'stalled_in_flight to escalate',
      async () => {
        const x = await diagnose(c.id);
        return check(x, 'stalled_in_flight').status === 'escalate' ? x : null;
      },
      60_000,
    );
    expect(check(d, 'stalled_in_flight').evidence).toContain(
      '1 call in flight longer than the ring timeout plus the longest call (15 s)',
    );
    expect(check(d, 'stalled_in_flight').next_step).toMatch(/^Escalate:/);
    await alertRaised(c.id, 'stalled_in_flight', 'escalate');
  });

  it('a 429 storm from the switch: sip_pattern escalates, and the detector raises it', async () => {
    const c = await buildCampaign(stack, {
      phones: STORM,
      config: { concurrency: 3, max_attempts: 3, retry_on_system: ['rejected'], retry_delay_minutes: 10 },
    });
    const d = await eventually('sip_pattern to escalate', async () => {
      const x = await diagnose(c.id);
      return check(x, 'sip_pattern').status === 'escalate' ? x : null;
    });
    // Escalated as soon as enough attempts ended (5 or 6 of them), every one a 429.
    expect(check(d, 'sip_pattern').evidence).toMatch(/^Of the last [56] attempts: [56] SIP 429 \(100%\)/);
    expect(check(d, 'sip_pattern').next_step).toContain('429, rate limited by the carrier');
    await alertRaised(c.id, 'sip_pattern', 'escalate');
    stormId = c.id;
    // Counted on the worker's /metrics and logged with the campaign id.
    const metricsUrl = stack.workerMetricsUrl;
    if (!metricsUrl) throw new Error('the worker has no metrics URL');
    await eventually('ori_alerts_active on the worker', async () =>
      (await (await fetch(metricsUrl)).text()).includes(
        `ori_alerts_active{campaign_id="${c.id}",check="sip_pattern",status="escalate"} 1`,
      ),
    );
    const raised = (stack.worker?.tail() ?? '')
      .split('\n')
      .filter((l) => l.includes('"alert raised"') && l.includes(c.id) && l.includes('sip_pattern'));
    expect(raised.length).toBe(1);
  });

  it.skipIf(!existsSync(CHROMIUM_PATH) && !process.env.CI)(
    'the browser shows the alert, copies the escalation text, links workflows and finds a contact by phone',
    async () => {
      expect(stormId).not.toBe('');
      const userDataDir = mkdtempSync(path.join(tmpdir(), 'ori-e2e-diagnose-'));
      let ctx: BrowserContext | undefined;
      try {
        ctx = await chromium.launchPersistentContext(userDataDir, {
          executablePath: CHROMIUM_PATH,
          headless: true,
          args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync'],
          viewport: { width: 1280, height: 900 },
          timezoneId: 'UTC',
        });
        await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.apiUrl });
        const page = ctx.pages()[0] ?? (await ctx.newPage());
        page.setDefaultTimeout(20_000);
        const pageErrors: string[] = [];
        page.on('pageerror', (e) => pageErrors.push(e.message));
        await page.goto(`${stack.apiUrl}/dashboard/campaigns`);
        await page.getByLabel('API key').fill(stack.apiKey);
        await page.getByRole('button', { name: 'Sign in', exact: true }).click();
        await page.getByRole('heading', { name: 'Campaigns', level: 1 }).waitFor();
        await page.goto(`${stack.apiUrl}/dashboard/campaigns/${stormId}`);

        // The live panel's alert, as the detector raised it.
        const alert = page.locator('.alerts li[data-check="sip_pattern"]');
        await alert.waitFor();
        await expect(alert.textContent()).resolves.toContain('Escalate');
        await expect(alert.textContent()).resolves.toContain('SIP 429');

        await page.getByRole('button', { name: 'Copy for escalation' }).click();
        const shown = page.getByLabel('Escalation text');
        await shown.waitFor();
        const copied = await page.evaluate(() => navigator.clipboard.readText());
        expect(copied).toBe(await shown.textContent());
        const runUrl = `http://127.0.0.1:8233/namespaces/default/workflows/campaign-${stormId}-run-1`;
        expect(copied).toContain(`Campaign ID: ${stormId}`);
        expect(copied).toContain('Run: 1 (running');
        expect(copied).toMatch(/Time: \d{4}-\d\d-\d\dT/);
        expect(copied).toContain(`Run workflow: ${runUrl}`);
        expect(copied).toMatch(
          /\[ESCALATE\] sip_pattern since .*: Of the last \d attempts: \d SIP 429 \(100%\)/,
        );
        expect(copied).toContain('What was checked');
        for (const name of ['start_gaps', 'window_open', 'worker_polling', 'report_complete'])
          expect(copied).toContain(` ${name}: `);

        // The run's workflow from the page head; a contact found by a number typed as a person would,
        // and its row's link to its own workflow.
        await expect(page.getByRole('link', { name: 'Run workflow' }).getAttribute('href')).resolves.toBe(
          runUrl,
        );
        const typed = (STORM[2] as string).replace(/^\+91(\d{5})(\d{5})$/, '0$1 $2');
        await page.getByLabel('Phone', { exact: true }).fill(typed);
        await page.getByLabel('Phone', { exact: true }).press('Enter');
        const rows = page.locator('table.calls tbody tr');
        await expect.poll(async () => rows.count(), { timeout: 20_000 }).toBe(1);
        const contact = await stack.db.db
          .selectFrom('contacts')
          .select('id')
          .where('campaign_id', '=', stormId)
          .where('phone', '=', STORM[2] as string)
          .executeTakeFirstOrThrow();
        await expect(rows.first().getByRole('link', { name: 'Workflow' }).getAttribute('href')).resolves.toBe(
          `http://127.0.0.1:8233/namespaces/default/workflows/contact-${stormId}-run-1-${contact.id}`,
        );
        expect(pageErrors).toEqual([]);
      } finally {
        await ctx?.close();
        rmSync(userDataDir, { recursive: true, force: true });
      }
    },
  );

  it('the worker stopped while contacts are due: worker_polling escalates naming the task queues', async () => {
    await stack.worker?.stop();
    const c = await buildCampaign(stack, { phones: DUE });
    // Every task queue, once its last poll is older than a long poll could be.
    const tq = stack.taskQueue;
    const everyQueue = `No worker polls ${tq} (workflow), ${tq} (activity), ${tq}-runs (workflow), ${tq}-runs (activity), ${tq}-webhooks (workflow), ${tq}-webhooks (activity) while the run needs it.`;
    const d = await eventually(
      'worker_polling to escalate for every task queue',
      async () => {
        const x = await diagnose(c.id);
        const polling = check(x, 'worker_polling');
        return polling.status === 'escalate' && polling.evidence.startsWith(everyQueue) ? x : null;
      },
      240_000,
    );
    expect(check(d, 'worker_polling').next_step).toMatch(/^Escalate:/);
    expect(check(d, 'switch_connected').status).toBe('escalate');
    expect(stack.sim.calls().filter((x) => DUE.some((p) => x.number.endsWith(p.slice(1))))).toEqual([]);
  });
});
