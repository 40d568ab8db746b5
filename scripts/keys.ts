import type { Kysely } from 'kysely';
import { createDb, type Db } from '../db/connection';
import { migrateToLatest } from '../db/migrate';
import {
  activeKeyNamed,
  createApiKey,
  listApiKeys,
  revokeApiKeys,
  type ApiKeyRow,
} from '../db/repositories/api-keys.repository';

/**
 * API key administration against DATABASE_URL:
 *
 *   npm run keys -- create <name>          prints the new key once (only its hash is stored)
 *   npm run keys -- list                   name, prefix, created, last used, revoked
 *   npm run keys -- revoke <name|prefix>   revokes the matching active key(s)
 */

const USAGE = `usage: npm run keys -- create <name> | list | revoke <name|prefix>`;

export interface Io {
  out(line: string): void;
  err(line: string): void;
}

const when = (d: Date | null): string => (d ? d.toISOString() : '-');

function table(rows: ApiKeyRow[]): string[] {
  const header = ['NAME', 'PREFIX', 'CREATED', 'LAST USED', 'REVOKED'];
  const cells = rows.map((r) => [
    r.name,
    r.prefix,
    when(r.created_at),
    when(r.last_used_at),
    when(r.revoked_at),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]): string =>
    c
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...cells.map(line)];
}

/** Runs one command; returns the process exit code. */
export async function runKeysCommand(
  db: Db,
  args: string[],
  io: Io,
  now: Date = new Date(),
): Promise<number> {
  const [command, target, ...rest] = args;
  if (command === 'create' && target && rest.length === 0) {
    const name = target.trim();
    if (!name) {
      io.err('the key needs a name');
      return 2;
    }
    if (await activeKeyNamed(db, name)) {
      io.err(`an active key named "${name}" already exists; revoke it first or pick another name`);
      return 1;
    }
    const { key, row } = await createApiKey(db, name);
    io.out(key);
    io.err(`created key "${row.name}" (${row.prefix}…). It is shown only now: store it safely.`);
    return 0;
  }
  if (command === 'list' && target === undefined) {
    const rows = await listApiKeys(db);
    if (rows.length === 0) io.err('no API keys yet: npm run keys -- create <name>');
    else for (const line of table(rows)) io.out(line);
    return 0;
  }
  if (command === 'revoke' && target && rest.length === 0) {
    const revoked = await revokeApiKeys(db, target, now);
    if (revoked.length === 0) {
      io.err(`no active key has the name or prefix "${target}"`);
      return 1;
    }
    for (const r of revoked) io.out(`revoked "${r.name}" (${r.prefix}…)`);
    return 0;
  }
  io.err(USAGE);
  return 2;
}

async function main(): Promise<number> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('DATABASE_URL is not set: point it at the dialler database.');
    return 2;
  }
  const db = createDb(url, { max: 1 });
  try {
    await migrateToLatest(db as unknown as Kysely<unknown>);
    return await runKeysCommand(db, process.argv.slice(2), {
      out: (line) => console.log(line),
      err: (line) => console.error(line),
    });
  } finally {
    await db.destroy();
  }
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exitCode = 1;
    },
  );
}
