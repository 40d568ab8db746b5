import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as policy from './index';

describe('policy index', () => {
  it.each([
    'classifyCall',
    'sipFriendlyLabel',
    'isCarrierThrottle',
    'isDialAllowed',
    'nextOpening',
    'windowCloseAt',
    'localDayWindow',
    'decideNext',
    'nextStep',
    'completionReason',
    'freeSeats',
    'carrierSlots',
    'nextSlotAfter',
    'pickNumbers',
    'liveActivity',
    'normaliseVariableName',
    'resolveTemplate',
    'resolveCampaignConfig',
  ])('exports the function %s', (name) => {
    expect(typeof (policy as Record<string, unknown>)[name]).toBe('function');
  });

  it('exports the completion labels', () => {
    expect(policy.COMPLETION_REASON_LABELS.all_final).toBe('All contacts reached a final state');
  });
});

describe('determinism of the policy modules (they run inside Temporal workflows)', () => {
  const modules = ['outcome', 'calendar', 'next-step', 'completion', 'admission', 'variables', 'index'];
  const forbidden: Array<[string, RegExp]> = [
    ['the clock', /Date\.now\s*\(|new Date\(\s*\)|performance\.now/],
    ['randomness', /Math\.random|crypto\./],
    ['Node built-ins', /from\s+'node:|require\s*\(|\bprocess\.|\bBuffer\b/],
    ['timers', /setTimeout|setInterval|setImmediate/],
    ['imports outside policy', /from\s+'\.\.\//],
  ];
  it.each(modules)(
    '%s.ts uses none of: clock, randomness, Node built-ins, timers, outside imports',
    (name) => {
      const source = readFileSync(join(__dirname, `${name}.ts`), 'utf8');
      for (const [what, pattern] of forbidden) {
        expect(pattern.test(source), `${name}.ts uses ${what}`).toBe(false);
      }
    },
  );
});
