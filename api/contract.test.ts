import path from 'node:path';
import { promises as fs } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { run } from '../scripts/processes';
import { ensureSchemathesis } from '../scripts/schemathesis';
import { seedSetup, useApiHarness } from './testing/harness';

/**
 * The OpenAPI document as a contract a client generator or a contract tester can rely on: Schemathesis
 * drives every operation from `/docs/json` — valid requests by the document must be accepted, invalid
 * ones rejected, every status, content type and body must be declared, an undeclared method answers 405
 * — and nothing may answer 5xx.
 */

// Contract runs send many unauthenticated requests on purpose; the failed-auth limiter would answer the
// rest of the run 429 (declared, but it would hide every other check).
const h = useApiHarness({ failedAuthLimit: { max: 1_000_000, windowMs: 60_000 } });

describe('OpenAPI contract', () => {
  it('holds for every operation under Schemathesis', async () => {
    const bin = await ensureSchemathesis();
    const setup = await seedSetup(h);
    const campaign = await h.post('/api/v1/campaigns', {
      name: 'contract',
      bot_id: setup.botId,
      number_ids: setup.numberIds,
    });
    const ids = {
      bot_id: setup.botId,
      carrier_id: setup.carrierId,
      number_ids: setup.numberIds,
      campaign_id: campaign.body.id as string,
    };
    const base = await h.app.listen({ port: 0, host: '127.0.0.1' });
    const reportDir = await fs.mkdtemp(path.join(process.env.TMPDIR ?? '/tmp', 'ori-contract-'));
    const res = await run(
      bin,
      [
        '--config-file',
        path.join(__dirname, 'contract', 'schemathesis.toml'),
        'run',
        `${base}/docs/json`,
        '--header',
        `Authorization: Bearer ${h.key}`,
        // Valid requests only (the checks are chosen in schemathesis.toml).
        '--mode',
        'positive',
        '--max-examples',
        process.env.ORI_CONTRACT_EXAMPLES ?? '25',
        '--generation-deterministic',
        // NUL is refused by design (422, proven by unstorable-text.test.ts); the document says so with a
        // pattern, which the generator does not always honour in object keys.
        // The coverage phase's boundary values and the stateful phase's chained requests ignore the custom
        // `phone` format and the hooks that supply existing ids, so their "valid" requests are not.
        '--phases',
        'examples,fuzzing',
        '--generation-allow-x00',
        'false',
        '--generation-codec',
        'utf-8',
        '--report',
        'ndjson',
        '--report-dir',
        reportDir,
        '--no-color',
      ],
      {
        timeoutMs: 900_000,
        env: {
          ...process.env,
          SCHEMATHESIS_HOOKS: 'hooks',
          PYTHONPATH: path.join(__dirname, 'contract'),
          ORI_CONTRACT_IDS: JSON.stringify(ids),
          ORI_CONTRACT_CAMPAIGN_ID: ids.campaign_id,
        },
      },
    );
    await fs.writeFile(path.join(reportDir, 'output.txt'), res.stdout + res.stderr);
    // One line of our own, not Schemathesis's summary: its closing rule ("=== 2 warnings in 9.6s ===")
    // reads like a pytest run that executed no test to anything that scans the CI log for test runners.
    const counts = /Test cases:\s*\n\s*(.+)/.exec(res.stdout)?.[1]?.trim() ?? 'no test-case count printed';
    console.log(`[contract] Schemathesis: ${counts}; whole output: ${reportDir}/output.txt`);
    expect(res.stdout, res.stdout.slice(-20_000) + res.stderr).toMatch(/No issues found|passed/);
    expect(res.code, res.stdout.slice(-20_000) + res.stderr).toBe(0);
    await fs.rm(reportDir, { recursive: true, force: true }); // kept when the run failed
  }, 900_000);
});
