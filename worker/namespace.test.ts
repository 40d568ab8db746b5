import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadSettings } from '../config/settings';
import { waitForTemporalAddress } from '../scripts/temporal';
import { createDevServerEnv } from '../test/support/temporal';
import { ensureNamespace, namespaceCreateCommand } from './namespace';
import { ensureSearchAttributes } from './search-attributes';

/**
 * The namespace on an external Temporal, on a real dev server: a missing one is created with 30 days'
 * retention and served (its search attributes can be registered at once), a second call changes nothing,
 * an existing namespace keeps its retention; a server that refuses says what to run.
 */

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createDevServerEnv();
});
afterAll(async () => {
  await env?.teardown();
});

const retentionSeconds = async (namespace: string): Promise<number> => {
  const described = await env.connection.workflowService.describeNamespace({ namespace });
  return Number(described.config?.workflowExecutionRetentionTtl?.seconds ?? 0);
};

describe('ensureNamespace', () => {
  it('creates a missing namespace with 30 days of retention, served at once; a second call is a no-op', async () => {
    const ns = `ori-ns-${Date.now()}`;
    await expect(env.connection.workflowService.describeNamespace({ namespace: ns })).rejects.toThrow();
    expect(await ensureNamespace(env.connection, ns)).toEqual({ created: true });
    expect(await retentionSeconds(ns)).toBe(30 * 24 * 3600);
    // Served: the worker's next step (the search attributes) works on it straight away.
    expect((await ensureSearchAttributes(env.connection, ns)).added.length).toBeGreaterThan(0);
    expect(await ensureNamespace(env.connection, ns)).toEqual({ created: false });
    expect(await retentionSeconds(ns)).toBe(30 * 24 * 3600);
  });

  it('npm start with TEMPORAL_ADDRESS waits for the server, then creates the namespace it is told to use', async () => {
    const ns = `ori-start-${Date.now()}`;
    const settings = { ...loadSettings({ TEMPORAL_ADDRESS: env.address }), temporalNamespace: ns };
    expect(await waitForTemporalAddress(settings, 30_000)).toEqual({ namespaceCreated: true });
    expect(await retentionSeconds(ns)).toBe(30 * 24 * 3600);
    expect(await waitForTemporalAddress(settings, 30_000)).toEqual({ namespaceCreated: false });
  });

  it('leaves an existing namespace as it is', async () => {
    const before = await retentionSeconds('default');
    expect(await ensureNamespace(env.connection, 'default')).toEqual({ created: false });
    expect(await retentionSeconds('default')).toBe(before);
  });

  it('a server that refuses to create it fails with the command to run', async () => {
    // A managed cluster's authorizer (or Temporal Cloud) answers PERMISSION_DENIED to RegisterNamespace.
    const grpcError = (code: number, details: string): Error =>
      Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
    const refusing = {
      workflowService: {
        describeNamespace: () => Promise.reject(grpcError(5, 'Namespace ori-prod is not found.')),
        registerNamespace: () => Promise.reject(grpcError(7, 'Request unauthorized.')),
      },
    } as unknown as Connection;
    await expect(ensureNamespace(refusing, 'ori-prod')).rejects.toThrow(
      /"ori-prod" does not exist and this connection may not create it \(7 Request unauthorized.\)[\s\S]*temporal operator namespace create --namespace ori-prod --retention 720h/,
    );
    expect(namespaceCreateCommand('x')).toBe(
      'temporal operator namespace create --namespace x --retention 720h',
    );
  });
});
