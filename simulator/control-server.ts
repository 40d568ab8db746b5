/**
 * The simulator's control API over HTTP (JSON): ground truth of what was dialled and the scenario.
 *   GET /calls, DELETE /calls, GET /scenario, PUT /scenario (400 with a message when invalid), GET /health.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ScenarioError } from './scenario';
import type { SimulatedSwitch } from './simulated-switch';

const MAX_BODY_BYTES = 1024 * 1024;

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('body too large'));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

export function createControlServer(switchCore: SimulatedSwitch, eslPort: () => number): Server {
  return createServer((request, response) => {
    void handle(switchCore, eslPort, request, response).catch((error: unknown) => {
      if (!response.headersSent)
        send(response, 500, { error: error instanceof Error ? error.message : String(error) });
    });
  });
}

async function handle(
  switchCore: SimulatedSwitch,
  eslPort: () => number,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '') || '/';
  const route = `${request.method ?? 'GET'} ${path}`;
  switch (route) {
    case 'GET /calls':
      return send(response, 200, switchCore.calls());
    case 'DELETE /calls':
      switchCore.clearCalls();
      return send(response, 200, { cleared: true });
    case 'GET /scenario':
      return send(response, 200, switchCore.getScenario());
    case 'PUT /scenario': {
      let input: unknown;
      try {
        input = JSON.parse(await readBody(request));
      } catch (error) {
        return send(response, 400, {
          error: `invalid JSON: ${error instanceof Error ? error.message : String(error)}`,
        });
      }
      try {
        return send(response, 200, switchCore.setScenario(input));
      } catch (error) {
        if (error instanceof ScenarioError) return send(response, 400, { error: error.message });
        throw error;
      }
    }
    case 'GET /health':
      return send(response, 200, {
        ok: true,
        core_uuid: switchCore.identity.coreUuid,
        esl_port: eslPort(),
        live_calls: switchCore.liveCallCount(),
      });
    default:
      return send(response, 404, { error: `no route ${route}` });
  }
}
