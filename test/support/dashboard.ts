import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The checked-in Grafana dashboard of the dialler (docker-compose.yml provisions it). */
export const DASHBOARD_PATH = path.resolve(
  __dirname,
  '..',
  '..',
  'deploy',
  'grafana',
  'dashboards',
  'ori-dialler.json',
);

interface Target {
  expr?: string;
  datasource?: { uid?: string };
}
interface Panel {
  title?: string;
  datasource?: { uid?: string };
  targets?: Target[];
  panels?: Panel[];
}
export interface Dashboard {
  uid: string;
  panels: Panel[];
  templating?: { list?: { query?: { query?: string } | string; datasource?: { uid?: string } }[] };
}

export const loadDashboard = (): Dashboard => JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8')) as Dashboard;

/** Every PromQL expression of the dashboard: panel targets and template variable queries. */
export function dashboardQueries(dashboard: Dashboard): string[] {
  const walk = (panels: Panel[]): string[] =>
    panels.flatMap((p) => [...(p.targets ?? []).map((t) => t.expr ?? ''), ...walk(p.panels ?? [])]);
  const variables = (dashboard.templating?.list ?? []).map((v) =>
    typeof v.query === 'string' ? v.query : (v.query?.query ?? ''),
  );
  return [...walk(dashboard.panels), ...variables].filter((q) => q !== '');
}

/** The metric families the dashboard's queries name (`x_bucket` → `x`): ours (`ori_`) and the SDK's (`temporal_`). */
export function dashboardMetricNames(dashboard: Dashboard): Set<string> {
  const names = new Set<string>();
  for (const query of dashboardQueries(dashboard)) {
    for (const [token] of query.matchAll(/\b(?:ori|temporal)_[a-zA-Z0-9_:]*/g)) {
      names.add(token.replace(/_(bucket|sum|count)$/, ''));
    }
  }
  return names;
}

/** Every datasource uid the dashboard points at. */
export function dashboardDatasources(dashboard: Dashboard): Set<string> {
  const uids = new Set<string>();
  const walk = (panels: Panel[]): void => {
    for (const p of panels) {
      if (p.datasource?.uid) uids.add(p.datasource.uid);
      for (const t of p.targets ?? []) if (t.datasource?.uid) uids.add(t.datasource.uid);
      walk(p.panels ?? []);
    }
  };
  walk(dashboard.panels);
  for (const v of dashboard.templating?.list ?? []) if (v.datasource?.uid) uids.add(v.datasource.uid);
  return uids;
}
