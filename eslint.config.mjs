import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Layering, enforced (eslint.config.test.ts plants a violation of each rule and expects the error):
 * - policy/ is pure: it imports only itself and pure libraries — no I/O, no framework, no clock source;
 * - db/ never imports the API (repositories throw domain errors, policy/errors.ts);
 * - workflows/ imports no I/O at run time (type imports are erased before bundling).
 */
const NODE_BUILTINS = ['node:*', ...builtinModules, ...builtinModules.map((m) => `${m}/*`)];
const IO_PACKAGES = [
  'pg',
  'pg-*',
  'kysely',
  'kysely/*',
  'fastify',
  'fastify/*',
  '@fastify/*',
  '@temporalio/*',
  'modesl',
  'csv-parse',
  'csv-parse/*',
  'csv-stringify',
  'csv-stringify/*',
  'prom-client',
];
const APP_LAYERS = [
  '**/db',
  '**/db/**',
  '**/api',
  '**/api/**',
  '**/activities',
  '**/activities/**',
  '**/telephony/**',
  '**/workflows/**',
  '**/engine/**',
  '**/worker/**',
  '**/simulator/**',
  '**/observability/**',
  '**/config/**',
];

export default tseslint.config(
  { ignores: ['node_modules/**', '.data/**', '.tools/**', 'web/vendor/**', '.*.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The pure policy: a decision is a function of its arguments. Type imports count too: the vocabulary
    // lives here, so policy never borrows a type from a layer above it.
    files: ['policy/**/*.ts'],
    ignores: ['policy/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: NODE_BUILTINS, message: 'policy/ is pure: no Node built-ins (no I/O, no clock).' },
            {
              group: IO_PACKAGES,
              message: 'policy/ is pure: no database, HTTP, Temporal or stream library.',
            },
            {
              group: APP_LAYERS,
              message:
                'policy/ is the bottom layer: it imports nothing above it (the vocabulary lives here).',
            },
          ],
        },
      ],
    },
  },
  {
    // Repositories answer in domain terms (policy/errors.ts); only the API knows HTTP.
    files: ['db/**/*.ts'],
    ignores: ['db/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/api', '**/api/**', 'fastify', 'fastify/*', '@fastify/*'],
              message: 'db/ must not depend on the API: throw a domain error from policy/errors.ts.',
            },
          ],
        },
      ],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O.
    // Type-only imports are erased before bundling, so they are allowed.
    files: ['workflows/**/*.ts'],
    ignores: ['workflows/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'os', 'crypto', 'http', 'https', 'net', 'child_process'],
              message: 'Workflows must stay deterministic: no Node built-ins.',
              allowTypeImports: true,
            },
            {
              group: [
                ...IO_PACKAGES.filter((p) => !p.startsWith('@temporalio')),
                '@temporalio/client',
                '@temporalio/worker',
                '@temporalio/activity',
                '**/activities/*.activity',
                '**/db/**',
                '**/api/**',
                '**/telephony/**',
              ],
              message: 'Workflows do no I/O: call an activity.',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    files: ['web/**/*.js'],
    languageOptions: {
      globals: {
        window: 'readonly',
        document: 'readonly',
        fetch: 'readonly',
        localStorage: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        URLSearchParams: 'readonly',
        FormData: 'readonly',
        navigator: 'readonly',
        Blob: 'readonly',
        URL: 'readonly',
        confirm: 'readonly',
        location: 'readonly',
      },
    },
  },
);
