import { Client } from '@temporalio/client';
import { Runtime } from '@temporalio/worker';
import { loadSettings } from '../config/settings';
import { createDb } from '../db/connection';
import { migrateToLatest } from '../db/migrate';
import { SeatNotifier } from '../activities/seat-notifier';
import { createSwitchClient } from '../telephony/switch-client';
import { WebhookDispatcher } from '../activities/webhook-dispatcher';
import { WorkerPresence } from './presence';
import { createLogger, type Logger } from '../observability/log';
import { TemporalLogger } from '../observability/temporal-logger';
import { collectProcessMetrics, observeSwitch } from '../observability/metrics';
import { startMetricsServer, type RunningMetricsServer } from '../observability/metrics-server';
import { createDialObserver } from '../observability/dial-observer';
import { freePort } from '../scripts/net';
import { StallDetector } from './stall-detector';
import { temporalCampaignEngine } from '../engine/temporal-campaign-engine';
import { ensureSearchAttributes } from './search-attributes';
import { ensureNamespace, NAMESPACE_RETENTION_DAYS } from './namespace';
import {
  connectTemporalClient,
  connectTemporalWorker,
  temporalConnectionOptions,
} from '../engine/temporal-connection';
import { CallJournal } from '../activities/call-journal';
import {
  bundleWorkflows,
  createDiallerWorker,
  createRunWorker,
  createWebhookWorker,
  webhookTaskQueue,
} from './worker';

/**
 * The dialler worker: runs the campaign and contact workflows and the activities that dial through
 * FreeSWITCH (ESL) and write Postgres. Any number of workers may run; each keeps one ESL connection.
 */
