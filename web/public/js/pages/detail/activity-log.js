// The activity log modal: who did what to the campaign, and when.
import { h, patchInto } from '../../dom.js';
import { fmtTime } from '../../format.js';

export function activityLogPart() {
  const el = h('dialog', { class: 'modal', 'aria-labelledby': 'activity-title' });

  function open(activity) {
    patchInto(
      el,
      h(
        'div',
        { class: 'modal-head' },
        h('h2', { id: 'activity-title' }, 'Activity Log'),
        h(
          'button',
          { type: 'button', class: 'btn btn-small', 'aria-label': 'Close', onclick: () => el.close() },
          '×',
        ),
      ),
      h(
        'table',
        { class: 'table compact' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Action', 'By', 'When', 'Run'].map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        h(
          'tbody',
          {},
          activity.map((a) =>
            h(
              'tr',
              {},
              h('td', {}, a.action),
              h('td', {}, a.actor ?? '--'),
              h('td', {}, fmtTime(a.at)),
              h('td', {}, `#${a.run_no ?? '?'}`),
            ),
          ),
        ),
      ),
    );
    el.showModal();
  }

  function close() {
    if (el.open) el.close();
  }

  return { el, open, close };
}
