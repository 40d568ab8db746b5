// The call list: contacts with state, attempts and the attempt trail (SIP reason in each attempt's
// tooltip), filtered by state and callback, paged. Rows are keyed by contact id and patched in place on
// every refresh, so a selection or the tooltip under the pointer survives the 3 s poll.
import { api } from '../../api.js';
import { h, patchInto } from '../../dom.js';
import { CONTACT_STATES, SIP_LABEL, contactStateBadge, fmtInt, fmtTime, fmtClock } from '../../format.js';

const PER_PAGE = 50;
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

/** base: the campaign's API path; onError(err): show a failed filter or page load. */
export function callListPart({ base, onError }) {
  const filters = { state: '', callback: '', page: 1 };
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
      { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: 'state-filter' }, 'Status filter'), stateSelect),
    ),
    callbackBar,
    tableWrap,
    h('div', { class: 'pager' }, prevBtn, pageInfo, nextBtn),
  );

  async function load() {
    const q = new URLSearchParams({ page: String(filters.page), per_page: String(PER_PAGE) });
    if (filters.state) q.set('state', filters.state);
    if (filters.callback) q.set('callback', filters.callback);
    contacts = await api.get(`${base}/contacts?${q}`);
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
                ['Phone', 'Status', 'Attempts', 'Attempt Trail', 'Last Result', 'Variables'].map((t) =>
                  h('th', { scope: 'col' }, t),
                ),
              ),
            ),
            h('tbody', {}, items.map(contactRow)),
          )
        : h(
            'p',
            { class: 'muted' },
            filters.state || filters.callback ? 'No contacts match this filter.' : 'No contacts yet.',
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
    return h(
      'tr',
      { dataset: { id: c.id, key: c.id } },
      h(
        'td',
        {},
        h('span', { class: 'phone' }, c.phone),
        (c.phones?.length ?? 0) > 1 ? h('span', { class: 'hint block' }, `${c.phones.length} numbers`) : null,
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
        ),
      ),
      h('td', {}, `${c.attempts ?? 0}/${c.max_attempts ?? campaign.config?.max_attempts ?? '?'}`),
      h('td', {}, trail(c.attempt_trail ?? [])),
      h('td', {}, c.last_result ?? '--'),
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
    return h(
      'ol',
      { class: 'trail' },
      attempts.map((a) => {
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
          h('span', { class: 'att-meta' }, `${fmtClock(a.at)} · ${shortAttempt}`),
        );
      }),
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
