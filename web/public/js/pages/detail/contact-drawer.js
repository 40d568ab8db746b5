// The contact drawer: one contact's whole story — every attempt of the run with the number dialled, SIP
// code, ring and talk time, outcome, disposition and summary, and what the dialler decided after it.
import { api } from '../../api.js';
import { h, patchInto } from '../../dom.js';
import { HELD_BY, SIP_LABEL, contactStateBadge, fmtNum, fmtTime } from '../../format.js';

const DECISION = {
  in_flight: () => 'Call in progress',
  callback: () => 'The customer asked for a callback: dialled again as asked',
  next_phone: () => "Tried the contact's next number in the same pass",
  retry: () => 'Retried in the next pass',
  waiting_callback: (d, tz) => `Callback due ${fmtTime(d.due_at, tz)}`,
  waiting_retry: (d, tz) => (d.due_at ? `Retry due ${fmtTime(d.due_at, tz)}` : 'Waiting for its next dial'),
  final: (d) => `Final: ${d.final_state}`,
};

/** base: the campaign's API path; onError(err) when the story cannot be loaded. */
export function contactDrawerPart({ base, onError }) {
  const el = h('dialog', { class: 'drawer', 'aria-labelledby': 'drawer-title' });

  async function open(contact, campaign) {
    const tz = campaign?.config?.window?.timezone;
    render({ contact, attempts: null }, tz);
    if (!el.open) el.showModal();
    try {
      const story = await api.get(`${base}/contacts/${encodeURIComponent(contact.id)}`);
      render(story, tz);
    } catch (err) {
      if (err.status !== 401) onError(err);
      close();
    }
  }

  function render({ contact: c, attempts }, tz) {
    patchInto(
      el,
      h(
        'div',
        { class: 'modal-head' },
        h('h2', { id: 'drawer-title' }, c.name ? `${c.name} · ${c.phone}` : c.phone),
        h('button', { type: 'button', class: 'btn btn-small', 'aria-label': 'Close', onclick: close }, '×'),
      ),
      h(
        'p',
        {},
        contactStateBadge(c.state),
        ` ${c.attempts_used ?? c.attempts}/${c.max_attempts} attempts`,
        c.callback_dials ? ` · ${c.callback_dials} callback dial${c.callback_dials > 1 ? 's' : ''}` : '',
        (c.phones?.length ?? 0) > 1 ? ` · numbers: ${c.phones.join(', ')}` : '',
      ),
      c.timezone
        ? h(
            'p',
            { class: 'muted', dataset: { part: 'local-clock' } },
            `Local time ${c.local_time} · ${c.timezone}`,
          )
        : null,
      c.held_by
        ? h(
            'p',
            { class: 'held', dataset: { part: 'held' } },
            HELD_BY[c.held_by]
              ? `${HELD_BY[c.held_by].reason}: ready again ${fmtTime(c.next_due_at, tz)}`
              : `Held: ${c.held_by}`,
          )
        : null,
      attempts === null
        ? h('p', { class: 'muted' }, 'Loading…')
        : attempts.length === 0
          ? h('p', { class: 'muted' }, 'Not dialled yet.')
          : h(
              'ol',
              { class: 'story', 'aria-label': 'Attempts' },
              attempts.map((a) =>
                h(
                  'li',
                  { dataset: { key: a.attempt_id } },
                  h(
                    'strong',
                    {},
                    `Attempt ${a.attempt_no}`,
                    a.is_callback ? ' (callback)' : '',
                    ` · Pass ${a.pass} · ${fmtTime(a.started_at, tz)}`,
                  ),
                  h(
                    'dl',
                    {},
                    row('Number dialled', a.phone),
                    row('From', a.from_number ?? '--'),
                    row('Outcome', a.outcome ?? 'in flight'),
                    row(
                      'SIP code',
                      a.sip_code != null
                        ? `${a.sip_code}${SIP_LABEL[a.sip_code] ? ` (${SIP_LABEL[a.sip_code]})` : ''}`
                        : '--',
                    ),
                    row('Ring time', a.ring_s != null ? `${fmtNum(a.ring_s)} s` : '--'),
                    row('Talk time', a.talk_s != null ? `${fmtNum(a.talk_s)} s` : '--'),
                    row('Disposition', a.disposition ?? '--'),
                    a.summary ? row('Summary', a.summary) : null,
                    a.hangup_cause ? row('Hang-up cause', a.hangup_cause) : null,
                  ),
                  h(
                    'p',
                    { class: 'decision' },
                    'Then: ',
                    (DECISION[a.decision?.kind] ?? (() => '--'))(a.decision, tz),
                  ),
                ),
              ),
            ),
    );
  }

  function close() {
    if (el.open) el.close();
  }

  return { el, open, close };
}

function row(label, value) {
  return [h('dt', {}, label), h('dd', {}, value)];
}
