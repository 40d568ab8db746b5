// The workflow bundle's entry: every workflow type the dialler runs.
export { campaignRun } from './campaign-run.workflow';
export { contact } from './contact.workflow';
export { handOffBatch } from './handoff-batch.workflow';
export { webhookDelivery } from './webhook-delivery.workflow';
