import type { Db } from '../db/connection';
import type { CompletionReason } from '../policy/completion';
import {
  closeWindow,
  completeRun,
  loadRunView,
  type RunView,
} from '../db/repositories/run-engine.repository';

/** The run's own writes: read its view, complete it, close a single-day window. Idempotent. */
export function createRunActivities(deps: { db: Db; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  return {
    async loadRun(campaignId: string): Promise<RunView | null> {
      return loadRunView(deps.db, campaignId);
    },
    async completeRun(campaignId: string, runNo: number, reason: CompletionReason): Promise<boolean> {
      return completeRun(deps.db, campaignId, runNo, reason, now());
    },
    async closeWindow(campaignId: string, runNo: number): Promise<boolean> {
      return closeWindow(deps.db, campaignId, runNo, now());
    },
  };
}
