/**
 * The switch simulator (docs/simulator.md): a FreeSWITCH ESL inbound server that also plays the bot platform,
 * plus its HTTP control API. Used by `npm run sim`, embedded by `npm start`, the test suites and benchmarks.
 */
import {
  createServer as createTcpServer,
  type AddressInfo,
  type Server as TcpServer,
  type Socket,
} from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { createControlServer } from './control-server';
import { EslSession } from './esl-session';
import type { Scenario, ScenarioInput } from './scenario';
import { callLogWriter } from './call-log-file';
import { SimulatedSwitch, type CallRecord } from './simulated-switch';

export type { CallRecord } from './simulated-switch';
export type { Scenario, ScenarioInput } from './scenario';

export interface SimulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8021; 0 picks a free port. */
  eslPort?: number;
  /** Default 8023; 0 picks a free port. */
  controlPort?: number;
  /** Default ClueCon. */
  password?: string;
  scenario?: ScenarioInput;
  /** Seeds the `default` draws (SIM_SEED); default 1. */
  seed?: number;
  /** Base URL of the dialler's API for post-call results; none: results are not posted. */
  resultUrl?: string;
  apiKey?: string;
  /** HEARTBEAT period; default 20 000 ms as FreeSWITCH. */
  heartbeatIntervalMs?: number;
  /** Diagnostics (result posts); default silent. */
  /** A line per call end and result post, with the call's ids in `fields` (simulator/main.ts: JSON lines). */
  log?: (message: string, fields?: Record<string, unknown>) => void;
  /** Append every change of the call log to this file (SIM_CALL_LOG; simulator/call-log-file.ts). */
  callLogFile?: string;
}

export interface RunningSimulator {
  eslPort: number;
  controlPort: number;
  /** The current instance's Core-UUID (a new one after `crash()` + `recover()`). */
  readonly coreUuid: string;
  /**
   * The switch dies (kill -9): its ESL port stops listening, every connection is reset, every call is gone.
   * The call log (ground truth) survives. `recover()` brings a new instance up on the same port.
   */
  crash(): Promise<void>;
  recover(): Promise<void>;
  calls(): CallRecord[];
  clearCalls(): void;
  /** Throws ScenarioError when the scenario is invalid. */
  setScenario(scenario: ScenarioInput): Scenario;
  liveCallCount(): number;
  close(): Promise<void>;
}

function listen(server: TcpServer | HttpServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: TcpServer | HttpServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const host = options.host ?? '127.0.0.1';
  const switchCore = new SimulatedSwitch({
    ...(options.scenario ? { scenario: options.scenario } : {}),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.resultUrl ? { resultUrl: options.resultUrl } : {}),
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
    ...(options.log ? { log: options.log } : {}),
    ...(options.callLogFile ? { onCallLog: callLogWriter(options.callLogFile) } : {}),
    ipv4: host === '0.0.0.0' ? '127.0.0.1' : host,
  });

  const sessions = new Set<EslSession>();
  const sockets = new Set<Socket>();
  const onConnection = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const session = new EslSession(socket, switchCore, { password: options.password ?? 'ClueCon' });
    sessions.add(session);
    socket.on('close', () => sessions.delete(session));
  };
  let eslServer = createTcpServer(onConnection);
  let eslPort = 0;
  const controlServer = createControlServer(switchCore, () => eslPort);

  try {
    eslPort = await listen(eslServer, options.eslPort ?? 8021, host);
  } catch (error) {
    await switchCore.close();
    throw error;
  }
  let controlPort: number;
  try {
    controlPort = await listen(controlServer, options.controlPort ?? 8023, host);
  } catch (error) {
    await closeServer(eslServer);
    await switchCore.close();
    throw error;
  }

  const heartbeat = setInterval(() => switchCore.heartbeat(), options.heartbeatIntervalMs ?? 20_000);
  heartbeat.unref();

  let closing: Promise<void> | null = null;
  let down = false;
  return {
    eslPort,
    controlPort,
    get coreUuid() {
      return switchCore.identity.coreUuid;
    },
    async crash() {
      if (down) return;
      down = true;
      const closed = closeServer(eslServer);
      for (const session of sessions) session.drop();
      for (const socket of sockets) socket.destroy();
      switchCore.crash();
      await closed;
    },
    async recover() {
      if (!down) return;
      eslServer = createTcpServer(onConnection);
      await listen(eslServer, eslPort, host);
      down = false;
    },
    calls: () => switchCore.calls(),
    clearCalls: () => switchCore.clearCalls(),
    setScenario: (scenario) => switchCore.setScenario(scenario),
    liveCallCount: () => switchCore.liveCallCount(),
    close: () => {
      closing ??= (async () => {
        clearInterval(heartbeat);
        for (const session of sessions) session.shutdown();
        const eslClosed = down ? Promise.resolve() : closeServer(eslServer);
        const controlClosed = closeServer(controlServer);
        controlServer.closeAllConnections();
        // Clients that ignore the shutdown notice do not get to hold the port.
        setTimeout(() => {
          for (const socket of sockets) socket.destroy();
        }, 200).unref();
        await switchCore.close();
        await Promise.all([eslClosed, controlClosed]);
      })();
      return closing;
    },
  };
}
