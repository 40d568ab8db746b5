#!/usr/bin/env node
/* global require, __dirname, process, console */
/* eslint-disable @typescript-eslint/no-require-imports -- plain Node, runs before anything is installed */
'use strict';
/**
 * Installs the npm dependencies when they are missing or stale, so `npm start` and `npm test` work on a
 * fresh clone. Plain Node, no dependencies: it runs before anything is installed.
 *
 * Stale means: npm's own record of what it installed (node_modules/.package-lock.json) is older than
 * package-lock.json AND differs from it. The content check keeps a `git checkout` that merely touched the
 * lockfile from triggering a reinstall (npm ci wipes node_modules, which other processes may be using).
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const lockPath = path.join(root, 'package-lock.json');
const modulesDir = path.join(root, 'node_modules');
const installedPath = path.join(modulesDir, '.package-lock.json');

function mtimeMs(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** npm was told to leave dev dependencies out (the Docker image does). */
const omitDev = /\bdev\b/.test(`${process.env.npm_config_omit || ''} ${process.env.NPM_CONFIG_OMIT || ''}`);

/** The installed tree matches the lockfile: same packages at the same versions. */
function sameTree() {
  try {
    const wanted = JSON.parse(fs.readFileSync(lockPath, 'utf8')).packages || {};
    const have = JSON.parse(fs.readFileSync(installedPath, 'utf8')).packages || {};
    for (const [key, entry] of Object.entries(wanted)) {
      if (key === '' || !key.startsWith('node_modules/')) continue;
      const got = have[key];
      // Optional packages for other platforms are legitimately absent.
      if (!got) {
        if (entry.optional || entry.devOptional || entry.peer || (omitDev && entry.dev)) continue;
        return false;
      }
      if (got.version !== entry.version) return false;
    }
    return true;
  } catch {
    return false;
  }
}

function reason() {
  if (!fs.existsSync(modulesDir)) return 'node_modules is missing';
  const installed = mtimeMs(installedPath);
  if (installed === undefined) return 'node_modules has no install record';
  const lock = mtimeMs(lockPath);
  if (lock === undefined) return undefined; // no lockfile: nothing to compare against
  if (installed >= lock) return undefined;
  return sameTree() ? undefined : 'package-lock.json changed since the last install';
}

function run(args) {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const res = spawnSync(npm, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (res.error) console.error(`[ensure-deps] could not run npm ${args.join(' ')}: ${res.error.message}`);
  return res.status === 0;
}

const why = reason();
if (why) {
  console.log(`[ensure-deps] ${why}: installing dependencies (npm ci)`);
  const started = Date.now();
  const ok =
    (fs.existsSync(lockPath) && run(['ci', '--no-audit', '--no-fund'])) ||
    run(['install', '--no-audit', '--no-fund']);
  if (!ok) {
    console.error('[ensure-deps] npm ci and npm install both failed; see the output above');
    process.exit(1);
  }
  console.log(`[ensure-deps] dependencies installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
