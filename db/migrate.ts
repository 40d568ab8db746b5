import { promises as fs } from 'node:fs';
import path from 'node:path';
import { FileMigrationProvider, Migrator, type Kysely } from 'kysely';
import { createDb } from './connection';

export const MIGRATIONS_DIR = path.join(__dirname, 'migrations');

/** Bring the schema to the latest migration. Safe to call on every start. */
export async function migrateToLatest(db: Kysely<unknown>): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: new FileMigrationProvider({ fs, path, migrationFolder: MIGRATIONS_DIR }),
    // Migrations written side by side may land out of name order; each is independent, so run any that
    // an existing database has not seen rather than refuse to start.
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  for (const r of results ?? []) {
    if (r.status === 'Error') console.error(`migration ${r.migrationName} failed`);
  }
  if (error) throw error instanceof Error ? error : new Error(String(error));
}

if (require.main === module) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('DATABASE_URL is not set (npm start provisions the embedded database and sets it).');
    process.exit(2);
  }
  const db = createDb(url, { max: 1 });
  migrateToLatest(db as unknown as Kysely<unknown>)
    .then(() => console.log('database is at the latest migration'))
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    })
    .finally(() => void db.destroy());
}
