// Notices under the action bar: start warnings, how the run completed, who stopped it, a failure, and a
// prepared restart waiting for Start.
import { h, patchInto } from '../../dom.js';
import { COMPLETION_REASON, fmtTime } from '../../format.js';

export function noticesPart(on) {
  const el = h('div', {});

  function update({ campaign: c, activity }) {
    const out = [];
    for (const w of c.warnings ?? [])
      out.push(
        h('p', { class: 'alert alert-warn' }, typeof w === 'string' ? w : (w.message ?? JSON.stringify(w))),
      );
    if (c.status === 'completed' && (c.completion_reason || c.completion_message)) {
      out.push(
        h(
          'p',
          { class: 'alert alert-info', dataset: { reason: c.completion_reason ?? '' } },
          'Completed: ',
          c.completion_message ?? COMPLETION_REASON[c.completion_reason] ?? c.completion_reason,
        ),
      );
    }
    if (c.completion_reason === 'manually_stopped') {
      const stop = activity.find((a) => /stop/i.test(a.action));
      const who = c.stopped_by ?? stop?.actor;
      const when = c.stopped_at ?? stop?.at;
      out.push(
        h(
          'p',
          { class: 'alert alert-yellow' },
          who ? `Manually stopped by ${who}${when ? ` at ${fmtTime(when)}` : ''}.` : 'Manually stopped.',
        ),
      );
    }
    if (c.status === 'failed') {
      out.push(
        h(
          'p',
          { class: 'alert alert-error' },
          'This campaign hit a failure condition. Restart or clone it; escalate if the cause is unclear.',
        ),
      );
    }
    if (c.prepared_restart) {
      const pr = typeof c.prepared_restart === 'object' ? c.prepared_restart : {};
      const restart = activity.find((a) => /restart/i.test(a.action) && !/cancel/i.test(a.action));
      const who = pr.created_by ?? pr.restarted_by ?? pr.actor ?? restart?.actor;
      const when = pr.created_at ?? pr.restarted_at ?? pr.at ?? restart?.at;
      out.push(
        h(
          'div',
          { class: 'alert alert-info prepared' },
          h(
            'p',
            {},
            h('strong', {}, `Run #${pr.run_no ?? c.run_no} is prepared, not started`),
            who ? ` — restarted by ${who}${when ? ` at ${fmtTime(when)}` : ''}.` : '.',
          ),
          h('p', {}, 'Review the editable settings, then press Start.'),
          h(
            'button',
            { type: 'button', class: 'btn btn-small', onclick: () => on.act('cancel-restart') },
            'Cancel Restart',
          ),
        ),
      );
    }
    patchInto(el, out);
  }

  return { el, update };
}
