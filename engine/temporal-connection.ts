import { readFileSync } from 'node:fs';
import { Connection, type ConnectionOptions } from '@temporalio/client';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow/tls-config';
import { NativeConnection } from '@temporalio/worker';
import type { Settings } from '../config/settings';

/** What both kinds of Temporal connection (client and worker) take to reach the configured server. */
export interface TemporalConnectionOptions {
  address: string;
  /** Undefined: plaintext (the embedded dev server, a cluster inside a private network). */
  tls: TLSConfig | undefined;
  apiKey: string | undefined;
}

export type TemporalConnectionSettings = Pick<
  Settings,
  'temporalAddress' | 'temporalPort' | 'temporalTls' | 'temporalApiKey'
>;

/**
 * The connection options the settings describe, each certificate file read with `readFile`. Settings that
 * cannot work together fail here, naming the variables, rather than as a TLS handshake error at the server:
 * a client key without its certificate (or the reverse), an unreadable file. An API key implies TLS
 * (Temporal Cloud refuses it in plaintext), as does any certificate setting.
 */
export function temporalConnectionOptions(
  settings: TemporalConnectionSettings,
  readFile: (file: string) => Uint8Array = readFileSync,
): TemporalConnectionOptions {
  const address = settings.temporalAddress ?? `127.0.0.1:${settings.temporalPort}`;
  const { enabled, certFile, keyFile, caFile, serverName } = settings.temporalTls;
  if (keyFile && !certFile) {
    throw new Error(
      'TEMPORAL_TLS_KEY is set but TEMPORAL_TLS_CERT is not: mTLS needs the client certificate and its key; set both, or neither',
    );
  }
  if (certFile && !keyFile) {
    throw new Error(
      'TEMPORAL_TLS_CERT is set but TEMPORAL_TLS_KEY is not: mTLS needs the client certificate and its key; set both, or neither',
    );
  }
  const read = (variable: string, file: string): Uint8Array => {
    try {
      return readFile(file);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new Error(`${variable}=${file} cannot be read (${why})`, { cause: err });
    }
  };
  const apiKey = settings.temporalApiKey;
  const wantsTls = enabled || !!certFile || !!caFile || !!serverName || !!apiKey;
  if (!wantsTls) return { address, tls: undefined, apiKey: undefined };
  const tls: TLSConfig = {};
  if (certFile && keyFile) {
    tls.clientCertPair = { crt: read('TEMPORAL_TLS_CERT', certFile), key: read('TEMPORAL_TLS_KEY', keyFile) };
  }
  if (caFile) tls.serverRootCACertificate = read('TEMPORAL_TLS_CA', caFile);
  if (serverName) tls.serverNameOverride = serverName;
  return { address, tls, apiKey };
}

/** The client connection (workflow and operator services) of the API, the worker and `npm start`. */
export async function connectTemporalClient(
  settings: TemporalConnectionSettings,
  extra: Pick<ConnectionOptions, 'connectTimeout'> = {},
): Promise<Connection> {
  const { address, tls, apiKey } = temporalConnectionOptions(settings);
  return Connection.connect({
    address,
    ...(tls ? { tls } : {}),
    ...(apiKey ? { apiKey } : {}),
    ...(extra.connectTimeout ? { connectTimeout: extra.connectTimeout } : {}),
  });
}

/** The worker's (Rust core) connection, secured the same way as the client's. */
export async function connectTemporalWorker(settings: TemporalConnectionSettings): Promise<NativeConnection> {
  const { address, tls, apiKey } = temporalConnectionOptions(settings);
  return NativeConnection.connect({ address, ...(tls ? { tls } : {}), ...(apiKey ? { apiKey } : {}) });
}
