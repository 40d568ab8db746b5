import { Kysely, sql } from 'kysely';

/**
 * API instances cache authenticated keys (api/plugins/api-key-cache.ts). A change that may end a key — its
 * revocation, a new hash or name, its deletion — notifies `ori_api_keys` with the key's hash, whichever
 * process or tool made it (the API, `npm run keys`, psql), so every instance drops the key at once.
 * `last_used_at` refreshes notify nothing.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function ori_api_keys_notify() returns trigger language plpgsql as $$
    begin
      perform pg_notify('ori_api_keys', old.key_hash);
      return null;
    end $$`.execute(db);
  await sql`
    create trigger api_keys_changed_notify
    after update on api_keys for each row
    when (old.revoked_at is distinct from new.revoked_at
          or old.key_hash is distinct from new.key_hash
          or old.name is distinct from new.name)
    execute function ori_api_keys_notify()`.execute(db);
  await sql`
    create trigger api_keys_deleted_notify
    after delete on api_keys for each row
    execute function ori_api_keys_notify()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger if exists api_keys_deleted_notify on api_keys`.execute(db);
  await sql`drop trigger if exists api_keys_changed_notify on api_keys`.execute(db);
  await sql`drop function if exists ori_api_keys_notify()`.execute(db);
}
