import { describe, expect, it } from 'vitest';
import { createLogger, parseLogLevel } from './log';
import { TemporalLogger } from './temporal-logger';

const capture = (level: Parameters<typeof createLogger>[0]['level']) => {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({
    level,
    base: { service: 'worker' },
    write: (line) => {
      expect(line.endsWith('\n')).toBe(true);
      lines.push(JSON.parse(line) as Record<string, unknown>);
    },
    now: () => new Date('2026-12-06T10:00:00.000Z'),
  });
  return { log, lines };
};

describe('createLogger', () => {
  it('writes one JSON object per line: time, level, msg, then the base and the fields', () => {
    const { log, lines } = capture('info');
    log.info('call ended', { outcome: 'busy', sip_code: 486 });
    expect(lines).toEqual([
      {
        time: '2026-12-06T10:00:00.000Z',
        level: 'info',
        msg: 'call ended',
        service: 'worker',
        outcome: 'busy',
        sip_code: 486,
      },
    ]);
  });

  it('drops lines below its level', () => {
    const { log, lines } = capture('warn');
    log.debug('noise');
    log.info('noise');
    log.warn('kept');
    log.error('kept too');
    expect(lines.map((l) => l.msg)).toEqual(['kept', 'kept too']);
    expect(log.isEnabled('info')).toBe(false);
  });

  it('a child carries the call ids on every line, and a caller cannot overwrite time, level or msg', () => {
    const { log, lines } = capture('info');
    const call = log.child({ campaign_id: 'c', run_no: 2, contact_id: 'k', attempt_id: 'a' });
    call.info('dialled', { level: 'fatal', msg: 'forged', time: 'then' });
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'dialled', time: '2026-12-06T10:00:00.000Z' });
    expect(lines[0]).toMatchObject({ campaign_id: 'c', run_no: 2, contact_id: 'k', attempt_id: 'a' });
  });

  it('writes an Error field with its message and stack, and survives a circular field', () => {
    const { log, lines } = capture('info');
    log.error('failed', { error: new Error('boom') });
    expect(lines[0]?.error).toMatchObject({
      type: 'Error',
      message: 'boom',
      stack: expect.stringContaining('boom'),
    });
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    log.warn('still written', { loop });
    expect(lines[1]).toMatchObject({ msg: 'still written', fields_unserialisable: true });
  });
});

describe('parseLogLevel (ORI_LOG_LEVEL)', () => {
  it('takes any case, defaults to info, and refuses a level it does not know', () => {
    expect(parseLogLevel(undefined)).toBe('info');
    expect(parseLogLevel('WARN')).toBe('warn');
    expect(parseLogLevel('debug')).toBe('debug');
    expect(() => parseLogLevel('loud')).toThrow(/ORI_LOG_LEVEL must be one of/);
  });
});

describe('TemporalLogger (the SDK Runtime logger into ours)', () => {
  it("keeps the SDK's own chatter to warnings at info, but passes the workflows' and activities' lines", () => {
    const { log, lines } = capture('info');
    const sdk = new TemporalLogger(log);
    sdk.info('Worker state changed', { sdkComponent: 'worker', state: 'RUNNING' });
    sdk.warn('Activity heartbeat timed out', { sdkComponent: 'worker' });
    sdk.info('decision', { sdkComponent: 'workflow', workflowId: 'contact-1' });
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'warn',
        msg: 'Activity heartbeat timed out',
        sdk_component: 'worker',
      }),
      expect.objectContaining({
        level: 'info',
        msg: 'decision',
        sdk_component: 'workflow',
        workflowId: 'contact-1',
      }),
    ]);
  });

  it('shows the SDK lines too when the level is debug', () => {
    const { log, lines } = capture('debug');
    new TemporalLogger(log).info('Worker state changed', { sdkComponent: 'worker' });
    expect(lines).toHaveLength(1);
  });
});
