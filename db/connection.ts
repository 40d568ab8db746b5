import { Kysely, PostgresDialect } from 'kysely';
import { Pool, types } from 'pg';
import type { Database } from './schema';

// bigint (int8) as string would leak into JSON; counts and ids we read are far below 2^53.
types.setTypeParser(20, (v) => Number(v));

export type Db = Kysely<Database>;

export function createDb(databaseUrl: string, options: { max?: number } = {}): Db {
  const pool = new Pool({ connectionString: databaseUrl, max: options.max ?? 10 });
  // An idle client that errors (server restart) must not crash the process: the pool replaces it.
  pool.on('error', () => undefined);
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
