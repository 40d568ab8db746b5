// The action bar: Edit, the lifecycle actions the status allows, Add contacts (CSV) beside Pause, the
// activity log and the attempt report download.
import { h, patchInto } from '../../dom.js';
import { ACTIONS } from '../../actions.js';
import { canEdit } from '../../format.js';

const BAR_ACTIONS = ['start', 'cancel-restart', 'resume', 'pause', 'stop', 'restart', 'clone', 'delete'];

/**
 * on.act(name): run a lifecycle action; on.addContacts(): pick a CSV; on.openActivity(); on.downloadReport().
 * `reportLabel` is the download button's text while it streams ("Downloading N rows · X MB").
 */
export function actionBarPart(on) {
  const el = h('div', { class: 'actions bar', role: 'group', 'aria-label': 'Campaign actions' });

  function update({ campaign: c, activity, downloading, reportLabel }) {
    const buttons = [];
    if (canEdit(c)) buttons.push(h('a', { class: 'btn', href: `/dashboard/campaigns/${c.id}/edit` }, 'Edit'));
    for (const name of BAR_ACTIONS) {
      if (!ACTIONS[name].when(c)) continue;
      buttons.push(
        h(
          'button',
          {
            type: 'button',
            class: `btn btn-${ACTIONS[name].kind}`,
            dataset: { key: name },
            onclick: () => on.act(name),
          },
          ACTIONS[name].label,
        ),
      );
      // Add contacts sits next to Pause: both only on running.
      if (name === 'pause')
        buttons.push(
          h(
            'button',
            { type: 'button', class: 'btn', dataset: { key: 'add-contacts' }, onclick: on.addContacts },
            'Add contacts (CSV)',
          ),
        );
    }
    if (activity.length)
      buttons.push(
        h(
          'button',
          { type: 'button', class: 'btn', dataset: { key: 'activity' }, onclick: on.openActivity },
          `Activity (${activity.length})`,
        ),
      );
    buttons.push(
      h(
        'button',
        {
          type: 'button',
          class: 'btn',
          dataset: { key: 'report' },
          disabled: downloading,
          onclick: on.downloadReport,
        },
        reportLabel ?? (downloading ? 'Preparing…' : 'Attempt Report'),
      ),
    );
    patchInto(el, buttons);
  }

  return { el, update };
}
