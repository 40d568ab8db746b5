import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import { isDatabaseUnavailable, type Db } from '../db/connection';
import { drainLeadChanges, staleUndeliveredIds } from '../db/repositories/lead-outbox.repository';
import { webhookDeliveryWorkflowId } from '../workflows/messages';
import { createLogger, type Logger } from '../observability/log';

/**
 * Turns contact state changes into webhook deliveries: drains the outbox the `contacts` trigger fills and
 * starts one `webhookDelivery` workflow per delivery (its id is the delivery's, so a start is idempotent).
 * Deliveries whose start was lost are picked up again after a minute. Runs beside the worker.
 */
export class WebhookDispatcher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private lastRecovery = 0;
  private away = false;

  private readonly log: Logger;

  constructor(
    private readonly deps: { db: Db; client: Client; taskQueue: string; intervalMs?: number; log?: Logger },
  ) {
    this.log = deps.log ?? createLogger({ level: 'info', base: { component: 'webhook-dispatcher' } });
  }

  start(): void {
    const tick = (): void => {
      this.running = this.once()
        .then(() => {
          if (this.away) this.log.info('webhook dispatcher: the database is back');
          this.away = false;
        })
        .catch((err: unknown) => {
          // Postgres restarting is said once, not twice a second; the next tick simply tries again.
          if (!isDatabaseUnavailable(err))
            this.log.error('webhook dispatcher failed a round', { error: err });
          else if (!this.away) this.log.warn('webhook dispatcher: the database is away; retrying');
          this.away ||= isDatabaseUnavailable(err);
        })
        .finally(() => {
          if (this.timer !== null) this.timer = setTimeout(tick, this.deps.intervalMs ?? 500);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One pass: drain the outbox (in batches) and start the deliveries. */
  async once(): Promise<number> {
    let started = 0;
    for (;;) {
      const ids = await drainLeadChanges(this.deps.db);
      if (ids.length === 0) break;
      await this.startDeliveries(ids);
      started += ids.length;
    }
    if (Date.now() - this.lastRecovery > 30_000) {
      this.lastRecovery = Date.now();
      await this.startDeliveries(await staleUndeliveredIds(this.deps.db, new Date(Date.now() - 60_000)));
    }
    return started;
  }

  private async startDeliveries(ids: string[]): Promise<void> {
    await Promise.all(
      ids.map(async (id) => {
        try {
          await this.deps.client.workflow.start('webhookDelivery', {
            taskQueue: this.deps.taskQueue,
            workflowId: webhookDeliveryWorkflowId(id),
            args: [id],
            workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          });
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        }
      }),
    );
  }
}
