import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppDeps } from './deps';
import { ensureApiKey } from '../db/repositories/api-keys.repository';
import { installErrorHandling } from './plugins/error-handler.plugin';
import { installStorableTextCheck } from './plugins/storable-text.plugin';
import { API_PREFIX, installAuth } from './plugins/auth.plugin';
import { FailedAuthLimiter, type FailedAuthLimit } from './plugins/failed-auth-limiter';
import { ApiKeyCache, listenForKeyChanges } from './plugins/api-key-cache';
import { registerOpenApi } from './plugins/openapi.plugin';
import { healthRoutes } from './routes/health.routes';
import { metricsRoutes } from './routes/metrics.routes';
import { setupRoutes } from './routes/setup.routes';
import { campaignsRoutes } from './routes/campaigns.routes';
import { contactsRoutes } from './routes/contacts.routes';
import { integrationRoutes } from './routes/integration.routes';
import { reportsRoutes } from './routes/reports.routes';
import { webhooksRoutes } from './routes/webhooks.routes';
import { optOutsRoutes } from './routes/opt-outs.routes';
import { settingsRoutes } from './routes/settings.routes';
import { diagnosisRoutes } from './routes/diagnosis.routes';
import { webPlugin } from '../web/web.plugin';
import { pinoOptions } from '../observability/log';
import { installRequestIds, requestIdOf } from './plugins/request-id.plugin';
import { DEFAULT_IMPORT_LIMITS } from '../policy/contact-import';
import { installUptimeBeat } from './uptime';

/**
 * The HTTP application as a plugin tree built from injected dependencies (docs/architecture.md "House style",
 * rule 4): error handling, OpenAPI and authentication first, then the routes, so every route — ours and the
 * colleagues' — gets the same error shape, appears in /docs and sits behind the same key check.
 */

/** JSON bodies are small; only the contacts upload needs more (its CSV limit, policy/contact-import.ts). */
export const JSON_BODY_LIMIT_BYTES = 1024 * 1024;
const CONTACTS_UPLOAD_ROUTE = `${API_PREFIX}/campaigns/:id/contacts`;

export interface BuildOptions {
  /**
   * Fastify's logger: `false` for none (tests), or options (a `stream` to capture lines) laid over the
   * dialler's line format at `settings.logLevel`. Default: JSON lines on stdout.
   */
  logger?: false | Exclude<FastifyServerOptions['logger'], boolean | undefined>;
  /** ORI_INTERNAL_API_KEY: the key the switch simulator posts call results with (read by main.ts). */
  internalApiKey?: string;
  /** Failed authentications allowed per client address before 429 (default 20 a minute). */
  failedAuthLimit?: FailedAuthLimit;
  /** How long pause/resume/stop wait for the engine's acknowledgement (default 5 s). */
  engineControlTimeoutMs?: number;
  /**
   * Cache authenticated API keys, hearing revocations on a LISTEN connection to this database
   * (plugins/api-key-cache.ts). Without it every request reads its key from `api_keys`.
   */
  apiKeyCache?: { databaseUrl: string; ttlMs?: number };
}

export async function buildApp(deps: AppDeps, options: BuildOptions = {}): Promise<FastifyInstance> {
  const now = deps.now ?? (() => new Date());
  const app = Fastify({
    logger: options.logger === false ? false : { ...pinoOptions(deps.settings.logLevel), ...options.logger },
    // Fastify's own request logging writes two lines per request; installRequestIds writes one, at its end.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    genReqId: requestIdOf,
    bodyLimit: JSON_BODY_LIMIT_BYTES,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(TypeBoxValidatorCompiler);

  installRequestIds(app);
  installErrorHandling(app);
  // A listening API records its uptime, so a post-call result's wait skips the time it could not land.
  installUptimeBeat(app, deps.db);
  installStorableTextCheck(app);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (route.url === CONTACTS_UPLOAD_ROUTE && methods.includes('POST')) {
      route.bodyLimit ??= DEFAULT_IMPORT_LIMITS.maxBytes;
    }
  });
  await registerOpenApi(app);
  let keyCache: ApiKeyCache | undefined;
  if (options.apiKeyCache) {
    keyCache = new ApiKeyCache(options.apiKeyCache.ttlMs);
    const listener = listenForKeyChanges(options.apiKeyCache.databaseUrl, keyCache, (err) =>
      app.log.warn({ err }, 'API key changes are not heard: keys are read from the database until they are'),
    );
    app.addHook('onClose', () => listener.close());
    await listener.ready;
  }
  installAuth(app, {
    db: deps.db,
    now,
    limiter: new FailedAuthLimiter(options.failedAuthLimit),
    cache: keyCache,
  });

  // Keys the environment promises exist from start-up (README "Configuration").
  if (deps.settings.bootstrapApiKey) await ensureApiKey(deps.db, 'bootstrap', deps.settings.bootstrapApiKey);
  if (options.internalApiKey) await ensureApiKey(deps.db, 'internal', options.internalApiKey);

  await app.register(healthRoutes, { deps });
  await app.register(metricsRoutes, { deps });
  await app.register(
    async (api) => {
      await api.register(setupRoutes, { deps });
      await api.register(campaignsRoutes, { deps, engineControlTimeoutMs: options.engineControlTimeoutMs });
      await api.register(contactsRoutes, { deps });
      await api.register(integrationRoutes, { deps });
      await api.register(reportsRoutes, { deps });
      await api.register(webhooksRoutes, { deps });
      await api.register(optOutsRoutes, { deps });
      await api.register(settingsRoutes, { deps });
      await api.register(diagnosisRoutes, { deps });
    },
    { prefix: API_PREFIX },
  );
  await app.register(webPlugin);
  return app;
}
