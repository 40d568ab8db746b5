/**
 * Temporal test environments on the binaries the global setup provisioned (no download needed):
 *
 *   const env = await createTimeSkippingEnv();      // workflow tests: timers skip
 *   const env = await createDevServerEnv();         // integration tests: the real dev server
 *   ... Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath, activities }) ...
 *   await env.teardown();
 *
 * A workflow test file takes both hooks at once: `const server = timeSkippingServerPerTest();`, then
 * `server.env` and `server.bundle` in its tests.
 *
 * When a binary is unavailable the SDK's own download is used (needs internet access).
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type LogLevel, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { SearchAttributeType } from '@temporalio/common';
import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes';
import { afterEach, beforeAll, beforeEach, inject } from 'vitest';
import { ensureTemporalBinaries } from '../../scripts/temporal';
import { registerSearchAttributes } from '../../worker/search-attributes';
import { bundleWorkflows } from '../../worker/worker';
import { DIALLER_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { campaignRunWorkflowId, type CampaignRunInput } from '../../workflows/messages';
import { freePort } from './ports';
import './context';

let runtimeConfigured = false;
/**
 * Workers log every state change and webpack's module list at INFO; tests log WARN and above unless
 * TEMPORAL_TEST_LOG_LEVEL says otherwise. Skipped when the test already installed its own Runtime.
 */
export function configureRuntime(): void {
  if (runtimeConfigured) return;
  runtimeConfigured = true;
  try {
    Runtime.install({
      logger: new DefaultLogger((process.env.TEMPORAL_TEST_LOG_LEVEL ?? 'WARN') as LogLevel),
    });
  } catch {
    // A Runtime exists already: keep it.
  }
}

/** The binary paths from the global setup, or resolved here when running outside it. */
async function binaries(): Promise<{ cli: string | undefined; testServer: string | undefined }> {
  let cli: string | undefined;
  let testServer: string | undefined;
  try {
    cli = inject('temporalCliPath');
    testServer = inject('temporalTestServerPath');
  } catch {
    // Not under vitest's global setup.
  }
  if (cli && testServer) return { cli, testServer };
  const found = await ensureTemporalBinaries({ log: () => undefined });
  return { cli: cli ?? found.cli, testServer: testServer ?? found.testServer };
}

/** The Java time-skipping test server: `env.sleep()` and awaiting a workflow result skip time. */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  configureRuntime();
  const { testServer } = await binaries();
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: {
      executable: testServer ? { type: 'existing-path', path: testServer } : undefined,
      port: await freePort(),
    },
  });
  // The workflows start and upsert the dialler's search attributes; the test server knows none of them.
  await registerSearchAttributes(env.connection, env.namespace ?? 'default');
  return env;
}

/**
 * A workflow test file's setup: one workflow bundle for the file and a fresh time-skipping server per test,
 * so no test's timers move another's clock. Call it at the file's top; read `env` and `bundle` in tests.
 */
export function timeSkippingServerPerTest(): {
  readonly env: TestWorkflowEnvironment;
  readonly bundle: WorkflowBundleWithSourceMap;
} {
  let env: TestWorkflowEnvironment | undefined;
  let bundle: WorkflowBundleWithSourceMap | undefined;
  beforeAll(async () => {
    bundle = await bundleWorkflows();
  });
  beforeEach(async () => {
    env = await createTimeSkippingEnv();
  });
  afterEach(async () => {
    await env?.teardown();
    env = undefined;
  });
  return {
    get env() {
      if (!env) throw new Error('the time-skipping server exists inside a test only');
      return env;
    },
    get bundle() {
      if (!bundle) throw new Error('the workflow bundle exists inside a test only');
      return bundle;
    },
  };
}

/**
 * The start options of run 1 of a campaign's `campaignRun` on `taskQueue`, as the engine starts it; `input`
 * adds to its input (limits, a carried state, the contacts' task queue).
 */
export function campaignRunStart(
  taskQueue: string,
  campaignId: string,
  input: Partial<Omit<CampaignRunInput, 'campaignId' | 'runNo'>> = {},
): { taskQueue: string; workflowId: string; args: [CampaignRunInput] } {
  return {
    taskQueue,
    workflowId: campaignRunWorkflowId(campaignId, 1),
    args: [{ campaignId, runNo: 1, ...input }],
  };
}

export interface DevServerEnvOptions {
  namespace?: string;
  searchAttributes?: SearchAttributeKey<SearchAttributeType>[];
  /** Persist to this SQLite file; default in memory. */
  dbFilename?: string;
  /** Extra `--dynamic-config-value KEY=JSON` entries. */
  dynamicConfig?: Record<string, unknown>;
}

/** A real `temporal server start-dev` on a free port (headless, in memory unless dbFilename). */
export async function createDevServerEnv(
  options: DevServerEnvOptions = {},
): Promise<TestWorkflowEnvironment> {
  configureRuntime();
  const { cli } = await binaries();
  const extraArgs: string[] = [];
  for (const [k, v] of Object.entries(options.dynamicConfig ?? {})) {
    extraArgs.push('--dynamic-config-value', `${k}=${JSON.stringify(v)}`);
  }
  if (options.dbFilename) {
    extraArgs.push('--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal');
  }
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: cli ? { type: 'existing-path', path: cli } : undefined,
      ip: '127.0.0.1',
      port: await freePort(),
      namespace: options.namespace,
      dbFilename: options.dbFilename,
      searchAttributes: [...DIALLER_SEARCH_ATTRIBUTES, ...(options.searchAttributes ?? [])],
      ui: false,
      extraArgs,
    },
  });
}
