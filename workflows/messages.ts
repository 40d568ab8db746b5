import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ContactView, RunStatusView } from '../policy/explain';

/**
 * Every message the workflows accept, in one module the API's engine client imports too.
 * Workflow ids are derived here so an engineer can find any run or contact from the ids in Postgres.
 */

export const campaignRunWorkflowId = (campaignId: string, runNo: number): string =>
  `campaign-${campaignId}-run-${runNo}`;
export const contactWorkflowId = (campaignId: string, runNo: number, contactId: string): string =>
  `contact-${campaignId}-run-${runNo}-${contactId}`;
export const webhookDeliveryWorkflowId = (deliveryId: string): string => `webhook-${deliveryId}`;
/** One admission round's hand-off batch: the run's execution and the batch's number in it. */
export const handOffBatchWorkflowId = (
  campaignId: string,
  runNo: number,
  runId: string,
  seq: number,
): string => `handoff-${campaignId}-run-${runNo}-${runId}-${seq}`;

/**
 * Campaign runs poll their own task queue beside the dialler's: a run's workflow tasks and its admission
 * long poll never wait in line behind hundreds of contacts' tasks, so admission keeps pace under load.
 */
export const runTaskQueue = (taskQueue: string): string => `${taskQueue}-runs`;

/** The webhook deliveries' own task queue, beside the dialler's: a slow receiver never takes a dial's slot. */
export const webhookTaskQueue = (taskQueue: string): string => `${taskQueue}-webhooks`;

export interface ControlArgs {
  actor: string;
}
export interface ControlResult {
  state: 'running' | 'paused' | 'stopping';
}

/** Controls arrive as Updates so the API can answer the operator with the run's own answer. */
export const pauseUpdate = defineUpdate<ControlResult, [ControlArgs]>('pause');
export const resumeUpdate = defineUpdate<ControlResult, [ControlArgs]>('resume');
export const stopUpdate = defineUpdate<ControlResult, [ControlArgs]>('stop');
export const configChangedUpdate = defineUpdate<ControlResult, []>('configChanged');

/** Coalesced "look again": contacts added, excluded or re-added. Never per dial. */
export const wakeSignal = defineSignal<[]>('wake');

/**
 * The hand-off: an attempt admission leased to a contact — who to dial, from which number, on which gateway,
 * not before when. The payload of the contact's start and of its `admit` signal.
 */
export interface Handoff {
  attemptId: string;
  attemptNo: number;
  contactId: string;
  phone: string;
  phoneIndex: number;
  /** Every number of the contact (E.164), for its workflow's `Phone` search attribute; absent in old hand-offs. */
  phones?: string[];
  pass: number;
  fromNumber: string;
  numberId: string;
  gateway: string;
  dialNotBefore: string;
  /**
   * Hint: no workflow exists for this contact in this run yet, so the parent starts one (else it wakes the
   * existing one). Either way the parent falls back to the other when Temporal says otherwise.
   */
  startWorkflow: boolean;
}

/** Parent → contact: an attempt was leased for this contact (its dial claims the seat). */
export const admitSignal = defineSignal<[Handoff]>('admit');
/**
 * API → contact: the bot platform's post-call result for one of its attempts was stored. It names what it
 * carries so the history shows it; the contact reads the stored result from Postgres either way.
 */
export interface PostCallResult {
  attemptId: string;
  disposition?: string;
  callbackAt?: string | null;
}
export const resultSignal = defineSignal<[PostCallResult]>('result');

/** The contact's current view: state, attempts, last outcome, next due time, what it waits for. */
export const contactStateQuery = defineQuery<ContactView>('state');
/** The run's current view: status and why, what it waits for. */
export const runStateQuery = defineQuery<RunStatusView>('state');

export interface CampaignRunInput {
  campaignId: string;
  runNo: number;
  /** The task queue of the contact workflows (and their dial activities); default: the run's own. */
  contactTaskQueue?: string;
  /** Carried over continue-as-new. */
  carried?: { windowSeen: boolean; childrenStarted: number };
  /** When to continue-as-new; defaults suit production, tests lower them to see it happen. */
  limits?: { maxHistoryEvents?: number; maxChildrenPerRun?: number; maxContactsHandingOff?: number };
}

export interface HandOffBatchInput {
  campaignId: string;
  runNo: number;
  /** The contacts' task queue; default: the batch's own (the run's). */
  contactTaskQueue?: string;
  handoffs: Handoff[];
}

export interface ContactInput {
  campaignId: string;
  runNo: number;
  contactId: string;
  handoff: Handoff;
}
