import { describe, expect, it } from 'vitest';
import { configChanges } from './config-diff';
import type { CampaignConfig } from './campaign-config';

const base = {
  concurrency: 20,
  window: { start: '09:00', end: '18:00', timezone: 'UTC' },
  retry_on_system: ['no_answer'],
  stop_redials_after_connect_s: 10,
} as unknown as CampaignConfig;

describe('configChanges', () => {
  it('lists each changed field with its old and new value, the window part by part', () => {
    const after = {
      ...base,
      concurrency: 25,
      window: { ...base.window, end: '20:00' },
      stop_redials_after_connect_s: 30,
    } as CampaignConfig;
    expect(configChanges(base, after)).toEqual([
      { field: 'concurrency', from: 20, to: 25 },
      { field: 'window.end', from: '18:00', to: '20:00' },
      { field: 'stop_redials_after_connect_s', from: 10, to: 30 },
    ]);
  });

  it('compares lists as wholes, treats missing as null, and finds nothing in an unchanged config', () => {
    expect(configChanges(base, { ...base, retry_on_system: ['no_answer', 'rnr'] } as CampaignConfig)).toEqual(
      [{ field: 'retry_on_system', from: ['no_answer'], to: ['no_answer', 'rnr'] }],
    );
    expect(configChanges(base, { ...base, stop_redials_after_connect_s: null } as CampaignConfig)).toEqual([
      { field: 'stop_redials_after_connect_s', from: 10, to: null },
    ]);
    expect(configChanges(base, { ...base })).toEqual([]);
  });
});
