import { chmodSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadSettings } from '../config/settings';
import { run } from './processes';
import {
  ensureTemporalServerBinaries,
  TEMPORAL_SERVER_DYNAMIC_CONFIG,
  TEMPORAL_SERVER_SHARDS,
  TEMPORAL_SERVER_VERSION,
  temporalServerConfig,
  temporalServerPorts,
} from './temporal-server';

/**
 * The self-hosted Temporal server's pieces that need no 10-minute build: its config (Postgres through pgx,
 * several history shards, loopback ports), the binaries' cache (an existing build is not redone) and the
 * ORI_TEMPORAL setting. The server itself runs in `npm run test:cluster`.
 */

const ports = {
  frontend: 17233,
  frontendHttp: 17243,
  frontendMembership: 16933,
  history: 17234,
  historyMembership: 16934,
  matching: 17235,
  matchingMembership: 16935,
  worker: 17239,
  workerMembership: 16939,
};

describe('temporalServerConfig', () => {
  const config = parse(
    temporalServerConfig({
      ports,
      postgres: { host: '127.0.0.1', port: 5544, user: 'ori', password: 'p@ss:"word' },
      shards: TEMPORAL_SERVER_SHARDS,
      dynamicConfigFile: '/data/temporal-server/dynamicconfig.yaml',
    }),
  ) as {
    persistence: {
      numHistoryShards: number;
      defaultStore: string;
      visibilityStore: string;
      datastores: Record<string, { sql: Record<string, unknown> }>;
    };
    services: Record<string, { rpc: Record<string, unknown> }>;
    clusterMetadata: { clusterInformation: { active: { rpcAddress: string } } };
    dynamicConfigClient: { filepath: string };
  };

  it('keeps both stores in Postgres through the pgx driver, with several history shards', () => {
    expect(config.persistence.numHistoryShards).toBe(4);
    const stores = config.persistence.datastores;
    expect(stores[config.persistence.defaultStore]?.sql).toMatchObject({
      pluginName: 'postgres12_pgx',
      databaseName: 'temporal',
      connectAddr: '127.0.0.1:5544',
      user: 'ori',
      password: 'p@ss:"word',
    });
    expect(stores[config.persistence.visibilityStore]?.sql).toMatchObject({
      pluginName: 'postgres12_pgx',
      databaseName: 'temporal_visibility',
    });
  });

  it('runs every service on its own loopback ports and advertises the frontend it listens on', () => {
    expect(Object.keys(config.services).sort()).toEqual(['frontend', 'history', 'matching', 'worker']);
    const used = Object.values(config.services).flatMap((s) =>
      [s.rpc.grpcPort, s.rpc.membershipPort, s.rpc.httpPort].filter((p) => p !== undefined),
    );
    expect(new Set(used).size).toBe(used.length);
    expect(used.sort()).toEqual(Object.values(ports).sort());
    for (const s of Object.values(config.services)) expect(s.rpc.bindOnIP).toBe('127.0.0.1');
    expect(config.clusterMetadata.clusterInformation.active.rpcAddress).toBe('127.0.0.1:17233');
    expect(config.dynamicConfigClient.filepath).toBe('/data/temporal-server/dynamicconfig.yaml');
  });

  it('enables the Updates the campaign controls use', () => {
    const dynamic = parse(TEMPORAL_SERVER_DYNAMIC_CONFIG) as Record<string, { value: unknown }[]>;
    expect(dynamic['frontend.enableUpdateWorkflowExecution']).toEqual([{ value: true }]);
  });
});

describe('temporalServerPorts', () => {
  it('picks distinct free ports that fit the SMALLINT columns of the cluster membership (< 32768)', async () => {
    const picked = Object.values(await temporalServerPorts());
    expect(new Set(picked).size).toBe(9);
    for (const port of picked) expect(port).toBeLessThan(32_768);
    expect((await temporalServerPorts(7300)).frontend).toBe(7300);
  });
});

describe('ensureTemporalServerBinaries', () => {
  it('uses binaries already built instead of building again; the schema comes from the module cache', async () => {
    const go = await run('go', ['env', 'GOMODCACHE']).catch(() => null);
    if (!go || go.code !== 0) return expect.fail('this test needs the Go toolchain (go env GOMODCACHE)');
    const dir = mkdtempSync(path.join(tmpdir(), 'ori-temporal-server-'));
    for (const name of ['server', 'sql']) {
      writeFileSync(path.join(dir, name), '#!/bin/sh\n');
      chmodSync(path.join(dir, name), 0o755);
    }
    const before = statSync(path.join(dir, 'server')).mtimeMs;
    const logged: string[] = [];
    const found = await ensureTemporalServerBinaries({ toolsDir: dir, log: (m) => logged.push(m) });
    expect(found.server).toBe(path.join(dir, 'server'));
    expect(found.sql).toBe(path.join(dir, 'sql'));
    expect(statSync(found.server).mtimeMs).toBe(before);
    expect(logged.filter((m) => m.startsWith('building'))).toEqual([]);
    expect(found.schemaDir).toBe(
      path.join(
        go.stdout.trim(),
        `go.temporal.io/server@${TEMPORAL_SERVER_VERSION}`,
        'schema/postgresql/v12',
      ),
    );
  });
});

describe('ORI_TEMPORAL', () => {
  it('chooses the embedded dev server by default, the self-hosted server when asked, and refuses others', () => {
    expect(loadSettings({}).temporalKind).toBe('dev');
    expect(loadSettings({ ORI_TEMPORAL: 'server' }).temporalKind).toBe('server');
    expect(() => loadSettings({ ORI_TEMPORAL: 'cloud' })).toThrow(/ORI_TEMPORAL must be "dev" or "server"/);
  });
});
