/**
 * Every scenario token, dialled through modesl over TCP: the event sequence, Hangup-Cause, SIP and timing
 * variables, the BACKGROUND_JOB result and the ground-truth outcome. Times run at time_scale 0.01
 * (a 1 s ring takes 10 ms).
 */
import type { Connection } from 'modesl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from './simulator';
import { apiCall, EventLog, openModesl, sendRecv, type LoggedEvent } from './test-support/modesl-client';

const NUMBERS: Record<string, string> = {
  answer: '+15551000001',
  no_answer: '+15551000002',
  ring: '+15551000003',
  nocode: '+15551000004',
  machine: '+15551000005',
  fleet_busy: '+15551000006',
  error: '+15551000007',
  stall: '+15551000008',
  drop: '+15551000009',
  long_answer: '+15551000010',
  machine_long: '+15551000011',
};
const SIP_CODES = [486, 603, 404, 408, 429, 503] as const;

let sim: RunningSimulator;
let connection: Connection;
let log: EventLog;
let counter = 0;

beforeAll(async () => {
  sim = await startSimulator({
    eslPort: 0,
    controlPort: 0,
    scenario: {
      time_scale: 0.01,
      numbers: {
        [NUMBERS.answer as string]: ['answer:30:INTERESTED'],
        [NUMBERS.no_answer as string]: ['no_answer:5'],
        [NUMBERS.ring as string]: ['ring'],
        [NUMBERS.nocode as string]: ['nocode:2'],
        [NUMBERS.machine as string]: ['machine:8'],
        [NUMBERS.fleet_busy as string]: ['fleet_busy'],
        [NUMBERS.error as string]: ['error'],
        [NUMBERS.stall as string]: ['stall'],
        [NUMBERS.drop as string]: ['drop'],
        [NUMBERS.long_answer as string]: ['answer:300'],
        [NUMBERS.machine_long as string]: ['machine:300'],
        ...Object.fromEntries(SIP_CODES.map((code) => [`+1555200${code}`, [`sip:${code}`]])),
      },
    },
  });
  connection = await openModesl(sim.eslPort);
  log = new EventLog(connection);
  await sendRecv(
    connection,
    'event plain BACKGROUND_JOB CHANNEL_CREATE CHANNEL_PROGRESS CHANNEL_PROGRESS_MEDIA CHANNEL_ANSWER CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE',
  );
});

afterAll(async () => {
  connection.disconnect();
  await sim.close();
});

interface Dialled {
  uuid: string;
  jobUuid: string;
}

function dial(via: Connection, number: string, originateTimeoutS = 30): Dialled {
  counter += 1;
  const uuid = `outcome-${counter}`;
  const jobUuid = `job-outcome-${counter}`;
  via.sendRecv(
    `bgapi originate {origination_uuid=${uuid},origination_caller_id_number=15550009999,` +
      `originate_timeout=${originateTimeoutS},ignore_early_media=true,sip_h_X-Attempt-Id=att-${counter}}` +
      `sofia/gateway/carrier1/${number} &park()`,
    { 'Job-UUID': jobUuid },
  );
  return { uuid, jobUuid };
}

async function finished(
  call: Dialled,
  events = log,
): Promise<{ sequence: string[]; hangup: LoggedEvent; job: string }> {
  const hangup = await events.waitFor(
    (e) => e.name === 'CHANNEL_HANGUP_COMPLETE' && e.headers['Unique-ID'] === call.uuid,
  );
  const job = await events.waitFor(
    (e) => e.name === 'BACKGROUND_JOB' && e.headers['Job-UUID'] === call.jobUuid,
  );
  return { sequence: events.of(call.uuid).map((e) => e.name), hangup, job: job.body };
}

function outcomeOf(uuid: string): string | undefined {
  return sim.calls().find((c) => c.uuid === uuid)?.outcome;
}

const ANSWERED_SEQUENCE = [
  'CHANNEL_CREATE',
  'CHANNEL_PROGRESS',
  'CHANNEL_ANSWER',
  'CHANNEL_HANGUP',
  'CHANNEL_HANGUP_COMPLETE',
];
const RANG_AND_FAILED = ['CHANNEL_CREATE', 'CHANNEL_PROGRESS', 'CHANNEL_HANGUP', 'CHANNEL_HANGUP_COMPLETE'];

