import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { msToTs } from '@temporalio/common/lib/time';
import { createDevServerEnv } from '../test/support/temporal';
import { DIALLER_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { ensureSearchAttributes } from './search-attributes';

/**
 * Registration of the dialler's search attributes on a real dev server: idempotent on a namespace that
 * has none, and a clear error (naming what is missing and the command that registers it) when the
 * namespace refuses or holds a name with another type.
 */

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createDevServerEnv();
});
afterAll(async () => {
  await env?.teardown();
});

async function freshNamespace(name: string): Promise<string> {
  await env.connection.workflowService.registerNamespace({
    namespace: name,
    workflowExecutionRetentionPeriod: msToTs('1 day'),
  });
  // A new namespace is visible to the operator service a moment later.
  for (let i = 0; i < 50; i++) {
    try {
      await env.connection.operatorService.listSearchAttributes({ namespace: name });
      return name;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return name;
}

const names = DIALLER_SEARCH_ATTRIBUTES.map((k) => k.name).sort();

describe('ensureSearchAttributes', () => {
  it('the dev server the dialler provisions has them already: nothing to add', async () => {
    expect(await ensureSearchAttributes(env.connection, 'default')).toEqual({ added: [] });
  });

  it('adds the missing ones to a namespace once, then finds them there', async () => {
    const ns = await freshNamespace(`ori-sa-${Date.now()}`);
    const first = await ensureSearchAttributes(env.connection, ns);
    expect([...first.added].sort()).toEqual(names);
    const listed = await env.connection.operatorService.listSearchAttributes({ namespace: ns });
    expect(Object.keys(listed.customAttributes ?? {})).toEqual(expect.arrayContaining(names));
    expect(await ensureSearchAttributes(env.connection, ns)).toEqual({ added: [] });
  });

  it('refuses a namespace whose attribute has another type, naming it', async () => {
    const ns = await freshNamespace(`ori-sa-clash-${Date.now()}`);
    await ensureSearchAttributes(env.connection, ns, [
      defineSearchAttributeKey('CampaignId', SearchAttributeType.INT),
    ]);
    await expect(ensureSearchAttributes(env.connection, ns)).rejects.toThrow(
      /already has search attribute\(s\) CampaignId with another type .*CampaignId=Keyword/,
    );
  });

  it('a namespace that does not answer gets an error with the command to register them by hand', async () => {
    await expect(ensureSearchAttributes(env.connection, 'no-such-namespace')).rejects.toThrow(
      /no-such-namespace[\s\S]*temporal operator search-attribute create --namespace no-such-namespace --name CampaignId --type Keyword/,
    );
  });
});
