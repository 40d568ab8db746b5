import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from './schema';

/** pg's "submittable" protocol (what pg-copy-streams' streams implement). */
interface Submittable {
  submit(connection: unknown): void;
}

/**
 * Hand a pg "submittable" (a COPY stream) to the connection this Kysely instance is pinned to (a
 * transaction or `db.connection()`). Kysely does not expose the pg client; its Postgres driver passes the
 * compiled query's `sql` to `client.query()`, and pg runs any object with `submit()` as the query itself.
 * The caller must keep the connection pinned until the stream finishes, and must not use it meanwhile.
 */
export async function submitRaw<T extends Submittable>(pinned: Kysely<Database>, query: T): Promise<T> {
  const compiled = CompiledQuery.raw('-- submittable');
  await pinned.executeQuery({ ...compiled, sql: query as unknown as string });
  return query;
}
