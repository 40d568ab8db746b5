import { describe, expect, it } from 'vitest';
import { isOptOutDisposition } from './opt-out';

describe('isOptOutDisposition', () => {
  it.each([
    'OPT_OUT',
    'opt_out',
    'opt-out',
    'Opt-Out',
    'opt out',
    'Opt Out',
    ' OPT_OUT ',
    'opt  out',
    'OPT - OUT',
    '\topt-out\n',
  ])('%j is an opt-out', (d) => {
    expect(isOptOutDisposition(d)).toBe(true);
  });

  it.each([
    null,
    undefined,
    '',
    ' ',
    'OPTOUT',
    'OPT_OUT_LATER',
    'NOT_OPT_OUT',
    'OPT',
    'OUT',
    'opt-in',
    'CALLBACK',
  ])('%j is not an opt-out', (d) => {
    expect(isOptOutDisposition(d)).toBe(false);
  });
});
