/**
 * The call log on disk (`SIM_CALL_LOG`, docs/simulator.md "The call log (ground truth)"): one JSON line per
 * change, appended synchronously as it happens, so it outlives the simulator process — a switch killed with
 * `kill -9` and started again keeps one log of both lives, and a test can still prove what was really
 * dialled. A call's `received` line is written before the dialler hears anything about that call.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import type { PostCallResult, PostOutcome } from './bot-result-poster';
import type { CallLogEntry, CallRecord } from './simulated-switch';

/** Appends each entry to `file` (created when missing). */
export function callLogWriter(file: string): (entry: CallLogEntry) => void {
  return (entry) => appendFileSync(file, `${JSON.stringify(entry)}\n`);
}

export interface CallLogOnDisk {
  /** One record per originate received, in arrival order, as it stands after its last change. */
  calls: CallRecord[];
  /** Each call's post-call result as posted and how the post ended (by call uuid); absent: none settled. */
  results: Map<string, { result: PostCallResult; outcome: PostOutcome }>;
}

/**
 * Reads a call log file. An originate whose uuid arrived twice is two records (a duplicate dial stays
 * visible); a change applies to the latest record of its uuid. A torn last line (the writer killed in the
 * middle of it) is ignored.
 */
export function readCallLogFile(file: string): CallLogOnDisk {
  const text = readFileSync(file, 'utf8');
  const calls: CallRecord[] = [];
  const latest = new Map<string, number>();
  const results: CallLogOnDisk['results'] = new Map();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let entry: CallLogEntry;
    try {
      entry = JSON.parse(line) as CallLogEntry;
    } catch {
      continue;
    }
    if (entry.event === 'result') {
      results.set(entry.uuid, { result: entry.result, outcome: entry.outcome });
      continue;
    }
    const at = latest.get(entry.call.uuid);
    if (entry.event === 'received' || at === undefined) {
      latest.set(entry.call.uuid, calls.length);
      calls.push(entry.call);
    } else {
      calls[at] = entry.call;
    }
  }
  return { calls, results };
}
