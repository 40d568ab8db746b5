// The call list: contacts with state, attempts and the attempt trail (SIP reason in each attempt's
// tooltip), filtered by state and callback, paged. Rows are keyed by contact id and patched in place on
// every refresh, so a selection or the tooltip under the pointer survives the 3 s poll.
import { api } from '../../api.js';
import { h, patchInto } from '../../dom.js';
import {
  CONTACT_STATES,
  HELD_BY,
  SIP_LABEL,
  contactStateBadge,
  fmtInt,
  fmtTime,
  fmtClock,
} from '../../format.js';
import { phoneSearchField } from './phone-search.js';
import { workflowLink } from './workflow-link.js';

const PER_PAGE = 50;
const TRAIL_SHOWN = 5;
const CALLBACK_FILTERS = [
  ['', 'All calls'],
  ['requested', 'Callbacks requested'],
  ['pending', 'Callbacks pending'],
  ['completed', 'Callbacks completed'],
  ['cancelled', 'Callbacks cancelled'],
];
const NO_CALLBACK_STATES = [
  'completed',
  'failed',
  'abandoned',
  'machine',
  'window_closed',
  'manually_stopped',
  'excluded',
];

const OUTCOMES = ['completed', 'abandoned', 'machine', 'no_answer', 'rejected', 'rnr', 'error', 'timeout'];
const SORTS = [
  ['', 'Upload order'],
  ['recent', 'Latest attempt first'],
  ['next_due', 'Next due first'],
  ['attempts', 'Most dials first'],
  ['name', 'Name'],
];

/**
 * base: the campaign's API path; onError(err): show a failed filter or page load; onOpen(contact): the
 * operator picked a row (the contact drawer).
 */
