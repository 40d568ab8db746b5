import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The repository documents itself: code comments, the README and docs/ refer only to files inside it. The
 * product's source documents (the public contract, the simulator and design notes, the operator guides, the
 * research notes) are not part of the repository; their content lives in docs/ (README "Documentation").
 */
const ROOT = path.resolve(__dirname, '..');
const SELF = 'docs/references.test.ts';
const SCANNED = /\.(ts|js|mjs|cjs|md|yml|yaml)$/;

function trackedFiles(): string[] {
  return execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((f) => SCANNED.test(f) && f !== SELF && existsSync(path.join(ROOT, f)));
}

/** Names of documents that exist only outside the repository. */
const OUTSIDE: { what: string; pattern: RegExp }[] = [
  { what: 'the contract outside the repo (use docs/api.md)', pattern: /\bAPI\.md\b/ },
  { what: 'the simulator notes outside the repo (use docs/simulator.md)', pattern: /\bSIMULATOR\.md\b/ },
  { what: 'the design notes outside the repo (use docs/architecture.md)', pattern: /\bDESIGN\.md\b/ },
  { what: 'the research notes outside the repo (use docs/limits.md)', pattern: /\bresearch(\/|\s*§)/ },
  {
    what: 'an operator guide outside the repo (use docs/rules.md or docs/troubleshooting.md)',
    pattern:
      /\b(create-campaign|monitor-campaign|voice-agent-campaigns|troubleshooting)\.txt\b|troubleshooting-tables\.md/,
  },
  { what: 'a path outside the repo', pattern: /\/work\/shared\b/ },
];

function scan(files: string[], find: (line: string, file: string) => string | null): string[] {
  const problems: string[] = [];
  for (const file of files) {
    const lines = readFileSync(path.join(ROOT, file), 'utf8').split('\n');
    lines.forEach((line, i) => {
      const problem = find(line, file);
      if (problem) problems.push(`${file}:${i + 1}: ${problem}`);
    });
  }
  return problems;
}

/** Headings and bold lead-ins of a Markdown file: what a quoted section name may refer to. */
function sectionsOf(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const headings = [...text.matchAll(/^#+\s+(.+)$/gm)].map((m) => m[1]!.trim());
  const bold = [...text.matchAll(/\*\*([^*]+)\*\*/g)].map((m) => m[1]!.trim());
  return [...headings, ...bold];
}

export function findOutsideReference(line: string): string | null {
  const hit = OUTSIDE.find(({ pattern }) => pattern.test(line));
  return hit ? `refers to ${hit.what}: ${line.trim()}` : null;
}

describe('references in code and docs', () => {
  const files = trackedFiles();

  it('scans the tracked sources and docs', () => {
    expect(files).toContain('README.md');
    expect(files).toContain('policy/next-step.ts');
    expect(files.filter((f) => f.startsWith('docs/')).length).toBeGreaterThanOrEqual(6);
  });

  it('name no document that lives outside the repository', () => {
    expect(scan(files, (line) => findOutsideReference(line))).toEqual([]);
  });

  it('recognise each kind of outside reference (the check can fail)', () => {
    for (const line of [
      ' * (API.md "Campaigns")',
      '// SIMULATOR.md "Scenarios"',
      'DESIGN.md house style',
      '(research §4)',
      'research/freeswitch-esl.md',
      'create-campaign.txt',
      'see troubleshooting.txt',
      '(`/work/shared/API.md`)',
    ])
      expect(findOutsideReference(line), line).not.toBeNull();
    for (const line of [
      'docs/api.md',
      'the troubleshooting checks',
      'docs/limits.md "Classifying"',
      'template.csv',
    ])
      expect(findOutsideReference(line), line).toBeNull();
  });

  it('point at docs/ files that exist', () => {
    const problems = scan(files, (line) => {
      const missing = [...line.matchAll(/(?<![\w/.-])docs\/[\w.-]+\.(?:md|ts)\b/g)]
        .map((m) => m[0])
        .filter((target) => !existsSync(path.join(ROOT, target)));
      return missing.length ? `no such file: ${missing.join(', ')}` : null;
    });
    expect(problems).toEqual([]);
  });

  it('link, in Markdown, only to files that exist', () => {
    const markdown = files.filter((f) => f.endsWith('.md'));
    const problems = scan(markdown, (line, file) => {
      const broken = [...line.matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)]
        .map((m) => m[1]!)
        .filter((target) => !/^(https?:|mailto:|#)/.test(target))
        .filter((target) => !existsSync(path.resolve(ROOT, path.dirname(file), target.split('#')[0]!)));
      return broken.length ? `broken link: ${broken.join(', ')}` : null;
    });
    expect(problems).toEqual([]);
  });

  it('name sections of README and docs/ that exist', () => {
    const cache = new Map<string, string[]>();
    const sections = (file: string) => {
      if (!cache.has(file)) cache.set(file, existsSync(path.join(ROOT, file)) ? sectionsOf(file) : []);
      return cache.get(file)!;
    };
    const problems = scan(files, (line) => {
      const wrong: string[] = [];
      for (const m of line.matchAll(/(?<![\w/.-])(README|docs\/[\w.-]+\.md) "([^"]+)"/g)) {
        const file = m[1] === 'README' ? 'README.md' : m[1]!;
        const name = m[2]!;
        if (!sections(file).some((s) => s.startsWith(name))) wrong.push(`${file} has no section "${name}"`);
      }
      return wrong.length ? wrong.join('; ') : null;
    });
    expect(problems).toEqual([]);
  });
});
