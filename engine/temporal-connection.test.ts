import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../config/settings';
import {
  connectTemporalClient,
  connectTemporalWorker,
  temporalConnectionOptions,
} from './temporal-connection';

/**
 * The Temporal connection the settings describe: plaintext by default, TLS with system roots, a private CA,
 * mTLS, Temporal Cloud's API key; and settings that cannot work fail before any connection, naming the
 * variables.
 */

const files: Record<string, string> = {
  '/certs/client.pem': 'CLIENT CERT',
  '/certs/client.key': 'CLIENT KEY',
  '/certs/ca.pem': 'SERVER CA',
};
const readFake = (file: string): Uint8Array => {
  const text = files[file];
  if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${file}'`);
  return Buffer.from(text);
};
const options = (env: NodeJS.ProcessEnv) => temporalConnectionOptions(loadSettings(env), readFake);
const text = (bytes: Uint8Array | undefined): string | undefined =>
  bytes ? Buffer.from(bytes).toString() : undefined;

describe('temporalConnectionOptions', () => {
  it('is plaintext to the embedded dev server by default, to TEMPORAL_ADDRESS when given', () => {
    expect(options({})).toEqual({ address: '127.0.0.1:7233', tls: undefined, apiKey: undefined });
    expect(options({ TEMPORAL_PORT: '7400' }).address).toBe('127.0.0.1:7400');
    expect(options({ TEMPORAL_ADDRESS: 'temporal.internal:7233', TEMPORAL_TLS: 'false' })).toEqual({
      address: 'temporal.internal:7233',
      tls: undefined,
      apiKey: undefined,
    });
  });

  it('TEMPORAL_TLS=true is TLS with the system roots and nothing else', () => {
    expect(options({ TEMPORAL_ADDRESS: 'temporal.example.com:7233', TEMPORAL_TLS: 'true' }).tls).toEqual({});
    expect(options({ TEMPORAL_TLS: '1' }).tls).toEqual({});
  });

  it('mTLS: the client pair and the server CA are read from their files; the server name overrides SNI', () => {
    const o = options({
      TEMPORAL_ADDRESS: '10.0.0.5:7233',
      TEMPORAL_TLS_CERT: '/certs/client.pem',
      TEMPORAL_TLS_KEY: '/certs/client.key',
      TEMPORAL_TLS_CA: '/certs/ca.pem',
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    expect(text(o.tls?.clientCertPair?.crt)).toBe('CLIENT CERT');
    expect(text(o.tls?.clientCertPair?.key)).toBe('CLIENT KEY');
    expect(text(o.tls?.serverRootCACertificate)).toBe('SERVER CA');
    expect(o.tls?.serverNameOverride).toBe('temporal.internal');
    expect(o.apiKey).toBeUndefined();
  });

  it('a CA alone (server TLS with a private CA, no client certificate) is TLS without a client pair', () => {
    const o = options({ TEMPORAL_TLS_CA: '/certs/ca.pem' });
    expect(o.tls?.clientCertPair).toBeUndefined();
    expect(text(o.tls?.serverRootCACertificate)).toBe('SERVER CA');
  });

  it('an API key (Temporal Cloud) implies TLS and is passed on', () => {
    const o = options({ TEMPORAL_ADDRESS: 'eu-west-1.aws.api.temporal.io:7233', TEMPORAL_API_KEY: 'k-123' });
    expect(o).toEqual({ address: 'eu-west-1.aws.api.temporal.io:7233', tls: {}, apiKey: 'k-123' });
  });

  it('a key without its certificate, or the reverse, is refused naming both variables', () => {
    expect(() => options({ TEMPORAL_TLS_KEY: '/certs/client.key' })).toThrow(
      /TEMPORAL_TLS_KEY is set but TEMPORAL_TLS_CERT is not/,
    );
    expect(() => options({ TEMPORAL_TLS_CERT: '/certs/client.pem' })).toThrow(
      /TEMPORAL_TLS_CERT is set but TEMPORAL_TLS_KEY is not/,
    );
  });

  it('an unreadable file is refused naming the variable and the path', () => {
    expect(() => options({ TEMPORAL_TLS_CA: '/certs/missing.pem' })).toThrow(
      /TEMPORAL_TLS_CA=\/certs\/missing.pem cannot be read \(ENOENT/,
    );
  });

  it('TEMPORAL_TLS must be a boolean', () => {
    expect(() => loadSettings({ TEMPORAL_TLS: 'yes please' })).toThrow(
      /TEMPORAL_TLS must be "true" or "false"/,
    );
  });

  it('reads real files by default', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ori-tls-'));
    writeFileSync(path.join(dir, 'ca.pem'), 'REAL CA');
    const o = temporalConnectionOptions(loadSettings({ TEMPORAL_TLS_CA: path.join(dir, 'ca.pem') }));
    expect(text(o.tls?.serverRootCACertificate)).toBe('REAL CA');
  });
});

describe('connecting with a misconfiguration', () => {
  it('the worker and the client connection fail at once with the clear message, not a handshake error', async () => {
    const settings = loadSettings({
      TEMPORAL_ADDRESS: '127.0.0.1:1',
      TEMPORAL_TLS_KEY: '/nowhere/client.key',
    });
    await expect(connectTemporalWorker(settings)).rejects.toThrow(
      /TEMPORAL_TLS_KEY is set but TEMPORAL_TLS_CERT/,
    );
    await expect(connectTemporalClient(settings)).rejects.toThrow(
      /TEMPORAL_TLS_KEY is set but TEMPORAL_TLS_CERT/,
    );
    const missing = loadSettings({ TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_TLS_CA: '/nowhere/ca.pem' });
    await expect(connectTemporalWorker(missing)).rejects.toThrow(
      /TEMPORAL_TLS_CA=\/nowhere\/ca.pem cannot be read/,
    );
  });
});
