import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../connection';

/**
 * API keys. Only a sha256 of each key is stored: the key itself is shown once, when it is created, and a
 * leaked database does not leak working credentials. Keys carry 256 random bits, so an unsalted fast hash
 * is enough (there is nothing to brute-force the way there is with a password).
 */

export const KEY_PREFIX = 'ori_';
/** How much of a key is kept in clear to tell keys apart in listings (`ori_` + 8 characters). */
const SHOWN_PREFIX_LENGTH = 12;
/** `last_used_at` is a hint for operators, not an audit trail: refreshing it at most once a minute keeps
 * every authenticated request from becoming a write. */
const LAST_USED_RESOLUTION_MS = 60_000;

export interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function shownPrefix(key: string): string {
  return key.slice(0, SHOWN_PREFIX_LENGTH);
}

const COLUMNS = ['id', 'name', 'prefix', 'created_at', 'last_used_at', 'revoked_at'] as const;

/** Create a new random key; the clear key is returned once and never stored. */
export async function createApiKey(db: Db, name: string): Promise<{ key: string; row: ApiKeyRow }> {
  const key = generateApiKey();
  const row = await db
    .insertInto('api_keys')
    .values({ name, prefix: shownPrefix(key), key_hash: hashApiKey(key) })
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
  return { key, row };
}

/**
 * Make sure a key given from outside (ORI_BOOTSTRAP_API_KEY, ORI_INTERNAL_API_KEY) works: insert it, or
 * un-revoke it when it exists, because the environment says it must work from start-up.
 */
export async function ensureApiKey(db: Db, name: string, key: string): Promise<ApiKeyRow> {
  return db
    .insertInto('api_keys')
    .values({ name, prefix: shownPrefix(key), key_hash: hashApiKey(key) })
    .onConflict((oc) => oc.column('key_hash').doUpdateSet({ revoked_at: null }))
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
}

/** The active key with this clear value, refreshing its `last_used_at` when it is stale. */
export async function authenticateApiKey(db: Db, key: string, now: Date): Promise<ApiKeyRow | null> {
  const row = await db
    .selectFrom('api_keys')
    .select(COLUMNS)
    .where('key_hash', '=', hashApiKey(key))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) return null;
  await refreshLastUsed(db, row, now);
  return row;
}

/** Refresh `last_used_at` of a key just used, when it is older than its resolution (a minute). */
export async function refreshLastUsed(db: Db, row: ApiKeyRow, now: Date): Promise<void> {
  if (row.last_used_at && now.getTime() - row.last_used_at.getTime() < LAST_USED_RESOLUTION_MS) return;
  // Conditional, so of many concurrent requests at the minute boundary one writes and the rest no-op.
  const stale = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
  row.last_used_at = now;
  await db
    .updateTable('api_keys')
    .set({ last_used_at: now })
    .where('id', '=', row.id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', stale)]))
    .execute();
}

export async function listApiKeys(db: Db): Promise<ApiKeyRow[]> {
  return db.selectFrom('api_keys').select(COLUMNS).orderBy('created_at').orderBy('name').execute();
}

export async function activeKeyNamed(db: Db, name: string): Promise<ApiKeyRow | undefined> {
  return db
    .selectFrom('api_keys')
    .select(COLUMNS)
    .where('name', '=', name)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

/** Revoke every active key whose name, shown prefix or clear value is `nameOrPrefix`; returns those keys. */
export async function revokeApiKeys(db: Db, nameOrPrefix: string, now: Date): Promise<ApiKeyRow[]> {
  return db
    .updateTable('api_keys')
    .set({ revoked_at: now })
    .where('revoked_at', 'is', null)
    .where((eb) =>
      eb.or([
        eb('name', '=', nameOrPrefix),
        eb('prefix', '=', nameOrPrefix),
        eb('key_hash', '=', hashApiKey(nameOrPrefix)),
      ]),
    )
    .returning(COLUMNS)
    .execute();
}
