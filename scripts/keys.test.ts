import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../test/support/db';
import { authenticateApiKey, hashApiKey } from '../db/repositories/api-keys.repository';
import { runKeysCommand } from './keys';

const t = useTestDatabase();

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l) } };
}

describe('npm run keys', () => {
  it('create prints a new ori_ key once and stores only its hash', async () => {
    const c = capture();
    expect(await runKeysCommand(t.db, ['create', 'crm'], c.io)).toBe(0);
    const key = c.out[0] ?? '';
    expect(key).toMatch(/^ori_[A-Za-z0-9_-]{43}$/);
    const row = await t.db
      .selectFrom('api_keys')
      .selectAll()
      .where('name', '=', 'crm')
      .executeTakeFirstOrThrow();
    expect(row.key_hash).toBe(hashApiKey(key));
    expect(row.prefix).toBe(key.slice(0, 12));
    expect(JSON.stringify(row)).not.toContain(key);
    expect((await authenticateApiKey(t.db, key, new Date()))?.name).toBe('crm');

    const dup = capture();
    expect(await runKeysCommand(t.db, ['create', 'crm'], dup.io)).toBe(1);
    expect(dup.out).toEqual([]);
  });

  it('list shows name, prefix, created, last used and revoked', async () => {
    const made = capture();
    await runKeysCommand(t.db, ['create', 'listed'], made.io);
    await authenticateApiKey(t.db, made.out[0] ?? '', new Date('2030-05-01T12:00:00Z'));
    const c = capture();
    expect(await runKeysCommand(t.db, ['list'], c.io)).toBe(0);
    expect(c.out[0]).toMatch(/^NAME\s+PREFIX\s+CREATED\s+LAST USED\s+REVOKED$/);
    const line = c.out.find((l) => l.startsWith('listed '));
    expect(line).toContain((made.out[0] ?? '').slice(0, 12));
    expect(line).toContain('2030-05-01T12:00:00.000Z');
  });

  it('revoke by name or by prefix; a revoked key no longer authenticates', async () => {
    const a = capture();
    await runKeysCommand(t.db, ['create', 'by-name'], a.io);
    const b = capture();
    await runKeysCommand(t.db, ['create', 'by-prefix'], b.io);

    const r1 = capture();
    expect(await runKeysCommand(t.db, ['revoke', 'by-name'], r1.io)).toBe(0);
    expect(r1.out).toEqual([expect.stringContaining('revoked "by-name"')]);
    expect(await authenticateApiKey(t.db, a.out[0] ?? '', new Date())).toBeNull();

    const r2 = capture();
    expect(await runKeysCommand(t.db, ['revoke', (b.out[0] ?? '').slice(0, 12)], r2.io)).toBe(0);
    expect(await authenticateApiKey(t.db, b.out[0] ?? '', new Date())).toBeNull();

    const none = capture();
    expect(await runKeysCommand(t.db, ['revoke', 'by-name'], none.io)).toBe(1);
    expect(none.err[0]).toContain('no active key');
    // The name is free again once revoked.
    expect(await runKeysCommand(t.db, ['create', 'by-name'], capture().io)).toBe(0);
  });

  it('answers usage for anything else', async () => {
    for (const args of [[], ['create'], ['revoke'], ['list', 'x'], ['rotate', 'x']]) {
      const c = capture();
      expect(await runKeysCommand(t.db, args, c.io)).toBe(2);
      expect(c.err[0]).toContain('usage');
    }
  });

  it('runs as a command against DATABASE_URL', async () => {
    const root = path.join(__dirname, '..');
    const run = (args: string[]) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/keys.ts', ...args], {
        cwd: root,
        env: { ...process.env, DATABASE_URL: t.url },
      });
    const created = await run(['create', 'from-cli']);
    expect(created.stdout.trim()).toMatch(/^ori_/);
    const listed = await run(['list']);
    expect(listed.stdout).toContain('from-cli');
  });
});
