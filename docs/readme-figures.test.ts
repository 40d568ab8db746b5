import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../config/settings';
import { ON_DECK_MAX, ON_DECK_SHARE, onDeckSeats } from '../policy/admission';

/** The README's figures are checked against the code they describe, so they cannot go stale unnoticed. */
const ROOT = path.resolve(__dirname, '..');
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

const SHARES: Record<string, number> = {
  half: 1 / 2,
  third: 1 / 3,
  quarter: 1 / 4,
  fifth: 1 / 5,
  tenth: 1 / 10,
};

describe('README figures', () => {
  it('states the deck size policy/admission.ts uses', () => {
    const m = /\*\*on deck\*\* \(a (\w+) of the concurrency,\s+at least (\d+) and at most ([\d,]+)/.exec(
      README,
    );
    expect(
      m,
      'README: "**on deck** (a <share> of the concurrency, at least <n> and at most <max>"',
    ).not.toBeNull();
    const [, share, least, most] = m!;
    expect(SHARES[share!]).toBe(ON_DECK_SHARE);
    expect(Number(most!.replace(/,/g, ''))).toBe(ON_DECK_MAX);
    expect(onDeckSeats(1)).toBe(Number(least));
    expect(onDeckSeats(100)).toBe(Math.ceil(100 * ON_DECK_SHARE));
    expect(onDeckSeats(100_000)).toBe(ON_DECK_MAX);
  });

  const table = README.slice(README.indexOf('## Configuration'));
  const rows = table
    .slice(0, table.indexOf('\n## ', 3))
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => line.split('|').map((cell) => cell.trim()));
  // A variable is documented by its own row or in the meaning of a related one (`TEMPORAL_NAMESPACE`).
  const documented = new Set(
    rows.flatMap((cells) => [...cells.join(' ').matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!)),
  );

  it('documents every variable config/settings.ts reads', () => {
    const source = readFileSync(path.join(ROOT, 'config/settings.ts'), 'utf8');
    const read = new Set([...source.matchAll(/\benv\.([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]!));
    expect(read.size).toBeGreaterThan(20);
    expect(read.has('ORI_RESULT_GRACE_S')).toBe(true);
    expect([...read].filter((name) => !documented.has(name))).toEqual([]);
  });

  it('gives the defaults loadSettings applies', () => {
    const defaults = loadSettings({});
    const checked: string[] = [];
    for (const cells of rows) {
      const names = [...(cells[1] ?? '').matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1]!);
      const values = (cells[2] ?? '').split(',').map((v) => v.trim());
      if (names.length !== values.length) continue;
      names.forEach((name, i) => {
        const value = /^`([^`]+)`$/.exec(values[i]!)?.[1];
        if (value === undefined) return; // "none", "embedded", "the simulator": no literal default
        // The documented default, set explicitly, changes nothing...
        expect(loadSettings({ [name]: value }), `${name}=${value}`).toEqual(defaults);
        // ...and the variable is really read: another value changes the settings (or is refused).
        const other = /^\d+$/.test(value) ? String(Number(value) + 1) : `${value}-other`;
        let changed: boolean;
        try {
          changed = JSON.stringify(loadSettings({ [name]: other })) !== JSON.stringify(defaults);
        } catch {
          changed = true;
        }
        expect(changed, `${name}=${other} changes nothing`).toBe(true);
        checked.push(name);
      });
    }
    expect(checked).toEqual(
      expect.arrayContaining(['PORT', 'ORI_RING_TIMEOUT_S', 'ORI_RESULT_GRACE_S', 'SIM_SEED']),
    );
  });
});
