import { campaignRunWorkflowId, contactWorkflowId } from '../workflows/messages';

/**
 * Where an engineer opens a run's or a contact's workflow: its id, and its page in the Temporal web UI when
 * the UI's base URL is known (TEMPORAL_UI_URL, or the embedded dev server's UI).
 */
export interface WorkflowLink {
  workflow_id: string;
  workflow_url?: string;
}

export interface WorkflowLinks {
  run(campaignId: string, runNo: number): WorkflowLink;
  contact(campaignId: string, runNo: number, contactId: string): WorkflowLink;
}

/** The Temporal UI's page of one workflow (its latest run): `/namespaces/<ns>/workflows/<id>`. */
export function temporalUiWorkflowUrl(baseUrl: string, namespace: string, workflowId: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

export function workflowLinks(settings: {
  temporalUiUrl: string | undefined;
  temporalNamespace: string;
}): WorkflowLinks {
  const link = (workflowId: string): WorkflowLink =>
    settings.temporalUiUrl
      ? {
          workflow_id: workflowId,
          workflow_url: temporalUiWorkflowUrl(settings.temporalUiUrl, settings.temporalNamespace, workflowId),
        }
      : { workflow_id: workflowId };
  return {
    run: (campaignId, runNo) => link(campaignRunWorkflowId(campaignId, runNo)),
    contact: (campaignId, runNo, contactId) => link(contactWorkflowId(campaignId, runNo, contactId)),
  };
}
