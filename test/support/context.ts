import type { PostgresKind } from '../../scripts/postgres';

/** What test/support/global-setup.ts provides to every test file (`inject('...')`). */
declare module 'vitest' {
  export interface ProvidedContext {
    /** Connection string for CREATE/DROP DATABASE on the test server (its `postgres` database). */
    databaseAdminUrl: string;
    /** Name of the migrated template database (pglite: path of a migrated data-dir dump). */
    templateDb: string;
    /** `cluster` (our own), `external` (DATABASE_URL) or `pglite` (no server binaries). */
    databaseKind: PostgresKind;
    /** Prefix of every database this run creates, so teardown can drop leftovers. */
    testDbPrefix: string;
    /** Temporal CLI (dev server); undefined: the SDK downloads one. */
    temporalCliPath: string | undefined;
    /** Temporal time-skipping test server; undefined: the SDK downloads one. */
    temporalTestServerPath: string | undefined;
  }
}

export {};
