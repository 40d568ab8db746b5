import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { venvIsInPlace } from './schemathesis';

describe('venvIsInPlace', () => {
  const made: string[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });
  async function venvWithShebang(shebang: (dir: string) => string): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ori-venv-'));
    made.push(dir);
    await mkdir(path.join(dir, 'bin'));
    await writeFile(path.join(dir, 'bin', 'schemathesis'), `${shebang(dir)}\nimport sys\n`);
    return dir;
  }

  it('accepts a venv whose script runs its own python', async () => {
    const dir = await venvWithShebang((d) => `#!${d}/bin/python3`);
    expect(await venvIsInPlace(dir)).toBe(true);
  });

  it('refuses a venv copied from another folder: its script names the old python', async () => {
    const dir = await venvWithShebang(() => '#!/work/elsewhere/.tools/schemathesis/bin/python3');
    expect(await venvIsInPlace(dir)).toBe(false);
  });

  it("reads the interpreter from pip's exec line when the path does not fit a #! line", async () => {
    const dir = await venvWithShebang((d) => `#!/bin/sh\n'''exec' "${d}/bin/python3" "$0" "$@"\n' '''`);
    expect(await venvIsInPlace(dir)).toBe(true);
    const moved = await venvWithShebang(
      () => `#!/bin/sh\n'''exec' "/old place/bin/python3" "$0" "$@"\n' '''`,
    );
    expect(await venvIsInPlace(moved)).toBe(false);
  });

  it('refuses a venv without the script', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ori-venv-'));
    made.push(dir);
    expect(await venvIsInPlace(dir)).toBe(false);
  });
});
