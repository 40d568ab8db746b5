/**
 * Workflow history sizes and pending children, read through the Temporal client: every run of a
 * campaignRun execution (it continues-as-new) and a sample of contact workflows.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const EventType = temporal.api.enums.v1.EventType;

export interface RunInfo {
  runId: string;
  status: string;
  historyLength: number;
  pendingChildren: number;
}

function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v && typeof (v as { toNumber?: () => number }).toNumber === 'function') {
    return (v as { toNumber: () => number }).toNumber();
  }
  return Number(v ?? 0);
}

const STATUS: Record<number, string> = {
  1: 'running',
  2: 'completed',
  3: 'failed',
  4: 'canceled',
  5: 'terminated',
  6: 'continued-as-new',
  7: 'timed-out',
};

export async function describeRun(client: Client, workflowId: string, runId?: string): Promise<RunInfo> {
  const res = await client.workflowService.describeWorkflowExecution({
    namespace: client.options.namespace,
    execution: { workflowId, ...(runId ? { runId } : {}) },
  });
  const info = res.workflowExecutionInfo;
  return {
    runId: info?.execution?.runId ?? runId ?? '',
    status: STATUS[num(info?.status)] ?? String(info?.status),
    historyLength: num(info?.historyLength),
    pendingChildren: res.pendingChildren?.length ?? 0,
  };
}

/** Every run of `workflowId` (visibility), described one by one. */
export async function allRuns(client: Client, workflowId: string): Promise<RunInfo[]> {
  const runIds: string[] = [];
  for await (const w of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runIds.push(w.runId);
  const out: RunInfo[] = [];
  for (const runId of runIds) out.push(await describeRun(client, workflowId, runId));
  return out;
}

/** Event type counts of one run's history (what a contact costs in events). */
export async function eventCounts(
  client: Client,
  workflowId: string,
  runId?: string,
): Promise<{ total: number; byType: Record<string, number> }> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const byType: Record<string, number> = {};
  for (const e of history.events ?? []) {
    const t = (EventType[e.eventType ?? 0] ?? String(e.eventType)).replace(/^EVENT_TYPE_/, '');
    byType[t] = (byType[t] ?? 0) + 1;
  }
  return { total: history.events?.length ?? 0, byType };
}

export interface Round {
  /** When admitRound was scheduled, and how long it ran (long poll included). */
  at: number;
  admitMs: number;
  /** Children started (or wakes signalled) from its result, and how long the hand-off took until the next round. */
  handoffs: number;
  handOffMs: number;
}

function ms(t: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  if (!t) return Number.NaN;
  return num(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}

/** A contact's start or wake counts one hand-off; a hand-off batch's start counts the contacts it carries. */
function handoffsIn(
  start: temporal.api.history.v1.IStartChildWorkflowExecutionInitiatedEventAttributes | null | undefined,
): number {
  if (start?.workflowType?.name !== 'handOffBatch') return 1;
  try {
    const data = start.input?.payloads?.[0]?.data;
    const input = JSON.parse(Buffer.from(data ?? []).toString('utf8')) as { handoffs?: unknown[] };
    return input.handoffs?.length ?? 0;
  } catch {
    return 0;
  }
}

/**
 * campaignRun's admission rounds, read back from the histories of all its runs: each admitRound activity
 * (scheduled → completed) and the time from its completion to the next admitRound being scheduled: the
 * workflow task that starts the round's hand-offs in the background (and, when the next round is in the
 * next run, the wait for every hand-off in flight and the continue-as-new). The last round's is open (NaN).
 */
export async function admissionRounds(client: Client, workflowId: string): Promise<Round[]> {
  const runIds: string[] = [];
  for await (const w of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runIds.push(w.runId);
  const rounds: Round[] = [];
  for (const runId of runIds) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const admitScheduled = new Map<number, number>();
    let current: Round | null = null;
    for (const e of history.events ?? []) {
      const t = ms(e.eventTime);
      const id = num(e.eventId);
      if (e.activityTaskScheduledEventAttributes?.activityType?.name === 'admitRound') {
        if (current) current.handOffMs = t - (current.at + current.admitMs);
        current = null;
        admitScheduled.set(id, t);
      } else if (e.activityTaskCompletedEventAttributes) {
        const scheduled = admitScheduled.get(num(e.activityTaskCompletedEventAttributes.scheduledEventId));
        if (scheduled !== undefined) {
          current = { at: scheduled, admitMs: t - scheduled, handoffs: 0, handOffMs: Number.NaN };
          rounds.push(current);
        }
      } else if (
        e.startChildWorkflowExecutionInitiatedEventAttributes ||
        e.signalExternalWorkflowExecutionInitiatedEventAttributes
      ) {
        if (current) current.handoffs += handoffsIn(e.startChildWorkflowExecutionInitiatedEventAttributes);
      }
    }
  }
  rounds.sort((a, b) => a.at - b.at);
  // A round whose successor is in the next run (it continued-as-new after handing off): its hand-off lasts
  // until that next round is scheduled, the continue-as-new included — no seat was leased meanwhile either.
  for (let i = 0; i < rounds.length - 1; i++) {
    const r = rounds[i] as Round;
    const next = rounds[i + 1] as Round;
    if (!Number.isFinite(r.handOffMs)) r.handOffMs = next.at - (r.at + r.admitMs);
  }
  return rounds;
}

/** One paragraph on admission rounds: how many, how big, how long from one round to the next. */
export function describeRounds(rounds: Round[]): string {
  if (rounds.length === 0) return 'No admission round found in the campaignRun histories.';
  const sorted = (xs: number[]): number[] => xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const pick = (xs: number[], p: number): number =>
    xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? Number.NaN;
  const withHandoffs = rounds.filter((r) => r.handoffs > 0);
  const hand = sorted(withHandoffs.map((r) => r.handOffMs));
  const sizes = sorted(withHandoffs.map((r) => r.handoffs));
  const admit = sorted(rounds.map((r) => r.admitMs));
  const longest = [...withHandoffs].sort((a, b) => b.handOffMs - a.handOffMs).slice(0, 3);
  const s = (x: number): string => (Number.isFinite(x) ? `${(x / 1000).toFixed(2)} s` : 'n/a');
  return (
    `**Admission rounds** (from the campaignRun histories): ${rounds.length} admitRound activities, ` +
    `${withHandoffs.length} of them handing off; contacts handed off per round p50 ${pick(sizes, 50)}, max ` +
    `${sizes[sizes.length - 1] ?? 0}. admitRound ran p50 ${s(pick(admit, 50))}, max ${s(admit[admit.length - 1] ?? Number.NaN)} ` +
    `(a long poll: it returns as soon as something is admitted). From a round's result to the next round being ` +
    `scheduled (the workflow task that hands the round off in the background; a continue-as-new when the next round is in the next run) p50 ${s(pick(hand, 50))}, p90 ${s(pick(hand, 90))}, ` +
    `max ${s(hand[hand.length - 1] ?? Number.NaN)}; the longest: ${longest
      .map((r) => `${s(r.handOffMs)} for ${r.handoffs} hand-offs`)
      .join(', ')}.`
  );
}
