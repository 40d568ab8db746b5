/**
 * `npm run sim`: the switch simulator as a process, configured from the environment:
 * SIM_ESL_PORT (8021), SIM_CONTROL_PORT (8023), SIM_SCENARIO (path to a scenario JSON), SIM_SEED (1),
 * ESL_PASSWORD (ClueCon), SIM_RESULT_URL (dialler base URL for post-call results), SIM_API_KEY, SIM_CALL_LOG
 * (a file the call log is appended to, so it outlives the process).
 */
import { readFileSync } from 'node:fs';
import { startSimulator, type ScenarioInput } from './simulator';
import { createLogger, parseLogLevel } from '../observability/log';

// JSON lines like the worker's and the API's (ORI_LOG_LEVEL); npm start renders them for a person.
const log = createLogger({ level: parseLogLevel(process.env.ORI_LOG_LEVEL), base: { service: 'simulator' } });

function integerFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

function scenarioFromEnv(): ScenarioInput | undefined {
  const path = process.env.SIM_SCENARIO;
  if (!path) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as ScenarioInput;
}

async function main(): Promise<void> {
  const resultUrl = process.env.SIM_RESULT_URL;
  const apiKey = process.env.SIM_API_KEY;
  const scenario = scenarioFromEnv();
  const callLogFile = process.env.SIM_CALL_LOG;
  const simulator = await startSimulator({
    host: '127.0.0.1',
    eslPort: integerFromEnv('SIM_ESL_PORT', 8021),
    controlPort: integerFromEnv('SIM_CONTROL_PORT', 8023),
    password: process.env.ESL_PASSWORD || 'ClueCon',
    seed: integerFromEnv('SIM_SEED', 1),
    ...(scenario ? { scenario } : {}),
    ...(resultUrl ? { resultUrl } : {}),
    ...(apiKey ? { apiKey } : {}),
    ...(callLogFile ? { callLogFile } : {}),
    log: (message, fields) => log.info(message, fields),
  });
  log.info(
    `switch simulator: ESL on 127.0.0.1:${simulator.eslPort}, control on http://127.0.0.1:${simulator.controlPort}, ` +
      `Core-UUID ${simulator.coreUuid}` +
      (resultUrl ? `, posting results to ${resultUrl}` : ', not posting results (SIM_RESULT_URL unset)'),
    { esl_port: simulator.eslPort, control_port: simulator.controlPort },
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`switch simulator: ${signal}, stopping`);
    simulator.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error('switch simulator failed to stop', { error });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  log.error(`switch simulator failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
