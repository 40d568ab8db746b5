import { createHmac } from 'node:crypto';
import type { Db } from '../db/connection';
import {
  enqueueLeadUpdated,
  loadDelivery,
  markDeliverySkipped,
  recordDeliveryAttempt,
} from '../db/repositories/webhooks.repository';

/**
 * Webhook delivery as Temporal activities (docs/rules.md "The integration surface"). The engine enqueues
 * delivery rows with `enqueueLeadUpdated` and schedules one `deliverWebhook(deliveryId)` per row, off the
 * dialling path. The activity POSTs the frozen payload, signed, and records the try; a non-2xx answer or a
 * network error throws so Temporal retries with its backoff (the retry policy is the caller's).
 *
 * Headers the receiver can rely on:
 * - `X-Ori-Signature: sha256=<hex>` — HMAC-SHA256 of the raw body with the subscription's secret;
 * - `X-Ori-Event` — the event name; `X-Ori-Delivery` — the delivery id, stable across retries (dedupe on it).
 */

export const SIGNATURE_HEADER = 'X-Ori-Signature';
export const EVENT_HEADER = 'X-Ori-Event';
export const DELIVERY_HEADER = 'X-Ori-Delivery';
/** A receiver that has not answered in this long is treated as a failed try. */
export const DELIVERY_TIMEOUT_MS = 10_000;

export function signWebhookBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

export class WebhookDeliveryError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
    this.name = 'WebhookDeliveryError';
  }
}

export interface WebhookActivityDeps {
  db: Db;
  fetch?: typeof fetch;
  now?: () => Date;
}

export function createWebhookActivities(deps: WebhookActivityDeps) {
  const doFetch = deps.fetch ?? fetch;
  const now = deps.now ?? (() => new Date());
  return {
    /** Write the delivery rows for contacts whose state changed; returns their ids to schedule. */
    async enqueueLeadUpdated(contactIds: string[]): Promise<string[]> {
      return enqueueLeadUpdated(deps.db, contactIds);
    },

    /** Deliver one row; idempotent (a delivered row, or one whose subscription is gone, is done). */
    async deliverWebhook(
      deliveryId: string,
    ): Promise<{ status: 'delivered' | 'already_delivered' | 'skipped' }> {
      const job = await loadDelivery(deps.db, deliveryId);
      if (!job) return { status: 'skipped' }; // subscription deleted: its deliveries went with it
      if (job.status === 'delivered') return { status: 'already_delivered' };
      if (!job.active) {
        await markDeliverySkipped(deps.db, deliveryId, 'webhook inactive');
        return { status: 'skipped' };
      }
      const body = JSON.stringify(job.payload);
      let response: Response;
      try {
        response = await doFetch(job.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Ori-Webhooks/1',
            [SIGNATURE_HEADER]: signWebhookBody(job.secret, body),
            [EVENT_HEADER]: job.event,
            [DELIVERY_HEADER]: job.id,
          },
          body,
          signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
          redirect: 'manual',
        });
      } catch (err) {
        const message = `POST ${job.url} failed: ${(err as Error).message}`;
        await recordDeliveryAttempt(deps.db, deliveryId, { delivered: false, error: message });
        throw new WebhookDeliveryError(message, null);
      }
      // The body is not needed; reading it frees the connection.
      await response.arrayBuffer().catch(() => undefined);
      if (response.status < 200 || response.status > 299) {
        const message = `POST ${job.url} answered ${response.status}`;
        await recordDeliveryAttempt(deps.db, deliveryId, { delivered: false, error: message });
        throw new WebhookDeliveryError(message, response.status);
      }
      await recordDeliveryAttempt(deps.db, deliveryId, { delivered: true, at: now() });
      return { status: 'delivered' };
    },
  };
}

export type WebhookActivities = ReturnType<typeof createWebhookActivities>;