async function main(log: Logger): Promise<void> {
  const settings = loadSettings();
  // The SDK's Prometheus exporter listens on a private port; /metrics below merges it into ours.
  const sdkMetricsAddress = `127.0.0.1:${await freePort()}`;
  Runtime.install({
    logger: new TemporalLogger(log),
    telemetryOptions: {
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      metrics: { prometheus: { bindAddress: sdkMetricsAddress } },
    },
  });
  collectProcessMetrics();
  if (!settings.databaseUrl) throw new Error('DATABASE_URL is required (npm start provides it).');
  // Metrics are for looking at the dialler, not part of dialling: a taken port is logged, not fatal.
  const metrics: RunningMetricsServer | null = await startMetricsServer({
    port: settings.workerMetricsPort,
    host: settings.host,
    sdkMetricsAddress,
    log,
  }).catch((err: unknown) => {
    log.error(
      `worker metrics not served: port ${settings.workerMetricsPort} unavailable (set ORI_WORKER_METRICS_PORT, 0 for any free port)`,
      { error: err instanceof Error ? err.message : String(err) },
    );
    return null;
  });
  const temporalAddress = temporalConnectionOptions(settings).address;

  const db = createDb(settings.databaseUrl, { max: 20 });
  await migrateToLatest(db as never);
  const notifier = new SeatNotifier(settings.databaseUrl);
  await notifier.start();
  const eslLog = log.child({ component: 'esl' });
  const switchClient = createSwitchClient({
    ...settings.esl,
    logger: {
      debug: (fields, message) => eslLog.debug(message, { ...fields }),
      info: (fields, message) => eslLog.info(message, { ...fields }),
      warn: (fields, message) => eslLog.warn(message, { ...fields }),
      error: (fields, message) => eslLog.error(message, { ...fields }),
    },
  });
  observeSwitch(switchClient);
  // A switch that is down at start is an outage like any other: the worker starts, admission holds (no
  // live worker has the switch) and the client keeps trying.
  await connectWhenReachable(switchClient, log);
  const presence = new WorkerPresence({
    db,
    switch: switchClient,
    taskQueue: settings.taskQueue,
    onError: (error) =>
      log.warn('worker presence not refreshed', {
        error: error instanceof Error ? error.message : String(error),
      }),
  });
  await presence.start();
  const journal = new CallJournal({
    db,
    source: switchClient,
    workerId: presence.workerId,
    onError: (error) =>
      log.warn('call journal not written yet', {
        error: error instanceof Error ? error.message : String(error),
      }),
  });
  journal.start();
  const connection = await connectTemporalWorker(settings);
  const clientConnection = await connectTemporalClient(settings);
  const client = new Client({ connection: clientConnection, namespace: settings.temporalNamespace });
  // An external Temporal may not have the namespace yet: created here (30 days' retention) when allowed.
  const namespace = await ensureNamespace(clientConnection, settings.temporalNamespace);
  if (namespace.created)
    log.info(`worker: created Temporal namespace ${settings.temporalNamespace}`, {
      namespace: settings.temporalNamespace,
      retention_days: NAMESPACE_RETENTION_DAYS,
    });
  // The workflows start with the dialler's search attributes: an external namespace gets them here (once).
  const registered = await ensureSearchAttributes(clientConnection, settings.temporalNamespace);
  if (registered.added.length > 0)
    log.info(`worker: registered search attributes ${registered.added.join(', ')}`, {
      namespace: settings.temporalNamespace,
    });

  const workflowBundle = await bundleWorkflows();
  const webhooks = await createWebhookWorker({
    connection,
    namespace: settings.temporalNamespace,
    taskQueue: settings.taskQueue,
    db,
    workflowBundle,
  });
  const dispatcher = new WebhookDispatcher({
    db,
    client,
    taskQueue: webhookTaskQueue(settings.taskQueue),
    log: log.child({ component: 'webhook-dispatcher' }),
  });
  const diallerOptions = {
    connection,
    namespace: settings.temporalNamespace,
    taskQueue: settings.taskQueue,
    workflowBundle,
    deps: {
      db,
      switch: switchClient,
      notifier,
      workerId: presence.workerId,
      observer: createDialObserver({ log }),
      timings: {
        ringTimeoutS: settings.ringTimeoutS,
        maxCallS: settings.maxCallS,
        graceS: 30,
        // ORI_RESULT_GRACE_S was read into the settings but never reached the engine.
        resultGraceS: settings.resultGraceS,
      },
    },
  };
  const worker = await createDiallerWorker(diallerOptions);
  const runs = await createRunWorker(diallerOptions);
  const detector = new StallDetector({
    db,
    engine: temporalCampaignEngine(client, settings.taskQueue),
    timings: { ringTimeoutS: settings.ringTimeoutS, maxCallS: settings.maxCallS },
    log: log.child({ component: 'stall-detector' }),
    intervalMs: settings.detectorIntervalS * 1000,
  });
  const shutdown = (): void => {
    worker.shutdown();
    runs.shutdown();
    webhooks.shutdown();
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  dispatcher.start();
  detector.start();
  log.info(`worker: polling task queue "${settings.taskQueue}" on ${temporalAddress}`, {
    task_queue: settings.taskQueue,
    temporal_address: temporalAddress,
  });
  try {
    await Promise.all([worker.run(), runs.run(), webhooks.run()]);
  } finally {
    await detector.stop();
    await dispatcher.stop();
    await journal.stop();
    await presence.stop();
    await metrics?.close();
    await clientConnection.close();
    await switchClient.close();
    await notifier.close();
    await connection.close();
    await db.destroy();
  }
}

/** The first connect, retried in the background when the switch is not reachable yet. */
async function connectWhenReachable(
  client: ReturnType<typeof createSwitchClient>,
  log: Logger,
): Promise<void> {
  const first = await client.connect().then(
    () => null,
    (error: unknown) => error,
  );
  if (first === null) return;
  log.warn('switch not reachable yet; retrying', {
    error: first instanceof Error ? first.message : String(first),
  });
  void (async () => {
    for (let delayMs = 500; ; delayMs = Math.min(delayMs * 2, 5_000)) {
      await new Promise((r) => setTimeout(r, delayMs));
      try {
        await client.connect();
        return;
      } catch {
        // still down; the next try follows
      }
    }
  })();
}

function workerLogger(): Logger {
  try {
    return createLogger({ level: loadSettings().logLevel, base: { service: 'worker' } });
  } catch {
    // A bad setting is reported by main's own loadSettings; the report still needs a logger.
    return createLogger({ level: 'info', base: { service: 'worker' } });
  }
}

const log = workerLogger();
main(log).catch((err: unknown) => {
  log.error('worker failed', { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.exit(1);
});
