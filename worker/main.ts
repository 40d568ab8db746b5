import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type LogLevel } from '@temporalio/worker';
import { loadSettings } from '../config/settings';
import { createDb } from '../db/connection';
import { migrateToLatest } from '../db/migrate';
import { SeatNotifier } from '../activities/seat-notifier';
import { createSwitchClient } from '../telephony/switch-client';
import { WebhookDispatcher } from '../activities/webhook-dispatcher';
import { WorkerPresence } from './presence';
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
async function main(): Promise<void> {
  // The SDK logs every state change and webpack's module list at INFO; operators want warnings.
  Runtime.install({ logger: new DefaultLogger((process.env.ORI_LOG_LEVEL ?? 'WARN') as LogLevel) });
  const settings = loadSettings();
  if (!settings.databaseUrl) throw new Error('DATABASE_URL is required (npm start provides it).');
  const temporalAddress = settings.temporalAddress ?? `127.0.0.1:${settings.temporalPort}`;

  const db = createDb(settings.databaseUrl, { max: 20 });
  await migrateToLatest(db as never);
  const notifier = new SeatNotifier(settings.databaseUrl);
  await notifier.start();
  const switchClient = createSwitchClient({ ...settings.esl });
  await switchClient.connect();
  const presence = new WorkerPresence({
    db,
    switch: switchClient,
    taskQueue: settings.taskQueue,
    onError: (error) =>
      console.warn('worker presence not refreshed:', error instanceof Error ? error.message : error),
  });
  await presence.start();
  const connection = await NativeConnection.connect({ address: temporalAddress });
  const clientConnection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection: clientConnection, namespace: settings.temporalNamespace });

  const workflowBundle = await bundleWorkflows();
  const webhooks = await createWebhookWorker({
    connection,
    namespace: settings.temporalNamespace,
    taskQueue: settings.taskQueue,
    db,
    workflowBundle,
  });
  const dispatcher = new WebhookDispatcher({ db, client, taskQueue: webhookTaskQueue(settings.taskQueue) });
  const diallerOptions = {
    connection,
    namespace: settings.temporalNamespace,
    taskQueue: settings.taskQueue,
    workflowBundle,
    deps: {
      db,
      switch: switchClient,
      notifier,
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
  const shutdown = (): void => {
    worker.shutdown();
    runs.shutdown();
    webhooks.shutdown();
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  dispatcher.start();
  console.log(`worker: polling task queue "${settings.taskQueue}" on ${temporalAddress}`);
  try {
    await Promise.all([worker.run(), runs.run(), webhooks.run()]);
  } finally {
    await dispatcher.stop();
    await presence.stop();
    await clientConnection.close();
    await switchClient.close();
    await notifier.close();
    await connection.close();
    await db.destroy();
  }
}

main().catch((err: unknown) => {
  console.error('worker failed:', err);
  process.exit(1);
});
