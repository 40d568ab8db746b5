import type { FastifyInstance } from 'fastify';
import { loadSettings, type Settings } from '../config/settings';
import { createDb } from '../db/connection';
import { createTemporalCampaignEngine } from '../engine/temporal-campaign-engine';
import { buildApp } from './app';

/**
 * The API process: settings from the environment, Postgres, the Temporal-backed engine, then HTTP.
 * `npm start` (scripts/start.ts) runs this file with DATABASE_URL and TEMPORAL_ADDRESS set and the
 * schema already migrated. It listens on 127.0.0.1 unless HOST says otherwise (0.0.0.0 to expose it).
 */

export interface RunningApi {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

export async function startApi(
  settings: Settings,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningApi> {
  if (!settings.databaseUrl) {
    throw new Error('DATABASE_URL is not set (npm start provisions the embedded database and sets it)');
  }
  const db = createDb(settings.databaseUrl, { max: 20 });
  const engine = await createTemporalCampaignEngine({
    connection: settings,
    namespace: settings.temporalNamespace,
    taskQueue: settings.taskQueue,
  });
  const app = await buildApp(
    { db, engine, settings },
    {
      internalApiKey: env.ORI_INTERNAL_API_KEY || undefined,
      apiKeyCache: { databaseUrl: settings.databaseUrl },
    },
  );
  const host = env.HOST || '127.0.0.1';
  try {
    await app.listen({ port: settings.port, host });
  } catch (err) {
    await Promise.allSettled([app.close(), engine.close(), db.destroy()]);
    throw err;
  }
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${settings.port}`;
  let closing: Promise<void> | undefined;
  return {
    app,
    url,
    // In-flight requests finish first (app.close), then the clients they were using go.
    close: () =>
      (closing ??= (async () => {
        await app.close();
        await Promise.allSettled([engine.close(), db.destroy()]);
      })()),
  };
}

async function main(): Promise<void> {
  const api = await startApi(loadSettings());
  api.app.log.info(`Ori dialler API listening on ${api.url} (docs at ${api.url}/docs)`);
  let signalled = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (signalled) {
      // A second signal means "now": do not wait for slow requests or connections.
      api.app.log.warn(`${signal} again: exiting immediately`);
      process.exit(1);
    }
    signalled = true;
    api.app.log.info(`${signal}: shutting down`);
    api.close().then(
      () => process.exit(0),
      (err: unknown) => {
        api.app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error('the API failed to start:', err);
    process.exit(1);
  });
}
