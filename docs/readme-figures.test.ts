import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../config/settings';
import { ON_DECK_MAX, ON_DECK_SHARE, onDeckSeats } from '../policy/admission';

/** The README's figures are checked against the code they describe, so they cannot go stale unnoticed. */
const ROOT = path.resolve(__dirname, '..');
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const BENCHMARKS = readFileSync(path.join(ROOT, 'BENCHMARKS.md'), 'utf8');

/** The result cell of the BENCHMARKS.md table row whose first cell starts with `row`. */
function benchResult(row: string): string {
  const line = BENCHMARKS.split('\n').find((l) => l.startsWith(`| ${row}`));
  if (!line) throw new Error(`BENCHMARKS.md has no row "${row}"`);
  return line.split('|')[2]!.trim();
}

/** The first number in `text` after `after` (commas dropped). */
function numberIn(text: string, after: RegExp): number {
  const m = new RegExp(after.source + String.raw`\s*([\d,]+(?:\.\d+)?)`).exec(text);
  if (!m) throw new Error(`no number after ${after} in: ${text.slice(0, 200)}`);
  return Number(m[1]!.replace(/,/g, ''));
}

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

  describe('the Performance section quotes the last BENCHMARKS.md', () => {
    const perf = README.slice(README.indexOf('## Performance')).replace(/\s+/g, ' ');
    it('utilisation, freed-seat latency and the largest history', () => {
      expect(numberIn(perf, /utilisation at concurrency 200/)).toBe(
        numberIn(benchResult('Seat utilisation at concurrency 200'), /^/),
      );
      const freed = benchResult('Freed seat → next originate at concurrency 200');
      expect(numberIn(perf, /re-dialled from the deck in p50/)).toBe(numberIn(freed, /p50/));
      expect(numberIn(perf, /\(p99/) * 1000).toBe(Math.round(numberIn(freed, /p99/) / 10) * 10);
      expect(numberIn(perf, /100,000-contact campaign/)).toBe(
        numberIn(benchResult('Largest workflow history, 100,000-contact campaign'), /^/),
      );
    });
    it('worker takeover after kill -9', () => {
      expect(numberIn(perf, /followed again by the surviving worker within/)).toBe(
        numberIn(benchResult('Worker killed (-9) while its calls ring'), /^/),
      );
    });
    it('memory, import and report figures', () => {
      expect(numberIn(perf, /peak RSS/)).toBe(
        numberIn(benchResult('Worker peak RSS during the campaign'), /^/),
      );
      expect(numberIn(perf, /CSV import/)).toBe(
        numberIn(benchResult('500,000-row, 100 MB CSV import through the API vs psql'), /=/),
      );
      expect(numberIn(perf, /attempts.csv` at/)).toBe(
        Math.round(numberIn(benchResult('1,000,000-row attempts.csv download'), /^/) / 1000),
      );
      expect(numberIn(perf, /rows\/s in/)).toBe(
        numberIn(benchResult('API process peak RSS during the download'), /^/),
      );
    });
    it('the dial rate range includes the last run', () => {
      const m = /\((\d+)–(\d+) dials\/s, ([\d.]+)–([\d.]+)× a trivial/.exec(perf);
      expect(m).not.toBeNull();
      const sustained = benchResult('Sustained dials/s end to end');
      const rate = numberIn(sustained, /^/);
      const ratio = numberIn(sustained, /=/);
      expect(rate).toBeGreaterThanOrEqual(Number(m![1]));
      expect(rate).toBeLessThanOrEqual(Number(m![2]) + 0.99);
      expect(ratio).toBeGreaterThanOrEqual(Number(m![3]));
      expect(ratio).toBeLessThanOrEqual(Number(m![4]));
    });
  });
});
