/**
 * The simulator's ESL wire protocol, checked over real TCP: byte for byte with a bare socket where the bytes
 * are the point, and through modesl (the production library) for the rest.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from './simulator';
import { apiCall, EventLog, openModesl, sendRecv } from './test-support/modesl-client';
import { RawEslClient } from './test-support/raw-esl-client';

const GOODBYE =
  'Content-Type: text/disconnect-notice\nContent-Length: 67\n\n' +
  'Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n';

let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator({
    eslPort: 0,
    controlPort: 0,
    heartbeatIntervalMs: 100,
    scenario: {
      time_scale: 0.02,
      numbers: {
        '+15550000001': ['stall'],
        '+15550000002': ['answer:5'],
        '+15550000003': ['sip:486'],
      },
    },
  });
});

afterAll(async () => {
  await sim.close();
});

function dialString(uuid: string, number: string, extraVars = ''): string {
  return (
    `{origination_uuid=${uuid},origination_caller_id_number=15550009999,originate_timeout=30,` +
    `ignore_early_media=true${extraVars}}sofia/gateway/carrier1/${number} &park()`
  );
}

describe('connection and authentication', () => {
  it('greets with auth/request', async () => {
    const client = await RawEslClient.connect(sim.eslPort);
    const greeting = await client.nextFrame();
    expect(greeting.raw.toString()).toBe('Content-Type: auth/request\n\n');
    client.close();
  });

  it('a bad password gets -ERR invalid, the disconnect notice, then the socket closes', async () => {
    const client = await RawEslClient.connect(sim.eslPort);
    await client.nextFrame();
    client.send('auth wrong\n\n');
    await client.closed;
    expect(client.bytes.toString()).toBe(
      'Content-Type: auth/request\n\n' +
        'Content-Type: command/reply\nReply-Text: -ERR invalid\n\n' +
        GOODBYE,
    );
  });

  it('commands before auth get -ERR command not found; auth still works after', async () => {
    const client = await RawEslClient.connect(sim.eslPort);
    await client.nextFrame();
    const refused = await client.command('api status');
    expect(refused.raw.toString()).toBe(
      'Content-Type: command/reply\nReply-Text: -ERR command not found\n\n',
    );
    const accepted = await client.command('auth ClueCon');
    expect(accepted.raw.toString()).toBe('Content-Type: command/reply\nReply-Text: +OK accepted\n\n');
    client.close();
  });

  it('exit answers +OK bye, sends the 67-byte notice and closes', async () => {
    const client = await RawEslClient.authenticated(sim.eslPort);
    const before = client.bytes.length;
    client.send('exit\n\n');
    await client.closed;
    expect(client.bytes.subarray(before).toString()).toBe(
      'Content-Type: command/reply\nReply-Text: +OK bye\n\n' + GOODBYE,
    );
    expect(Buffer.byteLength('Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n')).toBe(
      67,
    );
  });

  it('an unknown command gets -ERR command not found', async () => {
    const client = await RawEslClient.authenticated(sim.eslPort);
    const reply = await client.command('frobnicate now');
    expect(reply.headers['Reply-Text']).toBe('-ERR command not found');
    client.close();
  });
});

describe('api', () => {
  it('status through modesl', async () => {
    const connection = await openModesl(sim.eslPort);
    const reply = await apiCall(connection, 'status');
    expect(reply.getBody()).toMatch(/^UP \d+ years?, /);
    expect(reply.getBody()).toContain('is ready');
    expect(reply.getBody()).toContain('1000 session(s) max');
    connection.disconnect();
  });

  it('api/response counts bytes; an unknown command is -ERR <cmd> Command not found!', async () => {
    const client = await RawEslClient.authenticated(sim.eslPort);
    const reply = await client.command('api zoë');
    const output = '-ERR zoë Command not found!\n';
    expect(reply.raw.toString()).toBe(
      `Content-Type: api/response\nContent-Length: ${Buffer.byteLength(output)}\n\n${output}`,
    );
    expect(Buffer.byteLength(output)).toBe(output.length + 1);
    client.close();
  });

  it('uuid_exists, uuid_kill, show calls count, global_getvar core_uuid', async () => {
    const client = await RawEslClient.authenticated(sim.eslPort);
    const uuid = 'proto-exists-1';
    expect((await client.command('api uuid_exists nope')).body.toString()).toBe('false');
    expect((await client.command('api uuid_kill nope')).body.toString()).toBe('-ERR No such channel!\n');
    const originate = await client.command(`api originate ${dialString(uuid, '+15550000001')}`);
    expect(originate.body.toString()).toBe(`+OK ${uuid}\n`);
    expect((await client.command(`api uuid_exists ${uuid}`)).body.toString()).toBe('true');
    expect((await client.command('api show calls count')).body.toString()).toBe(
      `\n${sim.liveCallCount()} total.\n`,
    );
    expect((await client.command('api global_getvar core_uuid')).body.toString()).toBe(sim.coreUuid);
    expect(
      (
        await client.command(`api uuid_audio_fork ${uuid} start wss://bot.example mono 16k {}`)
      ).body.toString(),
    ).toBe('+OK Success\n');
    expect((await client.command(`api uuid_kill ${uuid}`)).body.toString()).toBe('+OK\n');
    expect((await client.command(`api uuid_exists ${uuid}`)).body.toString()).toBe('false');
    client.close();
  });

  it('a duplicate live origination_uuid fails with -ERR and no second channel', async () => {
    const client = await RawEslClient.authenticated(sim.eslPort);
    const uuid = 'proto-dup-1';
    expect((await client.command(`api originate ${dialString(uuid, '+15550000001')}`)).body.toString()).toBe(
      `+OK ${uuid}\n`,
    );
    expect((await client.command(`api originate ${dialString(uuid, '+15550000001')}`)).body.toString()).toBe(
      '-ERR DESTINATION_OUT_OF_ORDER\n',
    );
    expect(sim.calls().filter((c) => c.uuid === uuid)).toHaveLength(2);
    await client.command(`api uuid_kill ${uuid}`);
    client.close();
  });

  it('api originate holds the connection: later replies and events wait for its answer', async () => {
    const client = await RawEslClient.authenticated(sim.eslPort);
    await client.command('event plain CHANNEL_CREATE');
    const uuid = 'proto-block-1';
    const sentAt = Date.now();
    // Both commands in one write: the second must not be answered before the first.
    client.send(`api originate ${dialString(uuid, '+15550000002')}\n\napi uuid_exists ${uuid}\n\n`);
    const first = await client.waitFor((f) => f.headers['Content-Type'] === 'api/response');
    // answer rings 1 s × time_scale 0.02.
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(15);
    expect(first.body.toString()).toBe(`+OK ${uuid}\n`);
    const firstIndex = client.frames.indexOf(first);
    const create = await client.waitFor((f) => f.headers['Content-Type'] === 'text/event-plain');
    const second = await client.waitFor(
      (f) => f.headers['Content-Type'] === 'api/response',
      3000,
      firstIndex + 1,
    );
    expect(second.body.toString()).toBe('true');
    expect(client.frames.indexOf(create)).toBeGreaterThan(firstIndex);
    client.close();
  });
});

describe('bgapi and BACKGROUND_JOB', () => {
  it('replies +OK Job-UUID with our Job-UUID, then fires BACKGROUND_JOB to every subscriber', async () => {
    const placer = await RawEslClient.authenticated(sim.eslPort);
    const other = await RawEslClient.authenticated(sim.eslPort);
    await placer.command('event plain BACKGROUND_JOB');
    await other.command('event plain BACKGROUND_JOB');
    const reply = await placer.command('bgapi uuid_exists none', { 'Job-UUID': 'job-proto-1' });
    expect(reply.raw.toString()).toBe(
      'Content-Type: command/reply\nReply-Text: +OK Job-UUID: job-proto-1\nJob-UUID: job-proto-1\n\n',
    );
    for (const client of [placer, other]) {
      const job = await client.waitForEvent((e) => e.headers['Job-UUID'] === 'job-proto-1');
      expect(job.headers).toMatchObject({
        'Event-Name': 'BACKGROUND_JOB',
        'Core-UUID': sim.coreUuid,
        'Event-Calling-Function': 'api_exec',
        'Job-Command': 'uuid_exists',
        'Job-Command-Arg': 'none',
        'Content-Length': '5',
      });
      expect(job.body).toBe('false');
    }
    placer.close();
    other.close();
  });

  it('the plain BACKGROUND_JOB body is not encoded and its lengths count bytes', async () => {
    const client = await RawEslClient.authenticated(sim.eslPort);
    await client.command('event plain BACKGROUND_JOB');
    await client.command('bgapi zoë', { 'Job-UUID': 'job-proto-2' });
    const frame = await client.waitFor((f) => f.body.toString().includes('job-proto-2'));
    const text = frame.body.toString('utf8');
    expect(Number(frame.headers['Content-Length'])).toBe(frame.body.length);
    expect(text).toContain('Job-Command: zo%C3%AB\n');
    expect(
      text.endsWith(
        `Content-Length: ${Buffer.byteLength('-ERR zoë Command not found!\n')}\n\n-ERR zoë Command not found!\n`,
      ),
    ).toBe(true);
    client.close();
  });

  it('modesl bgapi with our own job id gets the BACKGROUND_JOB body', async () => {
    const connection = await openModesl(sim.eslPort);
    const body = await new Promise<string>((resolve) =>
      connection.bgapi('uuid_exists', 'nothing', 'job-proto-3', (event) => resolve(event.getBody())),
    );
    expect(body).toBe('false');
    connection.disconnect();
  });
});

describe('events', () => {
  it('plain events carry the common headers first and URL-encoded channel variables', async () => {
    const client = await RawEslClient.authenticated(sim.eslPort);
    expect((await client.command('event plain CHANNEL_CREATE')).headers['Reply-Text']).toBe(
      '+OK event listener enabled plain',
    );
    const uuid = 'proto-plain-1';
    await client.command(
      `bgapi originate ${dialString(uuid, '+15550000001', ',sip_h_X-Attempt-Id=a42,note=Zoë&co:100%')}`,
    );
    const frame = await client.waitFor((f) => f.body.toString().includes(`Unique-ID: ${uuid}`));
    expect(
      frame.raw
        .toString()
        .startsWith(`Content-Length: ${frame.body.length}\nContent-Type: text/event-plain\n\n`),
    ).toBe(true);
    const text = frame.body.toString('utf8');
    const names = text.split('\n').map((line) => line.split(': ')[0]);
    expect(names.slice(0, 15)).toEqual([
      'Event-Name',
      'Core-UUID',
      'FreeSWITCH-Hostname',
      'FreeSWITCH-Switchname',
      'FreeSWITCH-IPv4',
      'FreeSWITCH-IPv6',
      'Event-Date-Local',
      'Event-Date-GMT',
      'Event-Date-Timestamp',
      'Event-Calling-File',
      'Event-Calling-Function',
      'Event-Calling-Line-Number',
      'Event-Sequence',
      'Channel-State',
      'Channel-Call-State',
    ]);
    expect(text).toContain('variable_note: Zo%C3%AB%26co%3A100%25\n');
    expect(text).toContain('variable_sip_h_X-Attempt-Id: a42\n');
    expect(text).toContain('Caller-Destination-Number: %2B15550000001\n');
    expect(text).toContain('Caller-Caller-ID-Number: 15550009999\n');
    expect(text).toContain('Call-Direction: outbound\n');
    expect(text).toContain('Answer-State: ringing\n');
    expect(text).toMatch(/\nEvent-Date-Timestamp: \d{16}\n/);
    expect(text.endsWith('\n\n')).toBe(true);
    // Encoded values keep the body ASCII, so characters and bytes agree.
    expect(frame.body.length).toBe(text.length);
    await client.command(`api uuid_kill ${uuid}`);
    client.close();
  });

  it('json events: one object, Content-Length in bytes with a non-ASCII value', async () => {
    const client = await RawEslClient.authenticated(sim.eslPort);
    expect((await client.command('event json CHANNEL_CREATE')).headers['Reply-Text']).toBe(
      '+OK event listener enabled json',
    );
    const uuid = 'proto-json-1';
    await client.command(`bgapi originate ${dialString(uuid, '+15550000001', ',note=Zoë')}`);
    const frame = await client.waitFor((f) => f.body.toString().includes(uuid));
    expect(frame.headers['Content-Type']).toBe('text/event-json');
    expect(Number(frame.headers['Content-Length'])).toBe(frame.body.length);
    expect(frame.body.length).toBeGreaterThan(frame.body.toString('utf8').length);
    const event = JSON.parse(frame.body.toString('utf8')) as Record<string, string>;
    expect(event).toMatchObject({
      'Event-Name': 'CHANNEL_CREATE',
      'Unique-ID': uuid,
      'Core-UUID': sim.coreUuid,
      variable_note: 'Zoë',
      'Caller-Destination-Number': '+15550000001',
    });
    await client.command(`api uuid_kill ${uuid}`);
    client.close();
  });

  it('subscriptions add up, last format wins; -ERR when no name is valid; nixevent and noevents', async () => {
    const client = await RawEslClient.authenticated(sim.eslPort);
    expect((await client.command('event plain BOGUS')).headers['Reply-Text']).toBe(
      '-ERR no keywords supplied',
    );
    expect((await client.command('event plain HEARTBEAT')).headers['Reply-Text']).toBe(
      '+OK event listener enabled plain',
    );
    expect((await client.command('event json CHANNEL_ANSWER')).headers['Reply-Text']).toBe(
      '+OK event listener enabled json',
    );
    const heartbeat = await client.waitFor((f) => f.body.toString().includes('"Event-Name":"HEARTBEAT"'));
    expect(heartbeat.headers['Content-Type']).toBe('text/event-json');
    expect((await client.command('nixevent HEARTBEAT')).headers['Reply-Text']).toBe('+OK events nixed');
    expect((await client.command('noevents')).headers['Reply-Text']).toBe(
      '+OK no longer listening for events',
    );
    client.close();
  });

  it('filters pass only matching events, BACKGROUND_JOB and HEARTBEAT included', async () => {
    const client = await RawEslClient.authenticated(sim.eslPort);
    await client.command('event plain CHANNEL_CREATE CHANNEL_HANGUP_COMPLETE BACKGROUND_JOB HEARTBEAT');
    const kept = 'proto-filter-keep';
    const dropped = 'proto-filter-drop';
    expect((await client.command(`filter Unique-ID ${kept}`)).headers['Reply-Text']).toBe(
      `+OK filter added. [Unique-ID]=[${kept}]`,
    );
    await client.command(`bgapi originate ${dialString(dropped, '+15550000003')}`, {
      'Job-UUID': 'job-filter-1',
    });
    await client.command(`bgapi originate ${dialString(kept, '+15550000003')}`, {
      'Job-UUID': 'job-filter-2',
    });
    await client.waitForEvent(
      (e) => e.headers['Unique-ID'] === kept && e.headers['Event-Name'] === 'CHANNEL_HANGUP_COMPLETE',
    );
    // Heartbeats come every 100 ms: let two pass while the filter holds.
    await new Promise((resolve) => setTimeout(resolve, 250));
    const seen = client.plainEvents();
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((e) => e.headers['Unique-ID'] === kept)).toBe(true);

    expect((await client.command('filter Event-Name HEARTBEAT')).headers['Reply-Text']).toBe(
      '+OK filter added. [Event-Name]=[HEARTBEAT]',
    );
    await client.waitForEvent((e) => e.headers['Event-Name'] === 'HEARTBEAT');
    expect((await client.command(`filter delete Unique-ID ${kept}`)).headers['Reply-Text']).toBe(
      `+OK filter deleted. [Unique-ID][${kept}]`,
    );
    expect((await client.command('filter delete all')).headers['Reply-Text']).toBe(
      '+OK filter deleted. [all][]',
    );
    client.close();
  });

  it('HEARTBEAT carries capacity and the stable Core-UUID (modesl)', async () => {
    const connection = await openModesl(sim.eslPort);
    const log = new EventLog(connection);
    await sendRecv(connection, 'event plain HEARTBEAT');
    const first = await log.waitFor((e) => e.name === 'HEARTBEAT');
    const second = await log.waitFor((e) => e.name === 'HEARTBEAT' && e !== first);
    for (const heartbeat of [first, second]) {
      expect(heartbeat.contentType).toBe('text/event-plain');
      expect(heartbeat.headers['Core-UUID']).toBe(sim.coreUuid);
      expect(heartbeat.headers['Max-Sessions']).toBe('1000');
      expect(heartbeat.headers['Session-Count']).toMatch(/^\d+$/);
      expect(heartbeat.headers['Session-Per-Sec']).toMatch(/^\d+$/);
      expect(heartbeat.headers['Idle-CPU']).toMatch(/^\d+\.\d{6}$/);
      expect(heartbeat.headers['Event-Calling-Function']).toBe('send_heartbeat');
    }
    expect(Number(second.headers['Event-Sequence'])).toBeGreaterThan(Number(first.headers['Event-Sequence']));
    connection.disconnect();
  });
});
