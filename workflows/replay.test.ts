import { beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflows } from '../worker/worker';
import { historyFromJsonText } from '../test/support/history-json';
import { configureRuntime } from '../test/support/temporal';

/**
 * Every recorded history in `workflows/histories/` (recorded from deployed code: README, "Changing a
 * workflow or a rule") replays against the workflow code of this checkout. A change that alters the
 * commands an old execution already issued — a timer, an activity, a child, a marker added, removed or
 * reordered without `patched()` — fails here instead of failing the contacts in flight in production.
 */

const HISTORIES_DIR = path.join(__dirname, 'histories');
const REORDERED = path.join(__dirname, '..', 'test', 'support', 'fixtures', 'reordered.workflows.ts');

interface Recorded {
  name: string;
  workflowId: string;
  history: ReturnType<typeof historyFromJsonText>;
}

async function recordedHistories(): Promise<Recorded[]> {
  const files = (await fs.readdir(HISTORIES_DIR)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(
    files.map(async (file) => ({
      name: file.replace(/\.json$/, ''),
      workflowId: file.replace(/\.json$/, ''),
      history: historyFromJsonText(await fs.readFile(path.join(HISTORIES_DIR, file), 'utf8')),
    })),
  );
}

/** Each history's replay outcome: undefined when it replayed, else the error's name and message. */
async function replayAll(
  bundle: WorkflowBundleWithSourceMap,
  histories: Recorded[],
): Promise<Record<string, string | undefined>> {
  const outcome: Record<string, string | undefined> = {};
  const results = Worker.runReplayHistories(
    { workflowBundle: bundle, replayName: 'recorded-histories' },
    histories.map((h) => ({ workflowId: h.workflowId, history: h.history })),
  );
  for await (const r of results) {
    const cause = r.error?.cause;
    outcome[r.workflowId] = r.error
      ? `${cause instanceof Error ? cause.name : r.error.name}: ${cause instanceof Error ? cause.message : r.error.message}`
      : undefined;
  }
  return outcome;
}

let histories: Recorded[];
beforeAll(async () => {
  configureRuntime();
  histories = await recordedHistories();
});

describe('recorded workflow histories', () => {
  it('cover both workflows and their paths: retry, callback, result wait, window wait, pause, continue-as-new', () => {
    const types = new Set(
      histories.map(
        (h) => h.history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '?',
      ),
    );
    expect(types).toEqual(new Set(['campaignRun', 'contact']));
    const names = histories.map((h) => h.name);
    for (const path of [
      'contact-retry',
      'contact-callback',
      'contact-result-timeout',
      'campaign-run-window-wait',
    ]) {
      expect(names).toContain(path);
    }
    expect(names).toContain('campaign-run-pause-resume-stop');
    expect(names.some((n) => n.startsWith('campaign-run-continue-as-new'))).toBe(true);
  });

  it('all replay against the current workflow code', async () => {
    const outcome = await replayAll(await bundleWorkflows(), histories);
    expect(Object.keys(outcome)).toHaveLength(histories.length);
    expect(outcome).toEqual(Object.fromEntries(histories.map((h) => [h.workflowId, undefined])));
  });

  it('catch an unguarded change: a contact that issues one more command first fails to replay', async () => {
    const reordered = await bundleWorkflowCode({ workflowsPath: REORDERED, logger: undefined });
    const outcome = await replayAll(reordered, histories);
    const contacts = histories.filter((h) => h.name.startsWith('contact-')).map((h) => h.workflowId);
    expect(contacts.length).toBeGreaterThan(0);
    for (const id of contacts) expect(outcome[id]).toMatch(/Nondeterminism|DeterminismViolation/);
    // The runs themselves are unchanged in that variant and still replay.
    for (const h of histories.filter((x) => x.name.startsWith('campaign-run-')))
      expect(outcome[h.workflowId]).toBeUndefined();
  });
});