describe('tokens', () => {
  it('answer: rings, answers, talks, hangs up NORMAL_CLEARING with sip_term_status 200', async () => {
    const call = dial(connection, NUMBERS.answer as string);
    const { sequence, hangup, job } = await finished(call);
    expect(sequence).toEqual(ANSWERED_SEQUENCE);
    expect(job).toBe(`+OK ${call.uuid}\n`);
    expect(hangup.headers).toMatchObject({
      'Hangup-Cause': 'NORMAL_CLEARING',
      'Answer-State': 'hangup',
      'Call-Direction': 'outbound',
      'Caller-Destination-Number': NUMBERS.answer,
      'Caller-Caller-ID-Number': '15550009999',
      'variable_sip_h_X-Attempt-Id': `att-${counter}`,
      variable_sip_term_status: '200',
      variable_sip_hangup_disposition: 'recv_bye',
      variable_hangup_cause: 'NORMAL_CLEARING',
      variable_duration: '31',
      variable_billsec: '30',
      variable_billmsec: '30000',
      variable_answersec: '1',
      variable_progresssec: '0',
      variable_progressmsec: '0',
    });
    expect(Number(hangup.headers.variable_answer_epoch)).toBeGreaterThan(0);
    expect(Number(hangup.headers.variable_end_epoch)).toBeGreaterThanOrEqual(
      Number(hangup.headers.variable_start_epoch),
    );
    expect(hangup.headers.variable_start_epoch).toMatch(/^\d{10}$/);
    expect(hangup.headers.variable_amd_result).toBeUndefined();
    expect(hangup.headers.variable_bridge_hangup_cause).toBeUndefined();
    const answer = log.of(call.uuid).find((e) => e.name === 'CHANNEL_ANSWER');
    expect(answer?.headers['Answer-State']).toBe('answered');
    expect(outcomeOf(call.uuid)).toBe('answered');
  });

  it('no_answer: rings ring_s then SIP 480 → NO_USER_RESPONSE', async () => {
    const call = dial(connection, NUMBERS.no_answer as string);
    const { sequence, hangup, job } = await finished(call);
    expect(sequence).toEqual(RANG_AND_FAILED);
    expect(job).toBe('-ERR NO_USER_RESPONSE\n');
    expect(hangup.headers).toMatchObject({
      'Hangup-Cause': 'NO_USER_RESPONSE',
      variable_sip_term_status: '480',
      variable_sip_invite_failure_status: '480',
      variable_sip_hangup_disposition: 'recv_refuse',
      variable_duration: '5',
      variable_billsec: '0',
      variable_answer_epoch: '0',
    });
    expect(outcomeOf(call.uuid)).toBe('no_answer');
  });

  it('ring: our own originate_timeout ends it: NO_ANSWER, no sip_term_status, 487 + send_cancel', async () => {
    const call = dial(connection, NUMBERS.ring as string, 5);
    const { sequence, hangup, job } = await finished(call);
    expect(sequence).toEqual(RANG_AND_FAILED);
    expect(job).toBe('-ERR NO_ANSWER\n');
    expect(hangup.headers).toMatchObject({
      'Hangup-Cause': 'NO_ANSWER',
      variable_sip_invite_failure_status: '487',
      variable_sip_hangup_disposition: 'send_cancel',
      variable_duration: '5',
    });
    expect(hangup.headers.variable_sip_term_status).toBeUndefined();
    expect(outcomeOf(call.uuid)).toBe('rnr');
  });

  it('nocode: fails with no SIP variable at all', async () => {
    const call = dial(connection, NUMBERS.nocode as string);
    const { sequence, hangup, job } = await finished(call);
    expect(sequence).toEqual(RANG_AND_FAILED);
    expect(job).toBe('-ERR NORMAL_UNSPECIFIED\n');
    expect(hangup.headers['Hangup-Cause']).toBe('NORMAL_UNSPECIFIED');
    for (const name of [
      'variable_sip_term_status',
      'variable_sip_term_cause',
      'variable_sip_invite_failure_status',
      'variable_sip_hangup_disposition',
      'variable_proto_specific_hangup_cause',
    ]) {
      expect(hangup.headers[name], name).toBeUndefined();
    }
    expect(outcomeOf(call.uuid)).toBe('nocode');
  });

  it.each([
    [486, 'USER_BUSY'],
    [603, 'CALL_REJECTED'],
    [404, 'UNALLOCATED_NUMBER'],
    [408, 'RECOVERY_ON_TIMER_EXPIRE'],
    [429, 'BAD_IDENTITY_INFO'],
    [503, 'NORMAL_TEMPORARY_FAILURE'],
  ])('sip:%i → %s, without ringing', async (code, cause) => {
    const call = dial(connection, `+1555200${code}`);
    const { sequence, hangup, job } = await finished(call);
    expect(sequence).toEqual(['CHANNEL_CREATE', 'CHANNEL_HANGUP', 'CHANNEL_HANGUP_COMPLETE']);
    expect(job).toBe(`-ERR ${cause}\n`);
    expect(hangup.headers).toMatchObject({
      'Hangup-Cause': cause,
      variable_sip_term_status: String(code),
      variable_sip_invite_failure_status: String(code),
      variable_proto_specific_hangup_cause: `sip:${code}`,
      variable_sip_hangup_disposition: 'recv_refuse',
    });
    expect(outcomeOf(call.uuid)).toBe(`sip:${code}`);
  });

  it('machine: answered, then hangs up with variable_amd_result=MACHINE', async () => {
    const call = dial(connection, NUMBERS.machine as string);
    const { sequence, hangup } = await finished(call);
    expect(sequence).toEqual(ANSWERED_SEQUENCE);
    const hangupEvent = log.of(call.uuid).find((e) => e.name === 'CHANNEL_HANGUP');
    expect(hangupEvent?.headers.variable_amd_result).toBe('MACHINE');
    expect(hangup.headers).toMatchObject({
      'Hangup-Cause': 'NORMAL_CLEARING',
      variable_amd_result: 'MACHINE',
      variable_billsec: '8',
    });
    expect(outcomeOf(call.uuid)).toBe('machine');
  });

  it('machine: detection reports MACHINE on the answer already; no voicemail asked for, none logged', async () => {
    const call = dial(connection, NUMBERS.machine as string);
    await finished(call);
    const answer = log.of(call.uuid).find((e) => e.name === 'CHANNEL_ANSWER');
    expect(answer?.headers.variable_amd_result).toBe('MACHINE');
    expect(sim.calls().find((c) => c.uuid === call.uuid)?.voicemail_message).toBeNull();
  });

  it('uuid_broadcast: a machine call logs the message, plays it, then the queued hangup ends the call', async () => {
    const call = dial(connection, NUMBERS.machine_long as string);
    await log.waitFor((e) => e.name === 'CHANNEL_ANSWER' && e.headers['Unique-ID'] === call.uuid);
    // A dialler that did not see the answer asks the channel for detection's verdict.
    expect((await apiCall(connection, `uuid_getvar ${call.uuid} amd_result`)).getBody()).toBe('MACHINE');
    expect((await apiCall(connection, `uuid_getvar ${call.uuid} no_such_var`)).getBody()).toBe('_undef_');
    expect((await apiCall(connection, 'uuid_getvar nope amd_result')).getBody()).toBe(
      '-ERR No such channel!\n',
    );
    const message = "Hi, it's Ori: please call us back";
    const played = await apiCall(
      connection,
      `uuid_broadcast ${call.uuid} 'say:${message.replace("'", "\\'")}' aleg`,
    );
    expect(played.getBody()).toBe('+OK Message queued\n');
    const queuedAt = Date.now();
    const hangup = await apiCall(connection, `uuid_broadcast ${call.uuid} hangup::NORMAL_CLEARING aleg`);
    expect(hangup.getBody()).toBe('+OK Message queued\n');
    const { hangup: end } = await finished(call);
    // Playback at time_scale 0.01: (1 s + 0.06 s a character) × 0.01 — well before the machine's own 300 s.
    expect(Date.now() - queuedAt).toBeLessThan(2_000);
    expect(end.headers).toMatchObject({ 'Hangup-Cause': 'NORMAL_CLEARING', variable_amd_result: 'MACHINE' });
    const record = sim.calls().find((c) => c.uuid === call.uuid);
    expect(record).toMatchObject({ outcome: 'machine', voicemail_message: message });
  });

  it('uuid_broadcast: an unknown channel, a missing path, a channel not yet answered', async () => {
    expect((await apiCall(connection, 'uuid_broadcast nope say:hi aleg')).getBody()).toBe(
      '-ERR No such channel!\n',
    );
    expect((await apiCall(connection, 'uuid_broadcast')).getBody()).toContain('-USAGE');
    const call = dial(connection, NUMBERS.ring as string, 300);
    await log.waitFor((e) => e.name === 'CHANNEL_PROGRESS' && e.headers['Unique-ID'] === call.uuid);
    expect((await apiCall(connection, `uuid_broadcast ${call.uuid} say:hi aleg`)).getBody()).toBe(
      '-ERR Operation Failed\n',
    );
    await apiCall(connection, `uuid_kill ${call.uuid}`);
    await finished(call);
  });

  it('fleet_busy: answered, hung up after ~1 s with bridge_hangup_cause NORMAL_TEMPORARY_FAILURE', async () => {
    const call = dial(connection, NUMBERS.fleet_busy as string);
    const { sequence, hangup } = await finished(call);
    expect(sequence).toEqual(ANSWERED_SEQUENCE);
    expect(hangup.headers).toMatchObject({
      variable_bridge_hangup_cause: 'NORMAL_TEMPORARY_FAILURE',
      variable_billsec: '1',
    });
    expect(Number(hangup.headers.variable_answer_epoch)).toBeGreaterThan(0);
    expect(outcomeOf(call.uuid)).toBe('fleet_busy');
  });

  it('error: the job fails at once with -ERR DESTINATION_OUT_OF_ORDER and no channel event', async () => {
    const call = dial(connection, NUMBERS.error as string);
    const job = await log.waitFor(
      (e) => e.name === 'BACKGROUND_JOB' && e.headers['Job-UUID'] === call.jobUuid,
    );
    expect(job.body).toBe('-ERR DESTINATION_OUT_OF_ORDER\n');
    expect(log.of(call.uuid)).toEqual([]);
    expect((await apiCall(connection, `uuid_exists ${call.uuid}`)).getBody()).toBe('false');
    expect(outcomeOf(call.uuid)).toBe('error');
  });

  it('stall: answers and never ends until uuid_kill', async () => {
    const stall = dial(connection, NUMBERS.stall as string);
    const answered = await log.waitFor(
      (e) => e.name === 'CHANNEL_ANSWER' && e.headers['Unique-ID'] === stall.uuid,
    );
    expect(answered).toBeDefined();
    // A 20 s call placed after it ends first; the stall is still up.
    await finished(dial(connection, NUMBERS.answer as string));
    expect((await apiCall(connection, `uuid_exists ${stall.uuid}`)).getBody()).toBe('true');
    expect(log.of(stall.uuid).map((e) => e.name)).toEqual([
      'CHANNEL_CREATE',
      'CHANNEL_PROGRESS',
      'CHANNEL_ANSWER',
    ]);

    expect((await apiCall(connection, `uuid_kill ${stall.uuid} ALLOTTED_TIMEOUT`)).getBody()).toBe('+OK\n');
    const { sequence, hangup, job } = await finished(stall);
    expect(sequence).toEqual(ANSWERED_SEQUENCE);
    expect(job).toBe(`+OK ${stall.uuid}\n`);
    expect(hangup.headers).toMatchObject({
      'Hangup-Cause': 'ALLOTTED_TIMEOUT',
      variable_sip_hangup_disposition: 'send_bye',
    });
    expect(outcomeOf(stall.uuid)).toBe('stall');
  });

  it('uuid_kill of a ringing call ends it with that cause and fails its originate', async () => {
    const call = dial(connection, NUMBERS.ring as string, 30);
    await log.waitFor((e) => e.name === 'CHANNEL_PROGRESS' && e.headers['Unique-ID'] === call.uuid);
    expect((await apiCall(connection, `uuid_kill ${call.uuid}`)).getBody()).toBe('+OK\n');
    const { sequence, hangup, job } = await finished(call);
    expect(sequence).toEqual(RANG_AND_FAILED);
    expect(job).toBe('-ERR NORMAL_CLEARING\n');
    expect(hangup.headers).toMatchObject({
      'Hangup-Cause': 'NORMAL_CLEARING',
      variable_sip_hangup_disposition: 'send_cancel',
      variable_answer_epoch: '0',
    });
    expect(outcomeOf(call.uuid)).toBe('killed');
  });

  it('hupall hangs up every live channel with MANAGER_REQUEST', async () => {
    const calls = [
      dial(connection, NUMBERS.stall as string),
      dial(connection, NUMBERS.long_answer as string),
    ];
    for (const call of calls) {
      await log.waitFor((e) => e.name === 'CHANNEL_ANSWER' && e.headers['Unique-ID'] === call.uuid);
    }
    expect((await apiCall(connection, 'hupall')).getBody()).toBe(
      '+OK hangup all channels with cause MANAGER_REQUEST\n',
    );
    for (const call of calls) {
      const { hangup } = await finished(call);
      expect(hangup.headers['Hangup-Cause']).toBe('MANAGER_REQUEST');
    }
    expect(sim.liveCallCount()).toBe(0);
  });

  it('drop: the placing client’s connection is cut mid-call; the call ends as an answered call', async () => {
    const placer = await openModesl(sim.eslPort);
    const socket = placer.socket;
    const closed = new Promise<void>((resolve) => socket?.once('close', () => resolve()));
    await sendRecv(placer, 'event plain CHANNEL_ANSWER CHANNEL_HANGUP_COMPLETE');
    const placerLog = new EventLog(placer);
    const call = dial(placer, NUMBERS.drop as string);
    await closed;
    // The placer saw the answer, then lost its connection before the end of the call.
    expect(placerLog.of(call.uuid).map((e) => e.name)).toEqual(['CHANNEL_ANSWER']);
    const { sequence, hangup } = await finished(call);
    expect(sequence).toEqual(ANSWERED_SEQUENCE);
    expect(hangup.headers).toMatchObject({ 'Hangup-Cause': 'NORMAL_CLEARING', variable_billsec: '20' });
    expect(outcomeOf(call.uuid)).toBe('dropped');
  });
});
