import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';

/**
 * The layering rules of eslint.config.mjs, proven on planted snippets: each violation is linted through
 * ESLint's Node API as if it were a file in the layer, and must be reported; the clean snippets must not.
 * Type information is switched off for the probes (the files do not exist on disk), so only rules that
 * need no types run — the import rules among them.
 */

const eslint = new ESLint({
  cwd: __dirname,
  overrideConfig: [
    {
      files: ['**/*.ts'],
      languageOptions: { parserOptions: { projectService: false, project: null } },
      rules: {
        '@typescript-eslint/no-floating-promises': 'off',
        '@typescript-eslint/no-misused-promises': 'off',
        '@typescript-eslint/switch-exhaustiveness-check': 'off',
        '@typescript-eslint/no-unused-vars': 'off',
      },
    },
  ],
});

const RULE = '@typescript-eslint/no-restricted-imports';

async function importErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  if (!result) throw new Error('no lint result');
  const fatal = result.messages.filter((m) => m.fatal);
  if (fatal.length > 0) throw new Error(fatal.map((m) => m.message).join('; '));
  return result.messages.filter((m) => m.ruleId === RULE).map((m) => m.message);
}

describe('policy/ stays pure', () => {
  it.each([
    ['a database library', `import { sql } from 'kysely';\nexport const q = sql;`],
    ['pg', `import { Client } from 'pg';\nexport const c = Client;`],
    ['a repository, even for a type', `import type { Db } from '../db/connection';\nexport type D = Db;`],
    ['the API', `import { ApiError } from '../api/errors';\nexport const e = ApiError;`],
    ['an activity', `import type { Activities } from '../activities';\nexport type A = Activities;`],
    [
      'the telephony client',
      `import { EslClient } from '../telephony/esl-client';\nexport const t = EslClient;`,
    ],
    ['a Node built-in', `import { readFileSync } from 'node:fs';\nexport const r = readFileSync;`],
    ['a bare Node built-in', `import path from 'path';\nexport const p = path;`],
    ['Temporal', `import { Context } from '@temporalio/activity';\nexport const c = Context;`],
    ['Fastify', `import type { FastifyInstance } from 'fastify';\nexport type F = FastifyInstance;`],
    [
      'a workflow module',
      `import { admitSignal } from '../workflows/messages';\nexport const s = admitSignal;`,
    ],
  ])('rejects importing %s', async (_what, code) => {
    const errors = await importErrors('policy/probe.ts', code);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/policy\/ is/);
  });

  it('accepts policy importing itself and pure libraries', async () => {
    const code = [
      `import { nextOpening } from './calendar';`,
      `import type { Outcome } from './outcome';`,
      `import { parsePhoneNumberFromString } from 'libphonenumber-js/min';`,
      `export const x: [typeof nextOpening, Outcome | null, unknown] = [nextOpening, null, parsePhoneNumberFromString];`,
    ].join('\n');
    expect(await importErrors('policy/probe.ts', code)).toEqual([]);
  });

  it('lets policy tests use Node and the fixtures', async () => {
    const code = `import { readFileSync } from 'node:fs';\nexport const r = readFileSync;`;
    expect(await importErrors('policy/probe.test.ts', code)).toEqual([]);
  });
});

describe('db/ does not know the API', () => {
  it('rejects a repository importing from api/', async () => {
    const code = `import { ApiError } from '../../api/errors';\nexport const e = ApiError;`;
    const errors = await importErrors('db/repositories/probe.repository.ts', code);
    expect(errors).toEqual([expect.stringMatching(/db\/ must not depend on the API/)]);
  });

  it('accepts a repository throwing domain errors and using kysely', async () => {
    const code = [
      `import { sql } from 'kysely';`,
      `import { notFound } from '../../policy/errors';`,
      `export const x = [sql, notFound];`,
    ].join('\n');
    expect(await importErrors('db/repositories/probe.repository.ts', code)).toEqual([]);
  });
});

describe('workflows/ do no I/O at run time', () => {
  it.each([
    [
      'a repository',
      `import { admit } from '../db/repositories/admission.repository';\nexport const a = admit;`,
    ],
    ['pg', `import { Client } from 'pg';\nexport const c = Client;`],
    ['a Node built-in', `import { readFile } from 'node:fs';\nexport const r = readFile;`],
    ['the Temporal client', `import { Client } from '@temporalio/client';\nexport const c = Client;`],
  ])('rejects importing %s', async (_what, code) => {
    const errors = await importErrors('workflows/probe.workflow.ts', code);
    expect(errors).toHaveLength(1);
  });

  it('accepts type imports of activities and repositories, the workflow SDK and the policy', async () => {
    const code = [
      `import { sleep } from '@temporalio/workflow';`,
      `import type { Activities } from '../activities';`,
      `import type { RunView } from '../db/repositories/run-engine.repository';`,
      `import { dialGate } from '../policy/dial-gate';`,
      `export const x: [typeof sleep, Activities | null, RunView | null, typeof dialGate] = [sleep, null, null, dialGate];`,
    ].join('\n');
    expect(await importErrors('workflows/probe.workflow.ts', code)).toEqual([]);
  });
});
