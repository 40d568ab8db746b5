import {
  getExternalWorkflowHandle,
  ParentClosePolicy,
  startChild,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { contact } from './contact.workflow';
import {
  AttemptsKey,
  CampaignIdKey,
  ContactIdKey,
  ContactStateKey,
  PhoneKey,
  RunNoKey,
} from './search-attributes';
import { admitSignal, contactWorkflowId, type HandOffBatchInput, type Handoff } from './messages';

/**
 * A short-lived hand-off: starts (or wakes) the contact workflows of one admission round and completes
 * once each has started or been signalled. The run starts one of these per round instead of every contact
 * itself, so its history grows by a few events per round instead of per contact, the contacts' completions
 * land on a closed batch rather than on the run, and a continue-as-new waits for a batch's start, not for
 * hundreds of contacts' (BENCHMARKS.md). Each contact is still a workflow of its own whose history tells
 * its story; its parent is the batch, whose parent is the run.
 */
export async function handOffBatch(input: HandOffBatchInput): Promise<number> {
  await handOffContacts(input, input.handoffs);
  return input.handoffs.length;
}

/**
 * Start each contact's workflow, or signal the one that waits for admission. Used by the batch, and by runs
 * that started before batches (`handoff-batches` patch), whose histories replay these same commands.
 */
export async function handOffContacts(
  run: { campaignId: string; runNo: number; contactTaskQueue?: string },
  handoffs: Handoff[],
  onStart: () => void = () => undefined,
): Promise<void> {
  const { campaignId, runNo } = run;
  await Promise.all(
    handoffs.map(async (h) => {
      const workflowId = contactWorkflowId(campaignId, runNo, h.contactId);
      const start = async (): Promise<boolean> => {
        onStart();
        try {
          await startChild(contact, {
            workflowId,
            ...(run.contactTaskQueue ? { taskQueue: run.contactTaskQueue } : {}),
            args: [{ campaignId, runNo, contactId: h.contactId, handoff: h }],
            // Found by campaign and phone from its first moment (`temporal workflow list --query`).
            typedSearchAttributes: [
              { key: CampaignIdKey, value: campaignId },
              { key: RunNoKey, value: runNo },
              { key: ContactIdKey, value: h.contactId },
              { key: PhoneKey, value: h.phones ?? [h.phone] },
              { key: ContactStateKey, value: 'dialling' },
              { key: AttemptsKey, value: h.attemptNo - 1 },
            ],
            // A contact outlives its parent (a run's continue-as-new, a batch that completed).
            parentClosePolicy: ParentClosePolicy.ABANDON,
            workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
          });
          return true;
        } catch (err) {
          if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
          throw err;
        }
      };
      const wake = async (): Promise<boolean> => {
        try {
          await getExternalWorkflowHandle(workflowId).signal(admitSignal, h);
          return true;
        } catch {
          return false;
        }
      };
      // The hint says which is likely; the other is the fallback (a re-added contact, a re-hand-off).
      if (h.startWorkflow) {
        if (!(await start())) await wake();
      } else if (!(await wake())) {
        await start();
      }
    }),
  );
}
