import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_PATH } from '../../scripts/chromium';
import { addAttempt } from '../../api/routes/contacts.testkit';
import {
  buildCampaign,
  createCarrier,
  eventually,
  NumberPlan,
  startStack,
  waitForCompletion,
  type Stack,
} from './stack';

/**
 * The operator console's defects and views (issue "from watching a campaign to understanding it"), each
 * driven in real Chromium against one whole stack: Postgres, Temporal, the switch simulator, the worker and
 * the API. With ORI_SCREENSHOTS=1 the detail page and the call list are saved to docs/screenshots/.
 */

const plan = new NumberPlan('+9196');
// A bot that asks for a callback at the end of every call: the contact is dialled again and again.
const ALWAYS_CALLBACK = plan.add(['answer:20:CALLBACK:0']);
const UNAVAILABLE = plan.add(['sip:480']);
const INTERESTED = plan.many(3, ['answer:30:INTERESTED']);
const BUSY = plan.many(2, ['sip:486']);
const NOT_INTERESTED = plan.add(['answer:10:NOT_INTERESTED']);
const TWO_PHONES = [plan.add(['sip:486']), plan.add(['answer:15:INTERESTED'])];
const FINISHED = plan.many(4, ['answer:10:INTERESTED']);
const FINISHED_BUSY = plan.many(2, ['sip:503']);
const LONG_RING = plan.many(4, ['no_answer:2000']);
const CHARTED_TALK = plan.many(5, ['answer:40:INTERESTED']);
const CHARTED_BUSY = plan.many(3, ['sip:486']);

const SHOTS = process.env.ORI_SCREENSHOTS ? path.resolve(__dirname, '..', '..', 'docs', 'screenshots') : null;

