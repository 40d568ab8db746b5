import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_PATH } from '../../scripts/chromium';
import { startStack, type Stack } from './stack';

/**
 * An operator's first campaign in a real browser against the whole real stack: sign in with the key, build
 * the campaign in the wizard (with its CSV), start it from the detail page, and watch it complete; the
 * simulator's call log proves every contact was dialled once.
 */

const PHONES = Array.from({ length: 8 }, (_, i) => `+9198770000${String(i).padStart(2, '0')}`);

describe.skipIf(!existsSync(CHROMIUM_PATH) && !process.env.CI)('the web UI on the real stack', () => {
  let stack: Stack;
  let ctx: BrowserContext;
  let page: Page;
  let userDataDir = '';
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const numbers: Record<string, string[]> = {};
    PHONES.forEach((p, i) => (numbers[p] = [i % 2 === 0 ? 'answer:10:INTERESTED' : 'sip:486']));
    stack = await startStack({ scenario: { time_scale: 0.05, default: { 'sip:503': 1 }, numbers } });
    await stack.startWorker();
    userDataDir = mkdtempSync(path.join(tmpdir(), 'ori-e2e-chromium-'));
    ctx = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1280, height: 900 },
      timezoneId: 'UTC',
    });
    page = ctx.pages()[0] ?? (await ctx.newPage());
    page.setDefaultTimeout(15_000);
    page.on('dialog', (d) => void d.accept());
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });

  afterAll(async () => {
    await ctx?.close();
    await stack?.stop();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  it('builds, starts and completes a campaign from the browser', async () => {
    const bot = await stack.api<{ id: string }>('POST', '/api/v1/bots', { name: 'Browser bot' });
    const carrier = await stack.api<{ id: string }>('POST', '/api/v1/carriers', {
      name: 'C1',
      gateway: 'carrier1',
    });
    await stack.api('POST', '/api/v1/numbers', {
      e164: '+14155550101',
      label: 'Sales',
      carrier_id: carrier.body.id,
    });
    expect(bot.status).toBe(201);

    await page.goto(`${stack.apiUrl}/dashboard/campaigns`);
    await page.getByLabel('API key').fill(stack.apiKey);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Campaigns', level: 1 }).waitFor();

    await page.getByRole('link', { name: 'New Campaign' }).click();
    const next = page.getByRole('button', { name: 'Next', exact: true });
    await page.getByLabel('Campaign Name').fill('Browser campaign');
    await page.getByLabel('Bot').selectOption({ label: 'Browser bot' });
    await next.click();
    await page.getByRole('checkbox', { name: /\+14155550101/ }).check();
    await next.click();
    await page.getByLabel('Concurrency Limit').fill('3');
    await page.getByLabel('Start', { exact: true }).fill('00:00');
    await page.getByLabel('End', { exact: true }).fill('23:59');
    await page.getByLabel('Timezone').selectOption('UTC');
    await page.getByLabel('Max Attempts').fill('1');
    await next.click();
    const csv = `phone_number,name\n${PHONES.map((p, i) => `${p},Lead ${i}`).join('\n')}\n`;
    await page
      .getByLabel('Contacts CSV')
      .setInputFiles({ name: 'leads.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await next.click();
    await page.getByRole('button', { name: 'Create Campaign', exact: true }).click();
    await page.getByText(`Contacts uploaded: ${PHONES.length} added, 0 skipped.`).waitFor();

    await page.getByRole('button', { name: /^Start/ }).click();
    // The detail page polls: the badge reaches "completed" once every contact is final.
    await page.locator('.badge-completed').first().waitFor({ timeout: 90_000 });
    await page.getByText('All contacts reached a final state').first().waitFor();
    await page.getByText('Line busy').first().waitFor();

    const calls = stack.sim.calls();
    expect(calls).toHaveLength(PHONES.length);
    expect(new Set(calls.map((c) => c.number.replace(/\D/g, '')))).toEqual(
      new Set(PHONES.map((p) => p.slice(1))),
    );
    const campaigns = await stack.db.db
      .selectFrom('campaigns')
      .select(['name', 'status', 'config'])
      .execute();
    expect(campaigns).toHaveLength(1);
    expect(campaigns[0]?.status).toBe('completed');
    expect(campaigns[0]?.config.concurrency).toBe(3);
    await page.screenshot({ path: path.join(tmpdir(), 'ori-e2e-detail.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});
