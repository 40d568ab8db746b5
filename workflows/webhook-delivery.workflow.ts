import { proxyActivities } from '@temporalio/workflow';
import type { WebhookActivities } from '../activities/webhook.activity';

/**
 * One webhook delivery, retried with backoff until the receiver takes it (or a day has passed). It runs on
 * its own task queue, so a slow or failing receiver never takes a worker slot from the dialler.
 */
const { deliverWebhook } = proxyActivities<WebhookActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 minutes' },
});

export async function webhookDelivery(deliveryId: string): Promise<string> {
  const { status } = await deliverWebhook(deliveryId);
  return status;
}
