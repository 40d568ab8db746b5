import type { Db } from '../db/connection';
import { createAdmissionActivities } from './admission.activity';
import { createContactActivities } from './contact.activity';
import { createDialActivities, type DialTimings, type SwitchControl } from './dial.activity';
import { createRunActivities } from './run.activity';
import type { SeatNotifier } from './seat-notifier';
import type { DialObserver } from '../observability/dial-observer';

export interface ActivityDeps {
  db: Db;
  switch: SwitchControl;
  notifier: SeatNotifier;
  timings: DialTimings;
  now?: () => Date;
  /** Each call's log lines and dial metrics (the worker's logger). */
  observer?: DialObserver;
  /** This worker's presence id (worker/presence.ts), recorded on the calls it places. */
  workerId?: string;
}

/** Every activity the worker registers, wired to its injected dependencies. */
export function createActivities(deps: ActivityDeps) {
  const botEndpoint = async (campaignId: string): Promise<string | null> => {
    const row = await deps.db
      .selectFrom('campaigns')
      .leftJoin('bots', 'bots.id', 'campaigns.bot_id')
      .select('bots.endpoint')
      .where('campaigns.id', '=', campaignId)
      .executeTakeFirst();
    return row?.endpoint ?? null;
  };
  return {
    ...createAdmissionActivities(deps),
    ...createRunActivities(deps),
    ...createContactActivities(deps),
    ...createDialActivities({ ...deps, seats: deps.notifier, botEndpoint }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
