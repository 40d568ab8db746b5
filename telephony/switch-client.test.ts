/**
 * The switch client against the simulator's real ESL wire protocol (no mock): originate and watch, exists and
 * kill, reconnect with re-subscribe after a dropped connection or a switch restart, pending commands rejected
 * on disconnect or timeout, and modesl's defects kept from crashing the process.
 */
import { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSimulator, type RunningSimulator } from '../simulator/simulator';
import {
  createSwitchClient,
  OriginateRequestError,
  SwitchAuthError,
  SwitchCommandTimeoutError,
  SwitchDisconnectedError,
  SwitchNotConnectedError,
  type ChannelEvent,
  type ReconnectInfo,
  type SwitchClient,
  type SwitchClientOptions,
} from './switch-client';

const QUIET = { info: () => undefined, warn: () => undefined, error: () => undefined };

const NUMBERS = {
  answer: '+15556000001',
  stall: '+15556000002',
  drop: '+15556000003',
  ring: '+15556000004',
  error: '+15556000005',
};

let sim: RunningSimulator;
const clients: SwitchClient[] = [];
let counter = 0;

beforeAll(async () => {
  sim = await startSimulator({
    eslPort: 0,
    controlPort: 0,
    heartbeatIntervalMs: 50,
    scenario: {
      time_scale: 0.05,
      numbers: {
        [NUMBERS.answer]: ['answer:4'],
        [NUMBERS.stall]: ['stall'],
        [NUMBERS.drop]: ['drop'],
        [NUMBERS.ring]: ['ring'],
        [NUMBERS.error]: ['error'],
      },
    },
  });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

afterAll(async () => {
  await sim.close();
});

function client(options: Partial<SwitchClientOptions> = {}, port = sim.eslPort): SwitchClient {
  const created = createSwitchClient({
    host: '127.0.0.1',
    port,
    password: 'ClueCon',
    logger: QUIET,
    reconnectInitialDelayMs: 10,
    reconnectMaxDelayMs: 50,
    ...options,
  });
  clients.push(created);
  return created;
}

/** Everything a watcher receives for one uuid, with a way to await a given event. */
function watchAll(switchClient: SwitchClient, uuid: string) {
  const events: ChannelEvent[] = [];
  const waiters: Array<() => void> = [];
  const unwatch = switchClient.watch(uuid, (event) => {
    events.push(event);
    for (const wake of waiters.splice(0)) wake();
  });
  return {
    events,
    unwatch,
    names: () => events.map((e) => e.name),
    async waitFor(name: string, timeoutMs = 3000): Promise<ChannelEvent> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = events.find((e) => e.name === name);
        if (found) return found;
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(`${uuid}: no ${name} within ${timeoutMs} ms (got ${events.map((e) => e.name)})`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
  };
}

function nextEvent<T>(subscribe: (listener: (info: T) => void) => () => void, timeoutMs = 3000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('event did not come')), timeoutMs);
    const off = subscribe((info) => {
      clearTimeout(timer);
      off();
      resolve(info);
    });
  });
}

function request(number: string, variables: Record<string, string> = {}, timeoutS = 30) {
  counter += 1;
  return {
    uuid: `client-${counter}`,
    gateway: 'carrier1',
    destination: number,
    callerIdNumber: '15550009999',
    timeoutS,
    variables: { 'sip_h_X-Attempt-Id': `att-${counter}`, ...variables },
  };
}

