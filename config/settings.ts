import { parseLogLevel, type LogLevel } from '../observability/log';

/**
 * Every runtime setting of the API and the worker, read once from the environment (README
 * "Configuration"). The services receive the resolved object and read no variable of their own, except the
 * API's `ORI_INTERNAL_API_KEY`, which `npm start` passes to it (`api/main.ts`). Other entry points read their
 * own: the simulator its `SIM_*` variables (`simulator/main.ts`, docs/simulator.md), the one-off commands
 * `DATABASE_URL` (`db/migrate.ts`, `scripts/keys.ts`), provisioning `PATH`, `ORI_PG_BINDIR`, `ORI_EMBEDDED_DB`
 * (`scripts/postgres.ts`), `TEMPORAL_CLI_PATH` and `TEMPORAL_TEST_SERVER_PATH` (`scripts/temporal.ts`);
 * `npm start`, the test support and the benchmarks pass the environment on to the processes they start.
 */
export interface Settings {
  port: number;
  /** HOST: the address the API and the worker's metrics listen on (0.0.0.0 to expose them). */
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  temporalAddress: string | undefined;
  /**
   * ORI_TEMPORAL: which Temporal `npm start` runs when TEMPORAL_ADDRESS is unset: the CLI's dev server
   * (SQLite, one connection) or the self-hosted server on Postgres (`npm run temporal:server`).
   */
  temporalKind: 'dev' | 'server';
  temporalNamespace: string;
  temporalPort: number;
  temporalUiPort: number;
  /**
   * Base URL of the Temporal web UI that API answers and the web UI link workflows to: TEMPORAL_UI_URL, else
   * the embedded dev server's UI when Temporal is embedded; unknown (no links) with an external Temporal.
   */
  temporalUiUrl: string | undefined;
  /**
   * How the Temporal connection is secured (a self-hosted cluster with TLS or mTLS, Temporal Cloud): file
   * paths as given; engine/temporal-connection.ts reads them and checks they make sense together.
   */
  temporalTls: {
    /** TEMPORAL_TLS=true: TLS with the system's trusted roots, nothing else configured. */
    enabled: boolean;
    /** TEMPORAL_TLS_CERT / TEMPORAL_TLS_KEY: the client certificate and its key (mTLS), PEM files. */
    certFile: string | undefined;
    keyFile: string | undefined;
    /** TEMPORAL_TLS_CA: the CA that signed the server's certificate, when the system does not trust it. */
    caFile: string | undefined;
    /** TEMPORAL_TLS_SERVER_NAME: the name the server's certificate is checked against (SNI). */
    serverName: string | undefined;
  };
  /** TEMPORAL_API_KEY: Temporal Cloud's API-key authentication (implies TLS). */
  temporalApiKey: string | undefined;
  taskQueue: string;
  esl: { host: string; port: number; password: string };
  sim: { eslPort: number; controlPort: number; scenario: string | undefined; seed: number };
  bootstrapApiKey: string | undefined;
  defaultPhoneRegion: string;
  /** The dialler's own ring timeout (originate_timeout): a call ringing longer is `rnr`. */
  ringTimeoutS: number;
  /** The longest call the dialler expects; past ring timeout + this + grace a call is stale (`timeout`). */
  maxCallS: number;
  /**
   * How long after hangup a post-call result may still arrive before the attempt is closed without it. Time
   * during which no API instance could take results does not count (policy/result-wait.ts): the wait goes on
   * through an outage, up to a day after the hangup.
   */
  resultGraceS: number;
  /** ORI_DETECTOR_INTERVAL_S: how often the worker's stall detector runs the troubleshooting checks. */
  detectorIntervalS: number;
  /** ORI_LOG_LEVEL: the threshold of every process's JSON log lines. */
  logLevel: LogLevel;
  /** ORI_LOG_FORMAT: how `npm start` shows its children's lines: readable for a person, or the JSON as is. */
  logFormat: 'pretty' | 'json';
  /** ORI_WORKER_METRICS_PORT: the worker's own `/metrics` port; 0 picks a free one (logged). */
  workerMetricsPort: number;
  /**
   * ORI_WORKERS: how many workers `npm start` runs. Two by default: a worker killed mid-call is then covered
   * by the other, whose ESL connection journals the hangups of the dead one's calls (README "Faults the
   * dialler rides out"); with one, calls that end while it restarts are closed without the switch's word.
   */
  workers: number;
}

function logFormat(value: string | undefined): 'pretty' | 'json' {
  if (value === undefined || value === '' || value === 'pretty') return 'pretty';
  if (value === 'json') return 'json';
  throw new Error(`ORI_LOG_FORMAT must be "pretty" or "json", got "${value}"`);
}

