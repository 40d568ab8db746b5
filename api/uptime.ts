import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/connection';
import { forgetOldApiUptime, recordApiUptime } from '../db/repositories/api-uptime.repository';
import { RESULT_WAIT_CAP_MS, UPTIME_BEAT_MS, UPTIME_SLACK_MS } from '../policy/result-wait';

/** A beat later than this after the last one starts a new spell: the gap between them was an outage. */
const MAX_GAP_MS = UPTIME_BEAT_MS + UPTIME_SLACK_MS;

/**
 * While the API listens it records its spells of being up in `api_uptime` (a beat that fails — the
 * database away — is the outage itself, so it is only retried at the next beat). A contact's wait for a
 * post-call result counts only time inside some instance's spell (policy/result-wait.ts): results that
 * could not be delivered do not use up the grace.
 */
export function installUptimeBeat(app: FastifyInstance, db: Db): void {
  const instanceId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  let beats = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const beat = async (): Promise<void> => {
    try {
      await recordApiUptime(db, instanceId, MAX_GAP_MS);
      if (beats++ % 1800 === 0) await forgetOldApiUptime(db, 2 * RESULT_WAIT_CAP_MS);
    } catch (err) {
      app.log.debug({ err }, 'api uptime not recorded');
    }
    if (!closed) timer = setTimeout(() => void beat(), UPTIME_BEAT_MS);
  };
  app.addHook('onListen', async () => {
    if (!timer && !closed) await beat();
  });
  app.addHook('onClose', async () => {
    closed = true;
    clearTimeout(timer);
  });
}