describe('connect', () => {
  it('learns the Core-UUID at connect and reports HEARTBEATs', async () => {
    const c = client();
    await c.connect();
    expect(c.connected).toBe(true);
    expect(c.coreUuid).toBe(sim.coreUuid);
    const heartbeat = await nextEvent<Record<string, string>>((l) => c.on('heartbeat', l));
    expect(heartbeat).toMatchObject({
      'Event-Name': 'HEARTBEAT',
      'Core-UUID': sim.coreUuid,
      'Max-Sessions': '1000',
    });
  });

  it("turns Nagle's algorithm off on its socket: a command's several writes go out at once", async () => {
    // modesl writes the command line, each header and the blank line separately; with Nagle on, each
    // write after the first waited for the switch's (delayed, up to 40 ms) ACK of the one before.
    const setNoDelay = vi.spyOn(Socket.prototype, 'setNoDelay');
    try {
      const c = client();
      await c.connect();
      // On the client's own socket (the one whose peer is the switch), not only the simulator's side.
      expect(setNoDelay.mock.contexts.some((socket) => (socket as Socket).remotePort === sim.eslPort)).toBe(
        true,
      );
    } finally {
      setNoDelay.mockRestore();
    }
  });

  it('rejects a bad password and an unreachable switch', async () => {
    await expect(client({ password: 'nope' }).connect()).rejects.toBeInstanceOf(SwitchAuthError);
    const down = await startSimulator({ eslPort: 0, controlPort: 0 });
    const port = down.eslPort;
    await down.close();
    await expect(client({}, port).connect()).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('originate and watch', () => {
  it('delivers CREATE..HANGUP_COMPLETE and the BACKGROUND_JOB of its own originate', async () => {
    const c = client();
    await c.connect();
    const call = request(NUMBERS.answer, { note: 'a,b' });
    const other = request(NUMBERS.answer);
    const watched = watchAll(c, call.uuid);
    const watchedOther = watchAll(c, other.uuid);
    const { jobUuid } = await c.originate(call);
    await c.originate(other);
    const hangup = await watched.waitFor('CHANNEL_HANGUP_COMPLETE');
    await watched.waitFor('BACKGROUND_JOB');
    await watchedOther.waitFor('CHANNEL_HANGUP_COMPLETE');

    expect(watched.names()).toEqual([
      'CHANNEL_CREATE',
      'CHANNEL_PROGRESS',
      'CHANNEL_ANSWER',
      'BACKGROUND_JOB',
      'CHANNEL_HANGUP',
      'CHANNEL_HANGUP_COMPLETE',
    ]);
    const job = watched.events.find((e) => e.name === 'BACKGROUND_JOB');
    expect(job?.headers['Job-UUID']).toBe(jobUuid);
    expect(job?.body).toBe(`+OK ${call.uuid}\n`);
    expect(hangup.headers).toMatchObject({
      'Unique-ID': call.uuid,
      'Hangup-Cause': 'NORMAL_CLEARING',
      variable_sip_term_status: '200',
      variable_billsec: '4',
      variable_note: 'a,b',
    });
    expect(hangup.body).toBeUndefined();
    expect(
      watched.events.every((e) => e.headers['Unique-ID'] === call.uuid || e.name === 'BACKGROUND_JOB'),
    ).toBe(true);
    expect(watchedOther.events.some((e) => e.headers['Unique-ID'] === call.uuid)).toBe(false);
    expect(sim.calls().find((r) => r.uuid === call.uuid)?.vars).toMatchObject({
      origination_uuid: call.uuid,
      originate_timeout: '30',
      ignore_early_media: 'true',
      note: 'a,b',
    });
  });

  it('an originate that fails before any channel gives only its -ERR BACKGROUND_JOB', async () => {
    const c = client();
    await c.connect();
    const call = request(NUMBERS.error);
    const watched = watchAll(c, call.uuid);
    await c.originate(call);
    const job = await watched.waitFor('BACKGROUND_JOB');
    expect(job.body).toBe('-ERR DESTINATION_OUT_OF_ORDER\n');
    expect(watched.names()).toEqual(['BACKGROUND_JOB']);
    expect(await c.exists(call.uuid)).toBe(false);
  });

  it('refuses a request the switch would misread, without sending it', async () => {
    const c = client();
    await c.connect();
    await expect(c.originate({ ...request(NUMBERS.answer), destination: '1 2' })).rejects.toBeInstanceOf(
      OriginateRequestError,
    );
  });
});

describe('exists and kill', () => {
  it('exists while up; kill ends it with the cause; then false twice', async () => {
    const c = client();
    await c.connect();
    const call = request(NUMBERS.stall);
    const watched = watchAll(c, call.uuid);
    await c.originate(call);
    await watched.waitFor('CHANNEL_ANSWER');
    expect(await c.exists(call.uuid)).toBe(true);
    expect(await c.kill(call.uuid, 'ALLOTTED_TIMEOUT')).toBe(true);
    const hangup = await watched.waitFor('CHANNEL_HANGUP_COMPLETE');
    expect(hangup.headers['Hangup-Cause']).toBe('ALLOTTED_TIMEOUT');
    expect(await c.exists(call.uuid)).toBe(false);
    expect(await c.kill(call.uuid)).toBe(false);
    expect(await c.api('show calls count')).toMatch(/^\n\d+ total\.\n$/);
  });
});

describe('connection loss', () => {
  it('after a drop it reconnects, re-subscribes and still delivers the rest of that call', async () => {
    const c = client();
    await c.connect();
    const disconnected = nextEvent<{ error: Error }>((l) => c.on('disconnected', l));
    const reconnected = nextEvent<ReconnectInfo>((l) => c.on('reconnected', l));
    let onReconnectCalls = 0;
    c.onReconnect(() => (onReconnectCalls += 1));
    let refusedWhileDown: Promise<unknown> | undefined;
    c.on('disconnected', () => {
      refusedWhileDown ??= c.exists('anything');
    });

    const call = request(NUMBERS.drop);
    const watched = watchAll(c, call.uuid);
    await c.originate(call);
    await watched.waitFor('CHANNEL_ANSWER');
    expect((await disconnected).error.message).toMatch(/ECONNRESET|closed/);
    await expect(refusedWhileDown).rejects.toBeInstanceOf(SwitchNotConnectedError);
    expect(await reconnected).toEqual({
      coreUuid: sim.coreUuid,
      previousCoreUuid: sim.coreUuid,
      restarted: false,
    });
    expect(onReconnectCalls).toBe(1);

    const hangup = await watched.waitFor('CHANNEL_HANGUP_COMPLETE');
    expect(watched.names()).toEqual([
      'CHANNEL_CREATE',
      'CHANNEL_PROGRESS',
      'CHANNEL_ANSWER',
      'BACKGROUND_JOB',
      'CHANNEL_HANGUP',
      'CHANNEL_HANGUP_COMPLETE',
    ]);
    expect(hangup.headers).toMatchObject({ 'Hangup-Cause': 'NORMAL_CLEARING', variable_billsec: '20' });
    expect(c.connected).toBe(true);
    expect(await c.exists(call.uuid)).toBe(false);
  });

  it('a command waiting for its reply is rejected when the connection drops, not left hanging', async () => {
    const c = client();
    await c.connect();
    const dropper = request(NUMBERS.drop);
    await c.originate(dropper);
    // Sent at once, well before the drop (ring + 1 s after answer, scaled). `api originate` holds the
    // connection until answer; this one only rings, so the drop comes first.
    const ringing = request(NUMBERS.ring, {}, 60);
    const pending = c.api(
      `originate {origination_uuid=${ringing.uuid},originate_timeout=60}sofia/gateway/gw/${NUMBERS.ring} &park()`,
    );
    await expect(pending).rejects.toBeInstanceOf(SwitchDisconnectedError);
    await nextEvent((l) => c.on('reconnected', l));
    await c.kill(ringing.uuid);
  });

  it('a command without a reply times out and the connection is recycled', async () => {
    const c = client({ commandTimeoutMs: 150 });
    await c.connect();
    const ringing = request(NUMBERS.ring, {}, 60);
    const reconnected = nextEvent((l) => c.on('reconnected', l));
    const startedAt = Date.now();
    await expect(
      c.api(
        `originate {origination_uuid=${ringing.uuid},originate_timeout=60}sofia/gateway/gw/${NUMBERS.ring} &park()`,
      ),
    ).rejects.toBeInstanceOf(SwitchCommandTimeoutError);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(140);
    await reconnected;
    expect(await c.kill(ringing.uuid)).toBe(true);
  });

  it('close() rejects what is pending and refuses new commands', async () => {
    const c = client();
    await c.connect();
    const ringing = request(NUMBERS.ring, {}, 60);
    const pending = c.api(
      `originate {origination_uuid=${ringing.uuid},originate_timeout=60}sofia/gateway/gw/${NUMBERS.ring} &park()`,
    );
    // Observe the rejection before close() settles it, so it is never an unhandled rejection.
    const settled = expect(pending).rejects.toBeInstanceOf(SwitchDisconnectedError);
    await c.close();
    await settled;
    await expect(c.exists('x')).rejects.toBeInstanceOf(SwitchNotConnectedError);
    await expect(c.connect()).rejects.toBeInstanceOf(SwitchNotConnectedError);
    const cleanup = client();
    await cleanup.connect();
    await cleanup.kill(ringing.uuid);
  });

  it('notices a switch restart: reconnects to the new one and reports the Core-UUID change', async () => {
    const first = await startSimulator({ eslPort: 0, controlPort: 0 });
    const port = first.eslPort;
    const c = client({}, port);
    await c.connect();
    expect(c.coreUuid).toBe(first.coreUuid);
    const disconnected = nextEvent((l) => c.on('disconnected', l));
    await first.close();
    await disconnected;
    const reconnected = nextEvent<ReconnectInfo>((l) => c.on('reconnected', l));
    const second = await startSimulator({ eslPort: port, controlPort: 0 });
    try {
      expect(await reconnected).toEqual({
        coreUuid: second.coreUuid,
        previousCoreUuid: first.coreUuid,
        restarted: true,
      });
      expect(c.coreUuid).toBe(second.coreUuid);
    } finally {
      await c.close();
      await second.close();
    }
  });

  it('drops a connection that stays silent past heartbeatTimeoutMs, then reconnects', async () => {
    const quiet = await startSimulator({ eslPort: 0, controlPort: 0, heartbeatIntervalMs: 60_000 });
    const c = client({ heartbeatTimeoutMs: 100 }, quiet.eslPort);
    try {
      await c.connect();
      const { error } = await nextEvent<{ error: Error }>((l) => c.on('disconnected', l));
      expect(error.message).toMatch(/HEARTBEAT/);
      await nextEvent((l) => c.on('reconnected', l));
    } finally {
      await c.close();
      await quiet.close();
    }
  });
});

describe('modesl defects', () => {
  it('a header value that does not URL-decode is delivered as sent instead of crashing the parser', async () => {
    const c = client();
    await c.connect();
    // The switch leaves a valid-looking %XX unencoded; "%E0" alone is not UTF-8, so decodeURIComponent throws.
    const call = request(NUMBERS.answer, { note: '100%E0' });
    const watched = watchAll(c, call.uuid);
    await c.originate(call);
    const create = await watched.waitFor('CHANNEL_CREATE');
    expect(create.headers.variable_note).toBe('100%E0');
    await watched.waitFor('CHANNEL_HANGUP_COMPLETE');
    expect(c.connected).toBe(true);
  });
});