describe.skipIf(!existsSync(CHROMIUM_PATH) && !process.env.CI)(
  'the operator console on the real stack',
  () => {
    let stack: Stack;
    let ctx: BrowserContext;
    let page: Page;
    let userDataDir = '';
    const pageErrors: string[] = [];

    beforeAll(async () => {
      stack = await startStack({
        scenario: { time_scale: 0.05, default: { 'sip:480': 1 }, numbers: plan.numbers },
      });
      await stack.startWorker();
      userDataDir = mkdtempSync(path.join(tmpdir(), 'ori-console-chromium-'));
      ctx = await chromium.launchPersistentContext(userDataDir, {
        executablePath: CHROMIUM_PATH,
        headless: true,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--no-first-run',
          '--disable-background-networking',
        ],
        viewport: { width: 1280, height: 900 },
        timezoneId: 'UTC',
        acceptDownloads: true,
      });
      page = ctx.pages()[0] ?? (await ctx.newPage());
      page.setDefaultTimeout(20_000);
      page.on('dialog', (d) => void d.accept());
      page.on('pageerror', (e) => pageErrors.push(e.message));
      await page.goto(`${stack.apiUrl}/dashboard/campaigns`);
      await page.getByLabel('API key').fill(stack.apiKey);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('heading', { name: 'Campaigns', level: 1 }).waitFor();
    });

    afterAll(async () => {
      await ctx?.close();
      await stack?.stop();
      if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    });

    const open = async (id: string): Promise<void> => {
      await page.goto(`${stack.apiUrl}/dashboard/campaigns/${id}`);
      await page.locator('.page-head h1').waitFor();
    };
    const actionBar = () => page.getByRole('group', { name: 'Campaign actions' });
    const row = (phone: string) => page.locator('table.calls tbody tr').filter({ hasText: phone });
    /** Resolves after the page's next call-list fetch has been answered (the 3 s poll). */
    const nextPoll = () =>
      page.waitForResponse((r) => /\/contacts\?/.test(r.url()) && r.request().method() === 'GET', {
        timeout: 10_000,
      });

    it('a running campaign: the call list answers questions and survives its refreshes', async () => {
      const csv = [
        'phone1,phone2,name',
        `${UNAVAILABLE},,Una Vail`,
        ...INTERESTED.map((p, i) => `${p},,Ivy ${i}`),
        `${NOT_INTERESTED},,Ned`,
        `${TWO_PHONES[0]},${TWO_PHONES[1]},Tess Two`,
        ...BUSY.map((p, i) => `${p},,Bo ${i}`),
        `${ALWAYS_CALLBACK},,Cal Back`,
      ].join('\n');
      const campaign = await buildCampaign(stack, {
        csv,
        botCallbackEnabled: true,
        config: {
          name: 'Console running',
          concurrency: 2,
          max_attempts: 3,
          retry_on_system: ['rejected'],
          retry_delay_minutes: 1,
          callback_detection: true,
          window: { start: '00:00', end: '23:59', timezone: 'Asia/Kolkata' },
        },
      });
      // Wait until the always-callback contact was dialled four times (one pass, three callbacks).
      await eventually(
        'four dials of the always-callback contact',
        async () => {
          const res = await stack.api<{ items: { phone: string; attempts: number }[] }>(
            'GET',
            `/api/v1/campaigns/${campaign.id}/contacts?per_page=50`,
          );
          const cb = res.body.items.find((i) => i.phone === ALWAYS_CALLBACK);
          const others = res.body.items.filter((i) => i.phone !== ALWAYS_CALLBACK && i.attempts === 0);
          return cb && cb.attempts >= 4 && others.length === 0;
        },
        90_000,
      );
      await open(campaign.id);
      await page.getByRole('heading', { name: 'Calls' }).waitFor();

      // Defect 5: callbacks do not count against max_attempts: "1/3" and "+N callbacks", never "6/3".
      const cbRow = row(ALWAYS_CALLBACK);
      const attemptsCell = cbRow.locator('td.attempts');
      await expect.poll(() => attemptsCell.textContent()).toMatch(/^1\/3\+\d+ callbacks$/);
      expect(await cbRow.locator('.contact-name').textContent()).toBe('Cal Back');
      expect(await cbRow.locator('.att-dispo').first().textContent()).toContain('CALLBACK');
      // Next due: a busy number's retry, in the campaign's timezone (India Standard Time).
      await expect
        .poll(() => row(BUSY[1]!).locator('td.next-due').textContent(), { timeout: 15_000 })
        .toMatch(/Retry due.*GMT\+5:30/);

      // Several phones: the phone being tried and the pass.
      const twoRow = row('Tess Two');
      await expect.poll(() => twoRow.textContent()).toMatch(/Phone [12] of 2 · Pass 1/);

      // Defect 4: a refresh patches the rows in place; a text selection and the attempt under the pointer
      // (its tooltip carries the SIP reason) survive it.
      const firstRow = row(UNAVAILABLE);
      const attempt = firstRow.locator('li.attempt').first();
      await attempt.hover();
      expect(await attempt.getAttribute('title')).toContain('SIP 480');
      await page.evaluate((phone) => {
        const w = window as unknown as { kept: Element | null; hovered: Element | null };
        const cell = Array.from(document.querySelectorAll('table.calls tbody tr .phone')).find(
          (e) => e.textContent === phone,
        )!;
        const range = document.createRange();
        range.selectNodeContents(cell);
        window.getSelection()!.removeAllRanges();
        window.getSelection()!.addRange(range);
        w.kept = cell;
        w.hovered = document.querySelector('table.calls li.attempt:hover');
      }, UNAVAILABLE);
      await nextPoll();
      await nextPoll();
      expect(
        await page.evaluate(() => {
          const w = window as unknown as { kept: Element | null; hovered: Element | null };
          return {
            selected: String(window.getSelection()),
            kept: w.kept?.isConnected,
            hovered: w.hovered?.isConnected && w.hovered.matches(':hover'),
          };
        }),
      ).toEqual({ selected: UNAVAILABLE, kept: true, hovered: true });
      await page.evaluate(() => window.getSelection()!.removeAllRanges());

      // Defect 7: the active callback chip stays readable under the pointer.
      const chip = page.getByRole('button', { name: 'Callbacks requested' });
      await chip.click();
      await expect.poll(() => chip.getAttribute('aria-pressed')).toBe('true');
      await chip.hover();
      const colours = await chip.evaluate((el) => {
        const s = getComputedStyle(el);
        return [s.color, s.backgroundColor];
      });
      expect(colours).toEqual(['rgb(255, 255, 255)', 'rgb(67, 56, 202)']);
      await page.getByRole('button', { name: 'All calls' }).click();

      // Filter by outcome and by disposition; sort by most dials.
      await page.getByLabel('Outcome', { exact: true }).selectOption('rejected');
      await expect
        .poll(async () => (await page.locator('table.calls tbody tr .contact-name').allTextContents()).sort())
        .toEqual(['Bo 0', 'Bo 1']);
      await page.getByLabel('Outcome', { exact: true }).selectOption('');
      await page.getByLabel('Disposition', { exact: true }).fill('interested');
      await page.getByLabel('Disposition', { exact: true }).press('Enter');
      await expect
        .poll(async () => (await page.locator('table.calls tbody tr .contact-name').allTextContents()).sort())
        .toEqual(['Ivy 0', 'Ivy 1', 'Ivy 2', 'Tess Two']);
      // An unfiltered list answered after the filtered one (a poll sent just before the filter changed)
      // does not bring the filtered-out rows back.
      const contactsList = /\/contacts\?/;
      await page.route(contactsList, async (route) => {
        if (!route.request().url().includes('disposition=')) await new Promise((r) => setTimeout(r, 2500));
        await route.continue();
      });
      const disposition = page.getByLabel('Disposition', { exact: true });
      await disposition.fill('');
      await disposition.press('Enter');
      await disposition.fill('interested');
      await disposition.press('Enter');
      await page.waitForTimeout(3500);
      expect((await page.locator('table.calls tbody tr .contact-name').allTextContents()).sort()).toEqual([
        'Ivy 0',
        'Ivy 1',
        'Ivy 2',
        'Tess Two',
      ]);
      await page.unroute(contactsList);
      await page.getByLabel('Disposition', { exact: true }).fill('');
      await page.getByLabel('Disposition', { exact: true }).press('Enter');
      await page.getByLabel('Sort by').selectOption('attempts');
      await expect
        .poll(() => page.locator('table.calls tbody tr .contact-name').first().textContent())
        .toBe('Cal Back');

      // The contact drawer: the whole story with SIP code, ring and talk time, disposition and decisions.
      await row('Tess Two').locator('.contact-name').click();
      const drawer = page.getByRole('dialog', { name: /Tess Two/ });
      await drawer.waitFor();
      await drawer.getByText('Attempt 2').waitFor();
      const story = await drawer.textContent();
      expect(story).toContain('486 (Line busy)');
      expect(story).toContain("Then: Tried the contact's next number in the same pass");
      expect(story).toContain('Disposition');
      expect(story).toContain('INTERESTED');
      expect(story).toMatch(/Talk time\d+(\.\d)? s/);
      expect(story).toContain('Final: completed');
      await drawer.getByRole('button', { name: 'Close' }).click();

      if (SHOTS) {
        mkdirSync(SHOTS, { recursive: true });
        await page.getByLabel('Sort by').selectOption('');
        await page.waitForTimeout(500);
        await page
          .locator('section[aria-labelledby="calls-title"]')
          .screenshot({ path: path.join(SHOTS, 'call-list.png') });
      }
      const stopped = await stack.api('POST', `/api/v1/campaigns/${campaign.id}/stop`);
      expect(stopped.status).toBe(200);
    });

    it('a finished campaign: whole-run figures, pass ranges, Restart then Cancel Restart in the action bar', async () => {
      const campaign = await buildCampaign(stack, {
        phones: [...FINISHED, ...FINISHED_BUSY],
        config: { name: 'Console finished', concurrency: 3, max_attempts: 1 },
      });
      await waitForCompletion(stack, campaign.id);
      await open(campaign.id);
      // Defect 2: the whole run's figures, total connected first; not the last-10-seconds counters.
      const progress = page.locator('section[aria-labelledby="progress-title"]');
      await expect.poll(() => progress.textContent()).toContain('Total connected 4');
      const text = (await progress.textContent()) ?? '';
      expect(text).toContain('Dials 6');
      expect(text).not.toMatch(/Dials\/sec 0(?![.\d])/);
      expect(text).toMatch(/Calls\/min \d/);

      // Results at a glance: KPI cards, the disposition breakdown, the pool number's outcomes and SIP codes.
      const results = page.locator('section[aria-labelledby="results-title"]');
      const kpi = (label: string) => results.locator('.kpi').filter({ hasText: label }).locator('dd');
      await expect.poll(() => kpi('Calls made').textContent()).toBe('6');
      expect(await kpi('Reached').textContent()).toBe('4');
      expect(await kpi('Interested').textContent()).toBe('4');
      expect(await kpi('Opted out').textContent()).toBe('0');
      expect(await results.getByRole('listitem').filter({ hasText: 'INTERESTED' }).textContent()).toContain(
        '4',
      );
      const numberRow = results.locator('table.numbers tbody tr');
      expect(await numberRow.count()).toBe(1);
      expect(await numberRow.textContent()).toMatch(/rejected 2.*503 2/);

      // Defect 9: created time with its timezone (the window's: UTC).
      expect(await page.locator('.lifecycle').textContent()).toMatch(/Created.*UTC/);

      // Defect 9: Restart prepares a run; Cancel Restart is in the action bar, not only in the notice.
      await actionBar().getByRole('button', { name: 'Restart' }).click();
      await actionBar().getByRole('button', { name: 'Cancel Restart' }).waitFor();
      await actionBar().getByRole('button', { name: 'Cancel Restart' }).click();
      await page.locator('.page-head .badge-completed').waitFor();
      expect(await actionBar().getByRole('button', { name: 'Cancel Restart' }).count()).toBe(0);
      if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'detail-finished.png'), fullPage: true });

      // Defect 6: a callback kept in pass 1 and dialled late does not stretch pass 1 past pass 2.
      const seeded = await buildCampaign(stack, {
        phones: [plan.add(['sip:486']), plan.add(['sip:486'])],
        start: false,
        config: { name: 'Console passes', callback_detection: true, max_attempts: 2 },
      });
      const contacts = await stack.db.db
        .selectFrom('contacts')
        .select(['id', 'phone'])
        .where('campaign_id', '=', seeded.id)
        .orderBy('seq')
        .execute();
      const t0 = new Date('2026-12-01T10:00:00Z');
      const at = (m: number) => new Date(t0.getTime() + m * 60_000);
      const dial = (i: number, attemptNo: number, pass: number, m: number, admitPriority = 1) =>
        addAttempt(stack.db.db, {
          campaignId: seeded.id,
          contactId: contacts[i]!.id,
          attemptNo,
          pass,
          phone: contacts[i]!.phone,
          createdAt: at(m),
          admitPriority,
        });
      await dial(0, 1, 1, 0);
      await dial(1, 1, 1, 1);
      await dial(1, 2, 2, 31);
      await dial(0, 2, 1, 95, 0);
      await stack.db.db
        .updateTable('campaigns')
        .set({ status: 'completed', ever_started: true, completion_reason: 'all_final' })
        .where('id', '=', seeded.id)
        .execute();
      await stack.db.db
        .updateTable('contacts')
        .set({ state: 'failed' })
        .where('campaign_id', '=', seeded.id)
        .execute();
      await open(seeded.id);
      const passRows = page.locator('section[aria-labelledby="passes-title"] tbody tr');
      await expect.poll(() => passRows.count()).toBe(2);
      expect(await passRows.nth(0).locator('td').nth(3).textContent()).toBe(
        'Dec 1, 10:00 AM – Dec 1, 10:01 AM',
      );
      expect(await passRows.nth(1).locator('td').nth(3).textContent()).toBe(
        'Dec 1, 10:31 AM – Dec 1, 10:31 AM',
      );
    });

    it("over the run: the charts draw the API's series; talk time is priced at the carrier's rate", async () => {
      // The rate is set in the Setup page's carrier list.
      const { carrierId, numberIds } = await createCarrier(stack);
      const carrierName = (
        await stack.api<{ id: string; name: string }[]>('GET', '/api/v1/carriers')
      ).body.find((c) => c.id === carrierId)!.name;
      await page.goto(`${stack.apiUrl}/dashboard/setup`);
      await page.getByLabel(`Rate per minute for ${carrierName}`).fill('0.25');
      await page.getByRole('button', { name: `Save the rate of ${carrierName}` }).click();
      await page
        .locator('.toast')
        .filter({ hasText: `Rate saved for ${carrierName}` })
        .waitFor();
      const carriers = await stack.api<{ id: string; cost_per_minute: number | null }[]>(
        'GET',
        '/api/v1/carriers',
      );
      expect(carriers.body.find((c) => c.id === carrierId)?.cost_per_minute).toBe(0.25);

      // Busy numbers are retried a minute later: a second pass.
      const campaign = await buildCampaign(stack, {
        phones: [...CHARTED_TALK, ...CHARTED_BUSY],
        numberIds,
        config: {
          name: 'Console charts',
          concurrency: 2,
          max_attempts: 2,
          retry_on_system: ['rejected'],
          retry_delay_minutes: 1,
          window: { start: '00:00', end: '23:59', timezone: 'Asia/Kolkata' },
        },
      });
      const section = page.locator('section[aria-labelledby="charts-title"]');
      // While it runs (pass 1 done, the retries a minute away), the charts refresh in place: the drawing
      // under the reader's eyes is patched, not replaced.
      await eventually(
        'pass 1 dialled',
        async () => {
          const c = await stack.api<{ passes: { dialled: number[] }[] }>(
            'GET',
            `/api/v1/campaigns/${campaign.id}/charts`,
          );
          return c.body.passes[0]?.dialled.at(-1) === 8;
        },
        60_000,
      );
      await open(campaign.id);
      await section.locator('figure[data-chart="chart-dial-rate"] svg').waitFor();
      await page.evaluate(() => {
        (window as unknown as { svg: Element | null }).svg = document.querySelector(
          'figure[data-chart="chart-dial-rate"] svg',
        );
      });
      await page.waitForResponse((r) => /\/charts$/.test(r.url()), { timeout: 30_000 });
      await page.waitForTimeout(300);
      expect(await page.evaluate(() => (window as unknown as { svg: Element }).svg.isConnected)).toBe(true);

      await waitForCompletion(stack, campaign.id, 240_000);
      await open(campaign.id);
      await section.locator('figure[data-chart="chart-passes"]').waitFor();

      type Charts = {
        bucket_s: number;
        timeline: { at: string; dials: number; dials_per_sec: number; seats_in_use: number }[];
        passes: { pass: number; dialled: number[] }[];
        answer_by_hour: { hour: number; dials: number; answered: number; answer_rate: number }[];
      };
      const charts = (await stack.api<Charts>('GET', `/api/v1/campaigns/${campaign.id}/charts`)).body;
      expect(charts.passes.map((p) => p.pass)).toEqual([1, 2]);
      expect(charts.timeline.reduce((n, b) => n + b.dials, 0)).toBe(11);

      /** Each mark's value, and whether its height on the drawing matches it against the y axis. */
      const drawn = (chart: string, mark: string) =>
        section.locator(`figure[data-chart="${chart}"] svg`).evaluate((svg, markSel) => {
          const grid = Array.from(svg.querySelectorAll('.chart-grid line'));
          const y0 = Number(grid[0]!.getAttribute('y1'));
          const yTop = Number(grid.at(-1)!.getAttribute('y1'));
          const top = Number((svg as SVGElement).dataset.top);
          return Array.from(svg.querySelectorAll(markSel)).map((m) => {
            const value = Number((m as SVGElement).dataset.value);
            const y = m.tagName === 'circle' ? Number(m.getAttribute('cy')) : Number(m.getAttribute('y'));
            const expectedY = y0 - (value / top) * (y0 - yTop);
            return { value, placed: Math.abs(y - expectedY) < 0.2 };
          });
        }, mark);
      const values = (marks: { value: number; placed: boolean }[]) => {
        expect(marks.every((m) => m.placed)).toBe(true);
        return marks.map((m) => m.value);
      };

      // Dials per second and seats in use: one point per bucket, at the API's values.
      expect(values(await drawn('chart-dial-rate', 'circle'))).toEqual(
        charts.timeline.map((b) => b.dials_per_sec),
      );
      expect(values(await drawn('chart-seats', 'circle'))).toEqual(
        charts.timeline.map((b) => b.seats_in_use),
      );
      expect(
        await section.locator('figure[data-chart="chart-seats"] .chart-limit').getAttribute('data-value'),
      ).toBe('2');
      // Answer rate: one bar per hour of the campaign's clock, as a percentage.
      expect(values(await drawn('chart-answer-rate', 'rect'))).toEqual(
        charts.answer_by_hour.map((r) => Math.round(r.answer_rate * 1000) / 10),
      );
      // Pass progression: a line per pass, its points the contacts dialled in it so far.
      const passes = section.locator('figure[data-chart="chart-passes"] .chart-series');
      expect(await passes.evaluateAll((gs) => gs.map((g) => (g as SVGElement).dataset.series))).toEqual([
        'Pass 1',
        'Pass 2',
      ]);
      for (const [i, p] of charts.passes.entries()) {
        const marks = await passes
          .nth(i)
          .evaluate((g) =>
            Array.from(g.querySelectorAll('circle')).map((c) => Number((c as SVGElement).dataset.value)),
          );
        expect(marks).toEqual(p.dialled);
      }
      expect(charts.passes[0]!.dialled.at(-1)).toBe(8);
      expect(charts.passes[1]!.dialled.at(-1)).toBe(3);

      // Accessible: a titled, described image, and the figures as a table.
      const dialRate = section.getByRole('img', { name: 'Dials per second' });
      expect(await dialRate.getAttribute('aria-describedby')).toBe('chart-dial-rate-desc');
      expect(await section.locator('#chart-dial-rate-desc').textContent()).toMatch(
        /^11 dials over the run, in \d+-second buckets\. Busiest: [\d.]+ dials per second at /,
      );
      await section.locator('figure[data-chart="chart-dial-rate"] summary').click();
      expect(await section.locator('figure[data-chart="chart-dial-rate"] details tbody tr').count()).toBe(
        charts.timeline.length,
      );
      await section.locator('figure[data-chart="chart-dial-rate"] summary').click();

      // Talk time priced at the carrier's rate: what the switch's calls talked, × 0.25 per minute.
      const talk = await stack.db.db
        .selectFrom('attempts')
        .select((eb) => eb.fn.sum<string>('talk_s').as('s'))
        .where('campaign_id', '=', campaign.id)
        .executeTakeFirstOrThrow();
      const expectedCost = Math.round((Number(talk.s) / 60) * 0.25 * 10_000) / 10_000;
      const results = (
        await stack.api<{ talk: { cost: number; minutes: number }; talk_by_day: { minutes: number }[] }>(
          'GET',
          `/api/v1/campaigns/${campaign.id}/results`,
        )
      ).body;
      expect(results.talk.cost).toBeCloseTo(expectedCost, 4);
      const talkTable = page.locator('section[aria-labelledby="results-title"] table.talk');
      const shown = expectedCost < 0.01 ? expectedCost.toFixed(4) : expectedCost.toFixed(2);
      // The cost section's trend: a bar per day at the API's minutes.
      const talkBars = await page
        .locator('figure[data-chart="chart-talk"] svg rect')
        .evaluateAll((rs) => rs.map((r) => Number((r as SVGElement).dataset.value)));
      expect(talkBars).toEqual(results.talk_by_day.map((d) => d.minutes));
      expect(await page.locator('#chart-talk-desc').textContent()).toContain(`costing ${shown}.`);
      expect(await talkTable.locator('tfoot td.cost').textContent()).toBe(shown);
      expect(await talkTable.locator('thead').textContent()).toContain('Day (Asia/Kolkata)');

      // A finished run's figures do not change: the page does not ask for them again.
      const asked: string[] = [];
      const onRequest = (r: { url(): string }) => {
        if (/\/charts$/.test(r.url())) asked.push(r.url());
      };
      page.on('request', onRequest);
      await page.waitForTimeout(16_000);
      page.off('request', onRequest);
      expect(asked).toEqual([]);
      if (SHOTS) {
        mkdirSync(SHOTS, { recursive: true });
        await section.screenshot({ path: path.join(SHOTS, 'charts.png') });
      }
    });

    it('Pause → Edit → Resume: the grid, the setup JSON and the title agree on the new config version', async () => {
      const campaign = await buildCampaign(stack, {
        phones: LONG_RING,
        // Retries a minute apart keep it running (or waiting) for the whole scenario.
        config: {
          name: 'Console edited',
          concurrency: 20,
          stop_redials_after_connect_s: 10,
          max_attempts: 3,
          retry_delay_minutes: 1,
          retry_on_system: ['no_answer', 'rnr'],
        },
      });
      await open(campaign.id);
      await actionBar().getByRole('button', { name: 'Pause' }).click();
      await page.locator('.page-head .badge-paused').waitFor();
      await actionBar().getByRole('link', { name: 'Edit' }).click();
      await page.getByRole('button', { name: /Dialler Config/ }).click();
      await page.getByLabel('Concurrency Limit').fill('25');
      await page.getByLabel('Connected longer than (seconds)').fill('30');
      await page.getByRole('button', { name: /Review/ }).click();
      await page.getByRole('button', { name: 'Save Campaign', exact: true }).click();
      await page.waitForURL(new RegExp(`/dashboard/campaigns/${campaign.id}$`));
      await actionBar().getByRole('button', { name: 'Resume' }).click();
      await page.locator('.page-head .badge-running').waitFor();

      const panel = page.locator('section[aria-labelledby="config-title"]');
      await expect
        .poll(() => panel.getByRole('heading').textContent())
        .toBe('Campaign Config · Run #1 · Version 2');
      const grid = (await panel.locator('dl.grid').textContent()) ?? '';
      expect(grid).toContain('Concurrency25');
      expect(grid).toContain('30s connected');
      expect(await panel.locator('.config-change').textContent()).toMatch(
        /Edited mid-run by .+ at .+: Concurrency limit: 20 → 25 · Stop redials after a connect of: 10 → 30/,
      );
      await panel.getByRole('button', { name: 'Show setup JSON' }).click();
      const json = JSON.parse((await panel.locator('#setup-json').textContent()) ?? '{}') as {
        config_version: number;
        config: { concurrency: number; stop_redials_after_connect_s: number };
      };
      expect(json).toMatchObject({
        config_version: 2,
        config: { concurrency: 25, stop_redials_after_connect_s: 30 },
      });
      // The version the run started with stays readable.
      await panel.getByRole('button', { name: 'Earlier versions (1)' }).click();
      const earlier = panel.getByRole('list', { name: 'Config versions' });
      await earlier.getByText('Version 1').waitFor();
      expect(await earlier.locator('pre').textContent()).toContain('"concurrency": 20');
      expect((await stack.api('POST', `/api/v1/campaigns/${campaign.id}/stop`)).status).toBe(200);
    });

    it('error boxes: no literal "null", words instead of field names, and a "Failed to start" toast', async () => {
      // Defect 1: an unknown campaign id.
      await page.goto(`${stack.apiUrl}/dashboard/campaigns/00000000-0000-4000-8000-000000000000`);
      const alert = page.getByRole('alert').filter({ hasText: /does not exist/i });
      await alert.waitFor();
      expect(await alert.textContent()).not.toContain('null');

      // Defect 8: a refused start, for a campaign without numbers or contacts.
      const bot = await stack.api<{ id: string }>('POST', '/api/v1/bots', { name: 'No-number bot' });
      const draft = await stack.api<{ id: string }>('POST', '/api/v1/campaigns', {
        name: 'Console refused',
        bot_id: bot.body.id,
      });
      await open(draft.body.id);
      await actionBar().getByRole('button', { name: 'Start' }).click();
      const refused = page.getByRole('alert').filter({ hasText: /cannot start/i });
      await refused.waitFor();
      const words = (await refused.textContent()) ?? '';
      expect(words).toContain('Outbound numbers:');
      expect(words).not.toMatch(/number_ids|null/);
      await page.locator('.toast-error').filter({ hasText: 'Failed to start' }).waitFor();
    });

    it('the campaign list fits 390 px and copies an ID; the wizard counts contacts and warns', async () => {
      const { numberIds } = await createCarrier(stack, { cpsLimit: 5 });
      await stack.api('POST', '/api/v1/bots', { name: 'Callbacks-off bot', callback_enabled: false });
      await ctx.grantPermissions(['clipboard-read', 'clipboard-write']);
      await page.setViewportSize({ width: 390, height: 800 });
      await page.goto(`${stack.apiUrl}/dashboard/campaigns`);
      await page.getByRole('heading', { name: 'Campaigns', level: 1 }).waitFor();
      await page.locator('table tbody tr').first().waitFor();
      // Defect 9: the page itself never scrolls sideways at 390 px (the table scrolls inside its box).
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await page.getByRole('button', { name: 'Copy the ID of Console finished' }).click();
      const copied = await page.evaluate(() => navigator.clipboard.readText());
      expect(copied).toMatch(/^[0-9a-f-]{36}$/);
      await page.setViewportSize({ width: 1280, height: 900 });

      // Defect 10: the review step counts the file's contacts, shows a phone sample, and warns.
      await page.goto(`${stack.apiUrl}/dashboard/campaigns/new`);
      const next = page.getByRole('button', { name: 'Next', exact: true });
      await page.getByLabel('Campaign Name').fill('Console wizard');
      await page.getByLabel('Bot').selectOption({ label: 'Callbacks-off bot' });
      await next.click();
      const numbers = await stack.api<{ id: string; e164: string }[]>('GET', '/api/v1/numbers');
      const e164 = numbers.body.find((n) => n.id === numberIds[0])!.e164;
      await page.getByRole('checkbox', { name: new RegExp(e164.replace('+', '\\+')) }).check();
      await next.click();
      await page.getByLabel('Concurrency Limit').fill('100000');
      await page.getByRole('checkbox', { name: 'Callback Detection' }).check();
      await next.click();
      const rows = Array.from({ length: 1234 }, (_, i) => `98${String(76500000 + i)},Lead ${i}`);
      await page.getByLabel('Contacts CSV').setInputFiles({
        name: 'leads.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from(`phone_number,name\n${rows.join('\n')}\n`),
      });
      await next.click();
      const review = page.locator('section[aria-labelledby="step-4-title"]');
      await expect.poll(() => review.textContent()).toContain('Contacts in file1,234');
      expect(await review.textContent()).toContain('Phone format sample9876500000, 9876500001, 9876500002');
      const warnings = await review.locator('.guardrail').allTextContents();
      expect(warnings).toHaveLength(2);
      expect(warnings[0]).toContain('Concurrency 100,000 is more than the number pool can feed');
      expect(warnings[1]).toContain('has its callbacks turned off');
      expect(pageErrors).toEqual([]);
    });

    it('skipped CSV rows: the import summary survives a reload, lists an append, and downloads every skipped row', async () => {
      const { numberIds } = await createCarrier(stack, {});
      await stack.api('POST', '/api/v1/bots', { name: 'Import bot', callback_enabled: false });
      const good = ['+919811200001', '+919811200002', '+919811200003'];
      const bad = Array.from({ length: 105 }, (_, i) => `bad-${i},Bad ${i},silver`);
      const csv = [
        'phone_number,name,tier',
        ...good.map((p, i) => `${p},Good ${i},gold`),
        ...bad,
        `${good[0]},Again,gold`,
        ',Nobody,gold',
      ].join('\n');

      await page.goto(`${stack.apiUrl}/dashboard/campaigns/new`);
      const next = page.getByRole('button', { name: 'Next', exact: true });
      await page.getByLabel('Campaign Name').fill('Console import');
      await page.getByLabel('Bot').selectOption({ label: 'Import bot' });
      await next.click();
      const numbers = await stack.api<{ id: string; e164: string }[]>('GET', '/api/v1/numbers');
      const e164 = numbers.body.find((n) => n.id === numberIds[0])!.e164;
      await page.getByRole('checkbox', { name: new RegExp(e164.replace('+', '\\+')) }).check();
      await next.click();
      await next.click();
      await page
        .getByLabel('Contacts CSV')
        .setInputFiles({ name: 'import.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
      await next.click();
      await page.getByRole('button', { name: 'Create Campaign' }).click();
      await page.getByText('Contacts uploaded: 3 added, 107 skipped.').waitFor();

      const summary = page.locator('section[aria-labelledby="import-summary-title"]');
      const checkSummary = async (): Promise<void> => {
        await summary.waitFor();
        expect(await summary.locator('.import-totals').textContent()).toBe(
          '1 upload: 3 contacts added, 107 rows skipped.',
        );
        const cells = await summary.locator('tbody tr').first().locator('td').allTextContents();
        expect(cells.slice(1, 5)).toEqual(['bootstrap', 'Replaced the list', '3', '107']);
      };
      await checkSummary();
      await page.reload();
      await page.locator('.page-head h1').waitFor();
      await checkSummary();
      // The one-off notice of the upload is gone; the summary is read from the API.
      expect(await page.getByText('Contacts uploaded: 3 added, 107 skipped.').count()).toBe(0);

      const [download] = await Promise.all([
        page.waitForEvent('download'),
        summary.getByRole('button', { name: /^Download the 107 skipped rows/ }).click(),
      ]);
      expect(download.suggestedFilename()).toMatch(/^upload-[0-9a-f]{8}-skipped-rows\.csv$/);
      const lines = readFileSync(await download.path(), 'utf8')
        .trimEnd()
        .split('\n');
      expect(lines[0]).toBe('row,reason,phone_number,name,tier');
      expect(lines.slice(1)).toHaveLength(107);
      expect(lines[1]).toBe('5,"invalid phone number ""bad-0""",bad-0,Bad 0,silver');
      expect(lines[105]).toBe('109,"invalid phone number ""bad-104""",bad-104,Bad 104,silver');
      expect(lines[106]).toBe("110,duplicate of row 2 (+919811200001),'+919811200001,Again,gold");
      expect(lines[107]).toBe('111,missing phone number,,Nobody,gold');

      // An append to the running campaign is a second upload: the summary lists both, newest first, and
      // the rows the database refused download as the import read them.
      const campaignId = new URL(page.url()).pathname.split('/').pop()!;
      expect((await stack.api('POST', `/api/v1/campaigns/${campaignId}/start`)).status).toBe(200);
      await actionBar().getByRole('button', { name: 'Add contacts (CSV)' }).waitFor();
      await page.getByLabel('CSV file of contacts to add').setInputFiles({
        name: 'more.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from(`name,phone_number\nNew,+919811200004\nAgain,${good[1]}\n`),
      });
      await expect
        .poll(() => summary.locator('.import-totals').textContent())
        .toBe('2 uploads: 4 contacts added, 108 rows skipped.');
      const newest = await summary.locator('tbody tr').first().locator('td').allTextContents();
      expect(newest.slice(1, 5)).toEqual(['bootstrap', 'Appended', '1', '1']);
      const [appended] = await Promise.all([
        page.waitForEvent('download'),
        summary.getByRole('button', { name: /^Download the 1 skipped rows/ }).click(),
      ]);
      expect(readFileSync(await appended.path(), 'utf8')).toBe(
        "row,reason,name,phone_number\n3,already in the campaign (+919811200002),Again,'+919811200002\n",
      );
      // A CSV a CRM appends through the API shows up with the next refresh, without a reload.
      const crm = await stack.api(
        'POST',
        `/api/v1/campaigns/${campaignId}/contacts`,
        'phone_number\n+919811200005\n',
        'text/csv',
      );
      expect(crm.status).toBe(200);
      await expect
        .poll(() => summary.locator('.import-totals').textContent(), { timeout: 15_000 })
        .toBe('3 uploads: 5 contacts added, 108 rows skipped.');
      expect(pageErrors).toEqual([]);
    });

    it('Setup › Frequency cap: turned on, kept across a reload, a bad value named at its field, turned off', async () => {
      type Settings = { frequency_cap: { max_calls: number; per_hours: number } | null };
      const stored = async () => (await stack.api<Settings>('GET', '/api/v1/settings')).body.frequency_cap;
      await page.goto(`${stack.apiUrl}/dashboard/setup`);
      const section = page.locator('section[aria-labelledby="frequency-cap-title"]');
      const status = section.locator('[data-part="frequency-cap-status"]');
      await expect.poll(() => status.textContent()).toContain('Off');
      await section.getByLabel('Limit the calls to one number').check();
      // The usual rule is offered: 3 in 24 h.
      expect(await section.getByLabel('Calls', { exact: true }).inputValue()).toBe('3');
      await section.getByLabel('Calls', { exact: true }).fill('2');
      await section.getByLabel('In hours').fill('24');
      await section.getByRole('button', { name: 'Save frequency cap' }).click();
      await page.locator('.toast').filter({ hasText: 'Frequency cap saved' }).waitFor();
      expect(await stored()).toEqual({ max_calls: 2, per_hours: 24 });
      expect(await status.textContent()).toBe('At most 2 calls to a number in 24 h, across every campaign');

      await page.reload();
      await expect.poll(() => status.textContent()).toContain('At most 2 calls');
      expect(await section.getByLabel('Limit the calls to one number').isChecked()).toBe(true);
      expect(await section.getByLabel('Calls', { exact: true }).inputValue()).toBe('2');

      // A bad value: the API's 422 is shown at the field, and nothing changes.
      await section.getByLabel('Calls', { exact: true }).fill('0');
      await section.getByRole('button', { name: 'Save frequency cap' }).click();
      const error = section.locator('.field[data-for="frequency_cap.max_calls"] .field-error');
      await error.waitFor();
      expect(await error.textContent()).toContain('whole number from 1');
      expect(await stored()).toEqual({ max_calls: 2, per_hours: 24 });

      await section.getByLabel('Limit the calls to one number').uncheck();
      await section.getByRole('button', { name: 'Save frequency cap' }).click();
      await expect.poll(() => status.textContent()).toContain('Off');
      expect(await stored()).toBeNull();
      expect(pageErrors).toEqual([]);
    });

    it("the contact drawer shows the contact's own zone and clock, and what holds it until when", async () => {
      // New York's number (212): its zone comes from the number. Held by its own hours (as the claim holds).
      const phone = '+12125550188';
      const campaign = await buildCampaign(stack, {
        csv: `phone_number,name\n${phone},Nora York`,
        config: { name: 'Drawer hours', recipient_hours: true },
        start: false,
      });
      const due = new Date(Date.now() + 3 * 3_600_000);
      await stack.db.db
        .updateTable('contacts')
        .set({ held_by: 'recipient_hours', next_due_at: due })
        .where('campaign_id', '=', campaign.id)
        .execute();
      await open(campaign.id);
      // The call list: its clock and zone under the number, and a badge for the hold.
      await expect
        .poll(() => row('Nora York').locator('[data-part="local-clock"]').textContent())
        .toMatch(/^\d\d:\d\d · America\/New_York$/);
      expect(await row('Nora York').locator('.badge-held').textContent()).toBe('Local hours');
      await row('Nora York').locator('.contact-name').click();
      const drawer = page.getByRole('dialog', { name: /Nora York/ });
      await drawer.waitFor();
      const clock = drawer.locator('[data-part="local-clock"]');
      await expect.poll(() => clock.textContent()).toMatch(/^Local time \d\d:\d\d · America\/New_York$/);
      const held = await drawer.locator('[data-part="held"]').textContent();
      expect(held).toMatch(/^Waiting for its own calling hours: ready again /);
      await drawer.getByRole('button', { name: 'Close' }).click();
      expect(pageErrors).toEqual([]);
    });
  },
);
