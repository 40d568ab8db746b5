import { Client } from 'pg';
import type { ApiKeyRow } from '../../db/repositories/api-keys.repository';

/**
 * Authenticated API keys kept in the API process, so a request does not read `api_keys` (the trigger API's
 * hot path: ≥ 2,000 req/s). A revoked key must be refused at once by every API instance, so the cache is
 * only used while this process LISTENs on `ori_api_keys`: a revocation, a changed hash or name, a deletion
 * notifies it from the database itself (migration 2026-12-07T0150), whoever made the change, and the key is
 * dropped when the notification arrives — milliseconds after the revoking commit. Should the listening
 * connection break, caching stops (and everything cached is dropped) until it is back. Entries also expire
 * after `ttlMs` (default 5 s): the bound for a connection that died without a word.
 */

export const API_KEY_CACHE_TTL_MS = 5_000;
export const API_KEY_CHANNEL = 'ori_api_keys';

interface Entry {
  row: ApiKeyRow;
  cachedAt: number;
}

export class ApiKeyCache {
  private readonly entries = new Map<string, Entry>();
  private listening = false;
  /** Bumped by every invalidation: a lookup that began before one must not cache what it read. */
  private generation = 0;

  /** `clock`: monotonic milliseconds (not the app's clock, which tests may stop). */
  constructor(
    readonly ttlMs: number = API_KEY_CACHE_TTL_MS,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** Whether lookups are served from memory (only while revocations are heard). */
  get active(): boolean {
    return this.listening;
  }

  get(keyHash: string): ApiKeyRow | undefined {
    if (!this.listening) return undefined;
    const nowMs = this.clock();
    const entry = this.entries.get(keyHash);
    if (!entry) return undefined;
    if (nowMs - entry.cachedAt >= this.ttlMs) {
      this.entries.delete(keyHash);
      return undefined;
    }
    return entry.row;
  }

  /** A ticket taken before reading the key from the database; `put` refuses it after any invalidation. */
  ticket(): number {
    return this.generation;
  }

  put(keyHash: string, row: ApiKeyRow, ticket: number): void {
    if (!this.listening || ticket !== this.generation) return;
    this.entries.set(keyHash, { row, cachedAt: this.clock() });
  }

  /** The key changed (revoked, renamed, deleted). */
  forget(keyHash: string): void {
    this.generation++;
    this.entries.delete(keyHash);
  }

  /** Revocations are heard from now on: start afresh (anything may have changed while they were not). */
  listen(): void {
    this.generation++;
    this.entries.clear();
    this.listening = true;
  }

  /** Revocations are no longer heard: every lookup reads the database until they are again. */
  deafen(): void {
    this.generation++;
    this.entries.clear();
    this.listening = false;
  }
}

export interface RevocationListener {
  /** Resolves once the first LISTEN succeeded (or failed: the cache then stays off and it retries). */
  ready: Promise<void>;
  close(): Promise<void>;
}

const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 10_000;

/** Keep one connection LISTENing on `ori_api_keys` for `cache`, reconnecting when it breaks. */
export function listenForKeyChanges(
  databaseUrl: string,
  cache: ApiKeyCache,
  onError: (err: unknown) => void = () => undefined,
): RevocationListener {
  let closed = false;
  let client: Client | null = null;
  let timer: NodeJS.Timeout | null = null;
  let backoff = RECONNECT_MIN_MS;

  const lost = (err: unknown): void => {
    cache.deafen();
    const broken = client;
    client = null;
    broken?.end().catch(() => undefined);
    if (closed) return;
    onError(err);
    timer = setTimeout(() => void connect(), backoff);
    backoff = Math.min(backoff * 2, RECONNECT_MAX_MS);
  };

  const connect = async (): Promise<void> => {
    timer = null;
    if (closed) return;
    const c = new Client({ connectionString: databaseUrl });
    client = c;
    c.on('error', (err) => {
      if (client === c) lost(err);
    });
    c.on('end', () => {
      if (client === c) lost(new Error('the connection listening for API key changes ended'));
    });
    c.on('notification', (msg) => {
      if (msg.channel === API_KEY_CHANNEL && msg.payload) cache.forget(msg.payload);
    });
    try {
      await c.connect();
      await c.query(`listen ${API_KEY_CHANNEL}`);
      if (client !== c || closed) return;
      backoff = RECONNECT_MIN_MS;
      cache.listen();
    } catch (err) {
      if (client === c) lost(err);
    }
  };

  const ready = connect();
  return {
    ready,
    close: async () => {
      closed = true;
      if (timer) clearTimeout(timer);
      cache.deafen();
      const c = client;
      client = null;
      await c?.end().catch(() => undefined);
    },
  };
}
