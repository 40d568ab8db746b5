// A run's or a contact's workflow in the Temporal UI: a link when the API knows the UI's address
// (TEMPORAL_UI_URL), else the workflow id to paste into `temporal workflow show`.
import { h } from '../../dom.js';

/** item: an API answer carrying `workflow_id` and maybe `workflow_url`; null when it has no workflow yet. */
export function workflowLink(item, label = 'Workflow') {
  if (!item?.workflow_id) return null;
  if (!item.workflow_url)
    return h('code', { class: 'wf-id', title: 'Temporal workflow id' }, item.workflow_id);
  return h(
    'a',
    {
      class: 'wf-link',
      href: item.workflow_url,
      target: '_blank',
      rel: 'noopener',
      title: `Open ${item.workflow_id} in the Temporal UI`,
      // A link inside a clickable row opens the workflow, not the row's drawer.
      onclick: (e) => e.stopPropagation(),
    },
    label,
  );
}
