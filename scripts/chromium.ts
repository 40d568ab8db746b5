import { existsSync } from 'node:fs';
import { spawnManaged } from './processes';

/** Debian's Chromium, which the browser tests drive with playwright-core (no browser download of its own). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Chromium for the browser tests: the machine's, else `apt-get install chromium` when we are root (about a
 * minute on a fresh machine). Undefined when it cannot be had; the browser tests then say so and fail in CI.
 */
export async function ensureChromium(log: (m: string) => void): Promise<string | undefined> {
  if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !existsSync('/usr/bin/apt-get')) return undefined;
  log('Chromium not found: installing Debian chromium with apt-get for the browser tests');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = async (args: string[]): Promise<boolean> =>
    (await spawnManaged('apt', 'apt-get', args, { env, prefix: '[apt] ' }).exited).code === 0;
  if (!(await apt(['update', '-qq']))) log('apt-get update failed; trying the install anyway');
  await apt(['install', '-y', '-qq', '--no-install-recommends', 'chromium']);
  return existsSync(CHROMIUM_PATH) ? CHROMIUM_PATH : undefined;
}
