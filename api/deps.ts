import type { Db } from '../db/connection';
import type { CampaignEngine } from '../engine/campaign-engine';
import type { Settings } from '../config/settings';

/** Everything the HTTP layer needs, injected by `buildApp(deps)` (tests pass their own). */
export interface AppDeps {
  db: Db;
  engine: CampaignEngine;
  settings: Settings;
  /** The clock, injectable so window rules can be tested at any hour. */
  now?: () => Date;
}
