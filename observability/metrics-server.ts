import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from './log';
import { registry } from './metrics';

/**
 * The worker's own `GET /metrics` (the API serves its registry on its own port): prom-client's registry,
 * followed by the Temporal SDK's metrics, which the SDK's Prometheus exporter serves on a private port of
 * its own — merged here so each worker is one scrape target. The SDK's names all start `temporal_`, ours
 * `ori_`, Node's `process_`/`nodejs_`, so the two texts never declare the same family.
 */

export interface MetricsServerOptions {
  /** 0 picks a free port (logged). */
  port: number;
  host?: string;
  /** The SDK exporter's address (`127.0.0.1:<port>`), when the Runtime has one. */
  sdkMetricsAddress?: string;
  log: Logger;
}

export interface RunningMetricsServer {
  port: number;
  close(): Promise<void>;
}

const SDK_SCRAPE_TIMEOUT_MS = 2_000;

async function sdkMetrics(address: string | undefined): Promise<string> {
  if (!address) return '';
  try {
    const res = await fetch(`http://${address}/metrics`, {
      signal: AbortSignal.timeout(SDK_SCRAPE_TIMEOUT_MS),
    });
    if (!res.ok) return `# Temporal SDK metrics unavailable: HTTP ${res.status}\n`;
    const text = await res.text();
    return text.endsWith('\n') || text === '' ? text : `${text}\n`;
  } catch (err) {
    // Our own metrics still answer: one missing part must not empty the scrape.
    return `# Temporal SDK metrics unavailable: ${err instanceof Error ? err.message : String(err)}\n`;
  }
}

/** The text a scrape gets: ours, then the SDK's. */
export async function scrapeText(sdkMetricsAddress?: string): Promise<string> {
  const [ours, sdk] = await Promise.all([registry.metrics(), sdkMetrics(sdkMetricsAddress)]);
  return `${ours.endsWith('\n') ? ours : `${ours}\n`}${sdk}`;
}

export function startMetricsServer(options: MetricsServerOptions): Promise<RunningMetricsServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Only GET /metrics is served here\n');
      return;
    }
    scrapeText(options.sdkMetricsAddress).then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => {
        options.log.error('metrics scrape failed', {
          error: err instanceof Error ? err.message : String(err),
        });
        res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics scrape failed\n');
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port, host: options.host ?? '0.0.0.0' }, () => {
      server.off('error', reject);
      const port = (server.address() as AddressInfo).port;
      options.log.info(`metrics on http://${options.host ?? '0.0.0.0'}:${port}/metrics`, {
        metrics_port: port,
      });
      resolve({
        port,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}
