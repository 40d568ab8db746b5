import { promises as fs } from 'node:fs';
import path from 'node:path';
import { run } from './processes';
import { REPO_ROOT, withLock, type Logger } from './temporal';

/**
 * Schemathesis, the property-based contract tester that drives the API from its own OpenAPI document
 * (`npm run test:contract`, and the contract test in `npm test`). A pinned version from PyPI in a
 * virtual environment under the git-ignored `.tools/schemathesis`, installed once.
 */
export const SCHEMATHESIS_PACKAGE = 'schemathesis==4.32.5';
const STAMP = '.ori-pinned';

export async function ensureSchemathesis(options: { toolsDir?: string; log?: Logger } = {}): Promise<string> {
  const dir = options.toolsDir ?? path.join(REPO_ROOT, '.tools', 'schemathesis');
  const bin = path.join(dir, 'bin', 'schemathesis');
  const installed = async (): Promise<boolean> =>
    (await fs.readFile(path.join(dir, STAMP), 'utf8').catch(() => '')).trim() === SCHEMATHESIS_PACKAGE &&
    (await venvIsInPlace(dir));
  if (await installed()) return bin;
  await fs.mkdir(path.dirname(dir), { recursive: true });
  return withLock(`${dir}.lock`, async () => {
    if (await installed()) return bin;
    const started = Date.now();
    options.log?.(`installing ${SCHEMATHESIS_PACKAGE} from PyPI into ${dir}`);
    await fs.rm(dir, { recursive: true, force: true });
    const venv = await run('python3', ['-m', 'venv', dir], { timeoutMs: 120_000 });
    if (venv.code !== 0) throw new Error(`python3 -m venv ${dir} failed: ${venv.stderr.trim()}`);
    const pip = await run(
      path.join(dir, 'bin', 'pip'),
      ['install', '--quiet', '--disable-pip-version-check', SCHEMATHESIS_PACKAGE],
      { timeoutMs: 600_000 },
    );
    if (pip.code !== 0) throw new Error(`pip install ${SCHEMATHESIS_PACKAGE} failed: ${pip.stderr.trim()}`);
    await fs.writeFile(path.join(dir, STAMP), `${SCHEMATHESIS_PACKAGE}\n`);
    options.log?.(`${SCHEMATHESIS_PACKAGE} installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return bin;
  });
}

/**
 * A virtual environment's scripts name its own python by absolute path, so a venv copied or moved with
 * its checkout (another folder, a worktree) still has its stamp but no longer runs: spawning it fails
 * with ENOENT. It is in place when its schemathesis script's interpreter lives under `dir`. pip writes
 * that path on the `#!` line, or, when it holds a space or is too long for one, on an `exec` line that
 * a `#!/bin/sh` line runs.
 */
export async function venvIsInPlace(dir: string): Promise<boolean> {
  const script = await fs.readFile(path.join(dir, 'bin', 'schemathesis'), 'utf8').catch(() => '');
  const interpreter = /^'''exec' "?(.+?\/python[\d.]*)"? /m.exec(script)?.[1] ?? /^#!(\S+)/.exec(script)?.[1];
  return interpreter !== undefined && path.dirname(interpreter) === path.join(path.resolve(dir), 'bin');
}
