import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  dashboardDatasources,
  dashboardMetricNames,
  dashboardQueries,
  loadDashboard,
} from '../test/support/dashboard';
import { registry } from '../observability/metrics';

/**
 * docker-compose.yml's Prometheus and Grafana are wired to what the dialler serves: the scrape targets are
 * the app's API port and its worker's metrics port, every file mounted from the repository exists, Grafana's
 * provisioned datasource is the one the dashboard queries, and the dashboard names metrics the dialler
 * declares (the names against a real scrape: test/e2e/observability.e2e.test.ts).
 */

const ROOT = path.resolve(__dirname, '..');
const read = (file: string): unknown => parse(readFileSync(path.join(ROOT, file), 'utf8'));

interface Service {
  image?: string;
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: string[] | Record<string, unknown>;
}
const compose = read('docker-compose.yml') as { services: Record<string, Service> };
const service = (name: string): Service => {
  const s = compose.services[name];
  if (!s) throw new Error(`docker-compose.yml has no ${name} service`);
  return s;
};
/** `./host/path:/container/path[:ro]` → [host, container]. */
const mounts = (s: Service): [string, string][] =>
  (s.volumes ?? [])
    .filter((v) => v.startsWith('./'))
    .map((v) => v.split(':').slice(0, 2) as [string, string]);

describe('docker-compose.yml: Prometheus and Grafana', () => {
  it('mounts only files that exist in the repository', () => {
    for (const name of ['prometheus', 'grafana']) {
      expect(mounts(service(name)).length).toBeGreaterThan(0);
      for (const [host] of mounts(service(name))) expect(existsSync(path.join(ROOT, host)), host).toBe(true);
    }
  });

  it("scrapes the app's API port and its worker's metrics port, which the app listens on for other containers", () => {
    const app = service('app').environment ?? {};
    expect(app.HOST).toBe('0.0.0.0');
    const [host] =
      mounts(service('prometheus')).find(([, target]) => target === '/etc/prometheus/prometheus.yml') ?? [];
    expect(host).toBeDefined();
    const config = read(host!) as {
      scrape_configs: { job_name: string; metrics_path?: string; static_configs: { targets: string[] }[] }[];
    };
    const targets = config.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets));
    expect(targets.sort()).toEqual([`app:${app.ORI_WORKER_METRICS_PORT}`, `app:${app.PORT}`].sort());
    for (const job of config.scrape_configs) expect(job.metrics_path ?? '/metrics').toBe('/metrics');
  });

  it('provisions the datasource the dashboard queries and the folder the dashboard is mounted in', () => {
    const grafana = mounts(service('grafana'));
    const provisioning = grafana.find(([, target]) => target === '/etc/grafana/provisioning')?.[0];
    const dashboards = grafana.find(
      ([host]) => host.includes('dashboards') && !host.includes('provisioning'),
    );
    expect(provisioning && dashboards).toBeTruthy();
    const datasources = read(`${provisioning}/datasources/prometheus.yml`) as {
      datasources: { uid: string; url: string }[];
    };
    expect(datasources.datasources.map((d) => d.url)).toEqual(['http://prometheus:9090']);
    const dashboard = loadDashboard();
    expect([...dashboardDatasources(dashboard)]).toEqual([datasources.datasources[0]?.uid]);
    const providers = read(`${provisioning}/dashboards/ori-dialler.yml`) as {
      providers: { options: { path: string } }[];
    };
    expect(providers.providers[0]?.options.path).toBe(dashboards?.[1]);
    expect(existsSync(path.join(ROOT, dashboards![0], 'ori-dialler.json'))).toBe(true);
  });

  it('has a dashboard whose ori_ metrics are all declared by the dialler (dials, SIP codes, seats, latencies, switch, alerts)', async () => {
    const dashboard = loadDashboard();
    expect(dashboardQueries(dashboard).length).toBeGreaterThanOrEqual(10);
    const ours = [...dashboardMetricNames(dashboard)].filter((n) => n.startsWith('ori_'));
    expect(ours).toEqual(
      expect.arrayContaining([
        'ori_dials_total',
        'ori_campaign_seats_held',
        'ori_campaign_concurrency',
        'ori_switch_connected',
      ]),
    );
    await import('../api/routes/metrics.routes');
    const declared = new Set((await registry.getMetricsAsJSON()).map((m) => m.name));
    // The stall detector creates its alert gauge with the detector, in the worker: the e2e scrape checks it.
    const missing = ours.filter((n) => !declared.has(n) && !n.startsWith('ori_alerts_'));
    expect(missing).toEqual([]);
  });
});
