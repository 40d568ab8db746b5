// Campaign lifecycle actions, shared by the list and the detail page: which status shows which button,
// the confirmation texts (docs/rules.md "Operating a campaign"), and the API call.
import { api } from './api.js';
import { canDelete } from './format.js';

const preparedRunNo = (c) => c.prepared_restart?.run_no ?? c.run_no;

export const ACTIONS = {
  start: { label: 'Start', kind: 'primary', when: (c) => c.status === 'draft', done: 'Campaign started' },
  resume: { label: 'Resume', kind: 'primary', when: (c) => c.status === 'paused', done: 'Campaign resumed' },
  pause: { label: 'Pause', kind: 'warn', when: (c) => c.status === 'running', done: 'Campaign paused' },
  stop: {
    label: 'Stop',
    kind: 'danger',
    when: (c) => c.status === 'running' || c.status === 'paused',
    confirm: () =>
      'Stop this campaign? This ends the current run and marks it completed. It cannot be undone for this run; you can only restart into a new run.',
    done: 'Campaign stopped',
  },
  restart: {
    label: 'Restart',
    kind: 'secondary',
    when: (c) => c.status === 'completed' || c.status === 'failed',
    confirm: () =>
      'Prepare this campaign for a new run? This resets call attempts and returns it to draft. It will not start dialling until you press Start.',
    done: 'Restart prepared: review the settings, then press Start',
  },
  'cancel-restart': {
    label: 'Cancel Restart',
    kind: 'secondary',
    when: (c) => Boolean(c.prepared_restart),
    confirm: (c) => `Cancel the prepared Run #${preparedRunNo(c)} and restore the previous completed run?`,
    done: 'Prepared run cancelled',
  },
  clone: { label: 'Clone', kind: 'secondary', when: () => true, done: 'Campaign cloned' },
  delete: {
    label: 'Delete',
    kind: 'danger',
    when: canDelete,
    confirm: () =>
      'Delete this campaign permanently? This removes the draft and every contact uploaded to it.',
    done: 'Campaign deleted',
  },
};

/** Run an action after its confirmation. Answers null when the operator cancelled. */
export async function perform(campaign, name) {
  const action = ACTIONS[name];
  if (action.confirm && !confirm(action.confirm(campaign))) return null;
  const path = `/campaigns/${encodeURIComponent(campaign.id)}`;
  if (name === 'delete') {
    await api.del(path);
    return { deleted: true };
  }
  return (await api.post(`${path}/${name}`)) ?? {};
}
