// Campaign list: status badges, always-on badge, counts, per-status actions, New Campaign.
import { api, listOf } from '../api.js';
import { h, clear, errorBox, showError, clearErrors, toast } from '../dom.js';
import { ACTIONS, perform } from '../actions.js';
import { statusBadge, alwaysOnBadge, isAlwaysOn, shortId, fmtInt, fmtTime, canEdit } from '../format.js';

const ROW_ACTIONS = ['start', 'resume', 'pause', 'stop', 'clone', 'delete'];

export function campaignsPage(main, _params, { navigate }) {
  document.title = 'Campaigns · Ori Dialler';
  const box = errorBox();
  const body = h('div', { class: 'card' }, h('p', { class: 'muted' }, 'Loading campaigns…'));
  main.append(
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, 'Campaigns'),
      h('a', { class: 'btn btn-primary', href: '/dashboard/campaigns/new' }, 'New Campaign'),
    ),
    box,
    body,
  );
  let alive = true;

  async function load() {
    try {
      const campaigns = listOf(await api.get('/campaigns'), 'campaigns');
      if (alive) renderTable(campaigns);
    } catch (err) {
      if (alive && err.status !== 401) showError(box, err);
    }
  }

  async function act(c, name) {
    clearErrors(box);
    try {
      const result = await perform(c, name);
      if (!result) return;
      toast(ACTIONS[name].done);
      if (name === 'clone' && result.id) navigate(`/dashboard/campaigns/${result.id}`);
      else await load();
    } catch (err) {
      if (err.status !== 401) showError(box, err);
    }
  }

  function renderTable(campaigns) {
    clear(body);
    if (campaigns.length === 0) {
      body.append(
        h('p', {}, 'No campaigns yet.'),
        h(
          'p',
          { class: 'muted' },
          'First time here? Create a bot, a carrier and an outbound number under ',
          h('a', { href: '/dashboard/setup' }, 'Setup'),
          ', then press New Campaign.',
        ),
      );
      return;
    }
    body.append(
      h(
        'div',
        { class: 'table-wrap campaign-list-wrap' },
        h(
          'table',
          { class: 'table' },
          h('caption', { class: 'sr-only' }, 'Campaigns'),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['Name', 'ID', 'Status', 'Contacts', 'Run', 'Created', 'Actions'].map((t) =>
                h('th', { scope: 'col' }, t),
              ),
            ),
          ),
          h(
            'tbody',
            {},
            campaigns.map((c) =>
              h(
                'tr',
                { dataset: { id: c.id } },
                h('td', {}, h('a', { href: `/dashboard/campaigns/${c.id}` }, c.name)),
                h(
                  'td',
                  { class: 'idcell' },
                  h('code', { title: c.id }, shortId(c)),
                  ' ',
                  h(
                    'button',
                    {
                      type: 'button',
                      class: 'btn btn-small',
                      'aria-label': `Copy the ID of ${c.name}`,
                      onclick: () => void copyId(c.id),
                    },
                    'Copy',
                  ),
                ),
                h(
                  'td',
                  {},
                  h(
                    'span',
                    { class: 'badges' },
                    statusBadge(c.status),
                    isAlwaysOn(c) ? alwaysOnBadge() : null,
                  ),
                ),
                h('td', {}, countsCell(c)),
                h('td', {}, `#${c.run_no ?? 1}`),
                h('td', {}, fmtTime(c.created_at, c.config?.window?.timezone)),
                h(
                  'td',
                  {},
                  h(
                    'div',
                    { class: 'actions' },
                    canEdit(c)
                      ? h(
                          'a',
                          {
                            class: 'btn btn-small',
                            href: `/dashboard/campaigns/${c.id}/edit`,
                            'aria-label': `Edit ${c.name}`,
                          },
                          'Edit',
                        )
                      : null,
                    ROW_ACTIONS.filter((n) => ACTIONS[n].when(c)).map((n) =>
                      h(
                        'button',
                        {
                          type: 'button',
                          class: `btn btn-small btn-${ACTIONS[n].kind}`,
                          'aria-label': `${ACTIONS[n].label} ${c.name}`,
                          onclick: () => act(c, n),
                        },
                        ACTIONS[n].label,
                      ),
                    ),
                  ),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  }

  void load();
  const timer = setInterval(load, 10_000);
  return () => {
    alive = false;
    clearInterval(timer);
  };
}

async function copyId(id) {
  try {
    await navigator.clipboard.writeText(id);
    toast(`Copied ${id}`);
  } catch {
    toast(`Campaign ID: ${id}`);
  }
}

/** Counts arrive as an object ({total, pending, ...}) or a number; show the total and the non-zero rest. */
function countsCell(c) {
  const counts = c.counts ?? c.contact_counts ?? null;
  if (counts && typeof counts === 'object') {
    // The API groups the states as waiting / in flight / final (docs/rules.md "Completing a run"); show those
    // when present, else every number.
    const grouped = ['waiting', 'in_flight', 'final'].filter((k) => typeof counts[k] === 'number');
    const keys = grouped.length ? grouped : Object.keys(counts).filter((k) => k !== 'total');
    const entries = keys.map((k) => [k, counts[k]]).filter(([, v]) => typeof v === 'number' && v > 0);
    const total = counts.total ?? entries.reduce((sum, [, v]) => sum + v, 0);
    return h(
      'span',
      {},
      h('strong', {}, fmtInt(total)),
      entries.length
        ? h(
            'span',
            { class: 'muted small' },
            ` · ${entries.map(([k, v]) => `${fmtInt(v)} ${k.replace(/_/g, ' ')}`).join(' · ')}`,
          )
        : null,
    );
  }
  const n = c.contacts_total ?? c.contact_count ?? c.total_contacts ?? c.contacts;
  return typeof n === 'number' ? fmtInt(n) : '--';
}
