import { describe, expect, it } from 'vitest';
import { renderLine } from './log-format';

const local = (iso: string): string => {
  const d = new Date(iso);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
};

describe('renderLine (npm start, ORI_LOG_FORMAT=pretty)', () => {
  it('shows time, process, level and message, then the call ids shortened, then the other fields', () => {
    const line = JSON.stringify({
      time: '2026-12-06T12:01:03.120Z',
      level: 'info',
      msg: 'call ended',
      service: 'worker',
      outcome: 'rejected',
      sip_code: 486,
      attempt_id: 'a1c9e0f2-0000-4000-8000-000000000001',
      campaign_id: '3f2a9c1e-0000-4000-8000-000000000002',
      run_no: 1,
      contact_id: '77b0e2d4-0000-4000-8000-000000000003',
    });
    expect(renderLine('worker', line)).toBe(
      `${local('2026-12-06T12:01:03.120Z')} worker    INFO  call ended campaign=3f2a9c1e run=1 contact=77b0e2d4 attempt=a1c9e0f2 outcome=rejected sip_code=486`,
    );
  });

  it("reads pino's numeric levels and quotes values with spaces; shows an error's stack below it", () => {
    const line = JSON.stringify({
      level: 50,
      time: Date.parse('2026-12-06T12:00:00Z'),
      msg: 'request failed',
      request_id: 'r-1',
      url: '/api/v1/x y',
      err: { message: 'boom', stack: 'Error: boom\n    at here' },
    });
    expect(renderLine('api', line)).toBe(
      `${local('2026-12-06T12:00:00Z')} api       ERROR request failed request=r-1 url="/api/v1/x y" err="boom"\nError: boom\n    at here`,
    );
  });

  it('shows a line that is not ours as it came', () => {
    const now = () => new Date('2026-12-06T08:00:00Z');
    expect(renderLine('simulator', 'plain text here', { now })).toBe(
      `${local('2026-12-06T08:00:00Z')} simulator plain text here`,
    );
    expect(renderLine('simulator', '{not json', { now })).toContain('{not json');
  });
});
