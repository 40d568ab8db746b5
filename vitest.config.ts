import { defineConfig } from 'vitest/config';

/**
 * Four projects, so a developer changing a rule has a loop of seconds (`npm run test:unit`) while
 * `npm test` still runs everything:
 * - unit: the pure policy, configuration and the API's routes through `inject()` (a test database, no
 *   Temporal, no switch);
 * - integration: repositories, activities, workflows on the time-skipping server, the simulator, the ESL
 *   client, provisioning — real Postgres and real sockets, one part at a time;
 * - e2e: the whole stack (Postgres, Temporal dev server, simulator, worker, API) driven through the API;
 * - browser: the same stack driven through real Chromium.
 */
const E2E = 'test/e2e/**/*.e2e.test.ts';
const BROWSER = ['test/e2e/**/browser*.e2e.test.ts', 'test/e2e/**/*.browser.e2e.test.ts'];
const UNIT = [
  'policy/**/*.test.ts',
  'config/**/*.test.ts',
  'api/**/*.test.ts',
  'docs/**/*.test.ts',
  '*.test.ts',
];
const IGNORED = ['node_modules/**', '.data/**', '.tools/**'];
/**
 * `npm run test:cluster`: the self-hosted Temporal server, whose first build takes 10+ minutes: outside
 * `npm test`, a project only when asked for.
 */
const CLUSTER = 'test/cluster/**/*.test.ts';
const WITH_CLUSTER = process.env.ORI_TEST_CLUSTER === '1';
/**
 * `npm run test:chaos`: every fault at once during one campaign under the real `npm start` (many minutes on
 * 2 cores): outside `npm test`, a project only when asked for.
 */
const CHAOS = 'test/chaos/**/*.test.ts';
const WITH_CHAOS = process.env.ORI_TEST_CHAOS === '1';
/** Fuzzers and the OpenAPI contract run take a minute or more: they run with the integration tests. */
const SLOW = ['**/*fuzz.test.ts', '**/*contract.test.ts'];
const UNIT_NOT_SLOW = UNIT.map((glob) => glob.replace('*.test.ts', '!(*fuzz|*contract).test.ts'));

export default defineConfig({
  test: {
    // Temporal's native bridge does not survive worker threads (sdk-typescript#876).
    pool: 'forks',
    exclude: IGNORED,
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: true,
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT, exclude: [...IGNORED, ...SLOW] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['**/*.test.ts'],
          exclude: [...IGNORED, ...UNIT_NOT_SLOW, E2E, CLUSTER, CHAOS],
        },
      },
      { extends: true, test: { name: 'e2e', include: [E2E], exclude: [...IGNORED, ...BROWSER] } },
      { extends: true, test: { name: 'browser', include: BROWSER } },
      ...(WITH_CLUSTER
        ? [{ extends: true, test: { name: 'cluster', include: [CLUSTER], testTimeout: 600_000 } }]
        : []),
      ...(WITH_CHAOS
        ? [{ extends: true, test: { name: 'chaos', include: [CHAOS], testTimeout: 1_800_000 } }]
        : []),
    ],
  },
});