export function callListPart({ base, onError, onOpen }) {
  const filters = { state: '', callback: '', outcome: '', disposition: '', phone: '', sort: '', page: 1 };
  let campaign = null;
  let contacts = null;

  const stateSelect = h(
    'select',
    {
      id: 'state-filter',
      onchange: () => {
        filters.state = stateSelect.value;
        filters.page = 1;
        void reload();
      },
    },
    h('option', { value: '' }, 'All states'),
    CONTACT_STATES.map((s) => h('option', { value: s }, s)),
  );
  const outcomeSelect = h(
    'select',
    {
      id: 'outcome-filter',
      onchange: () => {
        filters.outcome = outcomeSelect.value;
        filters.page = 1;
        void reload();
      },
    },
    h('option', { value: '' }, 'All outcomes'),
    OUTCOMES.map((o) => h('option', { value: o }, o)),
  );
  const dispositionInput = h('input', {
    id: 'disposition-filter',
    type: 'search',
    placeholder: 'e.g. INTERESTED',
    onchange: () => {
      filters.disposition = dispositionInput.value.trim();
      filters.page = 1;
      void reload();
    },
  });
  const sortSelect = h(
    'select',
    {
      id: 'sort-order',
      onchange: () => {
        filters.sort = sortSelect.value;
        filters.page = 1;
        void reload();
      },
    },
    SORTS.map(([value, label]) => h('option', { value }, label)),
  );
  const phoneSearch = phoneSearchField({
    onSearch: (text) => {
      filters.phone = text;
      filters.page = 1;
      void reload();
    },
  });
  const callbackBar = h('div', { class: 'filters', role: 'group', 'aria-label': 'Callback filter' });
  const tableWrap = h('div', { class: 'table-wrap' });
  const pageInfo = h('p', { class: 'muted', 'aria-live': 'polite' });
  const prevBtn = h(
    'button',
    { type: 'button', class: 'btn btn-small', onclick: () => turn(-1) },
    'Previous page',
  );
  const nextBtn = h(
    'button',
    { type: 'button', class: 'btn btn-small', onclick: () => turn(1) },
    'Next page',
  );
  const el = h(
    'section',
    { class: 'card', 'aria-labelledby': 'calls-title' },
    h('h2', { id: 'calls-title' }, 'Calls'),
    h(
      'div',
      { class: 'filters-row' },
      h('div', { class: 'field' }, h('label', { for: 'state-filter' }, 'Status filter'), stateSelect),
      h('div', { class: 'field' }, h('label', { for: 'outcome-filter' }, 'Outcome'), outcomeSelect),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'disposition-filter' }, 'Disposition'),
        dispositionInput,
      ),
      h('div', { class: 'field' }, h('label', { for: 'sort-order' }, 'Sort by'), sortSelect),
      phoneSearch.el,
    ),
    callbackBar,
    tableWrap,
    h('div', { class: 'pager' }, prevBtn, pageInfo, nextBtn),
  );

  // Only the latest request's answer is shown: a poll sent before a filter changed may be answered after
  // the filtered request, and would bring back the rows the operator just filtered out.
  let loadSeq = 0;
  async function load() {
    const seq = ++loadSeq;
    const q = new URLSearchParams({ page: String(filters.page), per_page: String(PER_PAGE) });
    if (filters.state) q.set('state', filters.state);
    if (filters.callback) q.set('callback', filters.callback);
    if (filters.outcome) q.set('outcome', filters.outcome);
    if (filters.disposition) q.set('disposition', filters.disposition);
    if (filters.sort) q.set('sort', filters.sort);
    if (filters.phone) q.set('phone', filters.phone);
    const answer = await api.get(`${base}/contacts?${q}`);
    if (seq === loadSeq) contacts = answer;
  }

  async function reload() {
    try {
      await load();
      render();
    } catch (err) {
      if (err.status !== 401) onError(err);
    }
  }

  function turn(delta) {
    filters.page = Math.max(1, filters.page + delta);
    void reload();
  }

  function render() {
    if (!campaign) return;
    patchInto(
      callbackBar,
      campaign.config?.callback_detection
        ? CALLBACK_FILTERS.map(([value, label]) =>
            h(
              'button',
              {
                type: 'button',
                class: 'btn btn-small chip',
                'aria-pressed': String(filters.callback === value),
                dataset: { key: value || 'all' },
                onclick: () => {
                  filters.callback = value;
                  filters.page = 1;
                  void reload();
                },
              },
              label,
            ),
          )
        : [],
    );
    const items = contacts?.items ?? [];
    const total = contacts?.total ?? items.length;
    const page = contacts?.page ?? filters.page;
    const per = contacts?.per_page ?? PER_PAGE;
    const pages = Math.max(1, Math.ceil(total / per));
    patchInto(
      tableWrap,
      items.length
        ? h(
            'table',
            { class: 'table calls' },
            h('caption', { class: 'sr-only' }, 'Call list'),
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                [
                  'Contact',
                  'Status',
                  'Attempts',
                  'Attempt Trail',
                  'Last Result',
                  'Next Due',
                  'Variables',
                ].map((t) => h('th', { scope: 'col' }, t)),
              ),
            ),
            h('tbody', {}, items.map(contactRow)),
          )
        : h(
            'p',
            { class: 'muted' },
            filters.state || filters.callback || filters.outcome || filters.disposition || filters.phone
              ? 'No contacts match this filter.'
              : 'No contacts yet.',
          ),
    );
    pageInfo.textContent = total
      ? `Showing ${fmtInt((page - 1) * per + 1)}–${fmtInt(Math.min(page * per, total))} of ${fmtInt(total)} · page ${page} of ${pages}`
      : '';
    prevBtn.disabled = page <= 1;
    nextBtn.disabled = page >= pages;
  }

  function contactRow(c) {
    const callback = c.callback_at && !NO_CALLBACK_STATES.includes(c.state);
    const vars = Object.entries(c.metadata ?? {});
    const tz = campaign.config?.window?.timezone;
    const phones = c.phones ?? [c.phone];
    const several = phones.length > 1;
    const trying = phones[c.phone_index ?? 0] ?? c.phone;
    const used = c.attempts_used ?? c.attempts ?? 0;
    return h(
      'tr',
      {
        dataset: { id: c.id, key: c.id },
        tabindex: '0',
        'aria-label': `${c.name ? `${c.name}, ` : ''}${c.phone}`,
        onclick: (e) => {
          // Selecting text in a row is reading it, not opening it.
          if (String(window.getSelection?.() ?? '') === '') onOpen(c);
          e.stopPropagation();
        },
        onkeydown: (e) => {
          if (e.key === 'Enter') onOpen(c);
        },
      },
      h(
        'td',
        {},
        c.name ? h('span', { class: 'contact-name' }, c.name) : null,
        h('span', { class: 'phone' }, several ? trying : c.phone),
        several
          ? h(
              'span',
              { class: 'hint block' },
              `Phone ${(c.phone_index ?? 0) + 1} of ${phones.length} · Pass ${c.pass ?? 1}`,
            )
          : null,
        // With recipient hours on, the contact's own clock decides when it is dialled.
        campaign.config?.recipient_hours && c.timezone
          ? h(
              'span',
              { class: 'hint block', dataset: { part: 'local-clock' } },
              `${c.local_time} · ${c.timezone}`,
            )
          : null,
        workflowLink(c),
      ),
      h(
        'td',
        {},
        h(
          'span',
          { class: 'badges' },
          contactStateBadge(c.state),
          callback
            ? h(
                'span',
                { class: 'badge badge-callback', title: `Callback at ${fmtTime(c.callback_at)}` },
                'Callback',
              )
            : null,
          HELD_BY[c.held_by]
            ? h(
                'span',
                { class: 'badge badge-held', title: `Ready again ${fmtTime(c.next_due_at, tz)}` },
                HELD_BY[c.held_by].badge,
              )
            : null,
        ),
      ),
      // Callbacks do not count against max_attempts (they keep their pass): shown apart, never "6/3".
      h(
        'td',
        { class: 'attempts' },
        `${used}/${c.max_attempts ?? campaign.config?.max_attempts ?? '?'}`,
        c.callback_dials
          ? h(
              'span',
              { class: 'hint block' },
              `+${c.callback_dials} callback${c.callback_dials > 1 ? 's' : ''}`,
            )
          : null,
      ),
      h('td', {}, trail(c.attempt_trail ?? [])),
      h(
        'td',
        {},
        c.last_result ?? '--',
        c.last_disposition ? h('span', { class: 'att-dispo block' }, c.last_disposition) : null,
      ),
      h('td', { class: 'next-due' }, nextDue(c, tz)),
      h(
        'td',
        {},
        vars.length
          ? h(
              'ul',
              { class: 'vars' },
              vars.map(([k, v]) => h('li', {}, h('span', { class: 'muted' }, `${k}: `), String(v))),
            )
          : '--',
      ),
    );
  }

  function trail(attempts) {
    if (!attempts.length) return h('span', { class: 'muted' }, '--');
    // The latest few keep a row's height steady while a contact is dialled again and again (the rows
    // below do not jump under the pointer); the contact drawer has every attempt.
    const earlier = Math.max(0, attempts.length - TRAIL_SHOWN);
    return h(
      'ol',
      { class: 'trail' },
      earlier
        ? h('li', { class: 'attempt earlier muted', dataset: { key: 'earlier' } }, `${earlier} earlier…`)
        : null,
      attempts.slice(earlier).map((a) => {
        const friendly = a.sip_code != null ? SIP_LABEL[a.sip_code] : null;
        const sip = friendly ?? (a.sip_code != null ? `SIP ${a.sip_code}` : null);
        const shortAttempt = String(a.attempt_id ?? '').slice(-8);
        return h(
          'li',
          {
            class: `attempt outcome-${a.outcome ?? 'pending'}`,
            dataset: { key: String(a.attempt_id ?? a.attempt_no) },
            title: [
              `Attempt ${a.attempt_no}`,
              a.outcome,
              a.disposition,
              a.sip_code != null ? `SIP ${a.sip_code}` : null,
              fmtTime(a.at),
              a.attempt_id,
            ]
              .filter(Boolean)
              .join(' · '),
          },
          h('span', { class: 'att-no' }, `#${a.attempt_no}`),
          ' ',
          h('span', { class: 'att-outcome' }, a.outcome ?? 'in flight'),
          sip ? h('span', { class: 'att-sip' }, ` · ${sip}`) : null,
          a.disposition ? h('span', { class: 'att-dispo' }, ` · ${a.disposition}`) : null,
          a.is_callback ? h('span', { class: 'att-cb' }, ' · callback') : null,
          h('span', { class: 'att-meta' }, `${fmtClock(a.at)} · ${shortAttempt}`),
        );
      }),
    );
  }

  function nextDue(c, tz) {
    const due = c.state === 'callback_scheduled' ? (c.callback_at ?? c.next_due_at) : c.next_due_at;
    if (!due || !['pending', 'retry_scheduled', 'callback_scheduled'].includes(c.state))
      return h('span', { class: 'muted' }, '--');
    return h(
      'span',
      {},
      h('span', { class: 'hint block' }, c.state === 'callback_scheduled' ? 'Callback due' : 'Retry due'),
      fmtTime(due, tz),
    );
  }

  /** A new campaign answer (status, callback detection): re-render with the contacts held. */
  function update({ campaign: c }) {
    campaign = c;
    render();
  }

  /** Fetch the current page again and patch the rows. Throws what the API answered. */
  async function refresh() {
    await load();
    render();
  }

  return { el, update, refresh };
}
