import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Temporal's native bridge does not survive worker threads (sdk-typescript#876).
    pool: 'forks',
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', '.data/**', '.tools/**'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: true,
    maxWorkers: 2,
  },
});