function temporalKind(value: string | undefined): 'dev' | 'server' {
  if (value === undefined || value === '' || value === 'dev') return 'dev';
  if (value === 'server') return 'server';
  throw new Error(`ORI_TEMPORAL must be "dev" or "server", got "${value}"`);
}

function bool(value: string | undefined, name: string): boolean {
  const v = value?.trim().toLowerCase();
  if (v === undefined || v === '' || v === 'false' || v === '0') return false;
  if (v === 'true' || v === '1') return true;
  throw new Error(`${name} must be "true" or "false", got "${value}"`);
}

function int(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return n;
}

function atLeastOne(n: number, name: string): number {
  if (n < 1) throw new Error(`${name} must be at least 1, got ${n}`);
  return n;
}

function temporalUiUrl(env: NodeJS.ProcessEnv, uiPort: number): string | undefined {
  const given = env.TEMPORAL_UI_URL?.trim();
  if (given) {
    if (!/^https?:\/\/[^/\s]+/.test(given)) {
      throw new Error(`TEMPORAL_UI_URL must be an http(s) URL, got "${given}"`);
    }
    return given.replace(/\/+$/, '');
  }
  return env.TEMPORAL_ADDRESS ? undefined : `http://127.0.0.1:${uiPort}`;
}

export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const simEslPort = int(env.SIM_ESL_PORT, 8021, 'SIM_ESL_PORT');
  const temporalUiPort = int(env.TEMPORAL_UI_PORT, 8233, 'TEMPORAL_UI_PORT');
  return {
    port: int(env.PORT, 3000, 'PORT'),
    host: env.HOST || '127.0.0.1',
    dataDir: env.ORI_DATA_DIR || '.data',
    databaseUrl: env.DATABASE_URL || undefined,
    temporalAddress: env.TEMPORAL_ADDRESS || undefined,
    temporalKind: temporalKind(env.ORI_TEMPORAL),
    temporalNamespace: env.TEMPORAL_NAMESPACE || 'default',
    temporalPort: int(env.TEMPORAL_PORT, 7233, 'TEMPORAL_PORT'),
    temporalUiPort,
    temporalUiUrl: temporalUiUrl(env, temporalUiPort),
    temporalTls: {
      enabled: bool(env.TEMPORAL_TLS, 'TEMPORAL_TLS'),
      certFile: env.TEMPORAL_TLS_CERT || undefined,
      keyFile: env.TEMPORAL_TLS_KEY || undefined,
      caFile: env.TEMPORAL_TLS_CA || undefined,
      serverName: env.TEMPORAL_TLS_SERVER_NAME || undefined,
    },
    temporalApiKey: env.TEMPORAL_API_KEY || undefined,
    taskQueue: env.ORI_TASK_QUEUE || 'ori-dialler',
    esl: {
      host: env.ESL_HOST || '127.0.0.1',
      port: int(env.ESL_PORT, simEslPort, 'ESL_PORT'),
      password: env.ESL_PASSWORD || 'ClueCon',
    },
    sim: {
      eslPort: simEslPort,
      controlPort: int(env.SIM_CONTROL_PORT, 8023, 'SIM_CONTROL_PORT'),
      scenario: env.SIM_SCENARIO || undefined,
      seed: int(env.SIM_SEED, 1, 'SIM_SEED'),
    },
    bootstrapApiKey: env.ORI_BOOTSTRAP_API_KEY || undefined,
    defaultPhoneRegion: env.DEFAULT_PHONE_REGION || 'IN',
    ringTimeoutS: int(env.ORI_RING_TIMEOUT_S, 30, 'ORI_RING_TIMEOUT_S'),
    maxCallS: int(env.ORI_MAX_CALL_S, 1800, 'ORI_MAX_CALL_S'),
    resultGraceS: int(env.ORI_RESULT_GRACE_S, 600, 'ORI_RESULT_GRACE_S'),
    detectorIntervalS: Math.max(1, int(env.ORI_DETECTOR_INTERVAL_S, 15, 'ORI_DETECTOR_INTERVAL_S')),
    logLevel: parseLogLevel(env.ORI_LOG_LEVEL),
    logFormat: logFormat(env.ORI_LOG_FORMAT),
    workerMetricsPort: int(env.ORI_WORKER_METRICS_PORT, 9464, 'ORI_WORKER_METRICS_PORT'),
    workers: atLeastOne(int(env.ORI_WORKERS, 2, 'ORI_WORKERS'), 'ORI_WORKERS'),
  };
}
