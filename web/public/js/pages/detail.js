// Campaign detail / monitor (monitor-campaign.txt): header and action bar, notices, live activity polled
// every 3 s, progress, metrics, passes, callbacks, the call list with attempt trails, the config panel,
// the activity log modal, the attempt report download and the Integration tab.
import { api, request } from '../api.js';
import { h, clear, errorBox, showError, clearErrors, toast, fill } from '../dom.js';
import { ACTIONS, perform } from '../actions.js';
import { integrationPanel } from './integration.js';
import {
  CONTACT_STATES,
  COMPLETION_REASON,
  SIP_LABEL,
  statusBadge,
  alwaysOnBadge,
  contactStateBadge,
  isAlwaysOn,
  canEdit,
  shortId,
  fmtInt,
  fmtNum,
  fmtPct,
  fmtTime,
  fmtClock,
  fmtAgo,
  fmtEta,
  fmtBytes,
  fmtDays,
  fmtList,
  secondsSince,
  poolSummary,
  numberLabel,
} from '../format.js';

export const POLL_MS = 3000;
const PER_PAGE = 50;
const BAR_ACTIONS = ['start', 'resume', 'pause', 'stop', 'restart', 'clone', 'delete'];

const ACTIVITY = {
  live: ['Live Activity', 'live'],
  idle: ['Idle — Waiting for retries', 'idle'],
  outside_window: ['Paused — Outside time window', 'outside'],
  paused: ['Paused', 'paused'],
  stopped: ['Stopped', 'stopped'],
};

const CALLBACK_FILTERS = [
  ['', 'All calls'],
  ['requested', 'Callbacks requested'],
  ['pending', 'Callbacks pending'],
  ['completed', 'Callbacks completed'],
  ['cancelled', 'Callbacks cancelled'],
];

export function detailPage(main, { id }, { navigate, flash }) {
  const base = `/campaigns/${encodeURIComponent(id)}`;
  let alive = true;
  let campaign = null;
  let live = null;
  let activity = [];
  let runConfig = null;
  let contacts = null;
  let tab = 'details';
  let downloading = false;
  let reportBtn = null;
  const filters = { state: '', callback: '', page: 1 };

  const box = errorBox();
  const header = h('div', {});
  const actionBar = h('div', { class: 'actions bar', role: 'group', 'aria-label': 'Campaign actions' });
  const actionBox = errorBox();
  const notices = h('div', {});
  const flashBox = h('div', {});
  const tabsEl = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Campaign sections' });
  const details = h('div', {
    role: 'tabpanel',
    id: 'panel-details',
    'aria-labelledby': 'tab-details',
    class: 'stack',
  });
  const integration = h('div', {
    role: 'tabpanel',
    id: 'panel-integration',
    'aria-labelledby': 'tab-integration',
    hidden: true,
  });
  const liveEl = h('div', {});
  const pollNote = h('p', { class: 'hint', role: 'status' });
  const callsEl = h('section', { class: 'card', 'aria-labelledby': 'calls-title' });
  const configEl = h('section', { class: 'card', 'aria-labelledby': 'config-title' });
  const dialog = h('dialog', { class: 'modal', 'aria-labelledby': 'activity-title' });
  const fileInput = h('input', {
    type: 'file',
    accept: '.csv,text/csv',
    class: 'sr-only',
    tabindex: '-1',
    'aria-label': 'CSV file of contacts to add',
    onchange: () => void addContacts(),
  });
  details.append(liveEl, pollNote, callsEl, configEl);
  main.append(
    h('a', { class: 'back', href: '/dashboard/campaigns' }, '← Campaigns'),
    box,
    header,
    actionBar,
    fileInput,
    actionBox,
    notices,
    flashBox,
    tabsEl,
    details,
    integration,
    dialog,
  );
  main.setAttribute('aria-busy', 'true');

  if (flash) renderFlash(flash);

  // ---- data -------------------------------------------------------------------------------------
  async function loadCampaign() {
    campaign = await api.get(base);
    document.title = `${campaign.name} · Ori Dialler`;
  }
  const loadLive = async () => (live = await api.get(`${base}/live`));
  const loadActivity = async () => {
    const a = await api.get(`${base}/activity`);
    activity = Array.isArray(a) ? a : (a?.items ?? []);
  };
  const loadConfig = async () => (runConfig = await api.get(`${base}/config`));
  async function loadContacts() {
    const q = new URLSearchParams({ page: String(filters.page), per_page: String(PER_PAGE) });
    if (filters.state) q.set('state', filters.state);
    if (filters.callback) q.set('callback', filters.callback);
    contacts = await api.get(`${base}/contacts?${q}`);
  }

  async function loadAll() {
    try {
      await loadCampaign();
    } catch (err) {
      main.removeAttribute('aria-busy');
      if (alive && err.status !== 401) showError(box, err);
      return;
    }
    const results = await Promise.allSettled([loadLive(), loadActivity(), loadConfig(), loadContacts()]);
    if (!alive) return;
    const failed = results.find((r) => r.status === 'rejected' && r.reason?.status !== 401);
    if (failed) showError(box, failed.reason);
    main.removeAttribute('aria-busy');
    renderAll();
  }

  async function poll() {
    if (!alive || !campaign) return;
    try {
      await loadLive();
      const statusChanged = live?.status && live.status !== campaign.status;
      if (statusChanged) await Promise.all([loadCampaign(), loadActivity(), loadConfig()]);
      if (statusChanged || campaign.status === 'running' || campaign.status === 'paused')
        await loadContacts();
      if (!alive) return;
      pollNote.textContent = '';
      if (statusChanged) renderAll();
      else {
        renderLive();
        renderContacts();
      }
    } catch (err) {
      if (alive && err.status !== 401)
        pollNote.textContent = `Live data could not be refreshed: ${err.message}`;
    }
  }

  async function refreshAll() {
    await Promise.allSettled([loadCampaign(), loadLive(), loadActivity(), loadConfig(), loadContacts()]);
    if (alive) renderAll();
  }

  // ---- rendering --------------------------------------------------------------------------------
  function renderAll() {
    if (!campaign) return;
    renderHeader();
    renderActions();
    renderNotices();
    renderTabs();
    renderLive();
    renderContacts(true);
    renderConfig();
    fill(integration, integrationPanel(campaign));
  }

  function renderHeader() {
    const cfg = campaign.config ?? {};
    fill(
      header,
      h(
        'div',
        { class: 'page-head' },
        h('h1', {}, campaign.name),
        h(
          'span',
          { class: 'badges' },
          statusBadge(campaign.status),
          isAlwaysOn(campaign) ? alwaysOnBadge() : null,
        ),
      ),
      h(
        'p',
        { class: 'idline' },
        'Campaign ID ',
        h('code', { title: campaign.id }, shortId(campaign)),
        ' ',
        h(
          'button',
          {
            type: 'button',
            class: 'btn btn-small',
            'aria-label': 'Copy campaign ID',
            onclick: async () => {
              try {
                await navigator.clipboard.writeText(campaign.id);
                toast(`Copied ${campaign.id}`);
              } catch {
                toast(`Campaign ID: ${campaign.id}`);
              }
            },
          },
          'Copy',
        ),
      ),
      h(
        'dl',
        { class: 'grid lifecycle' },
        kv('Run', `#${campaign.run_no ?? 1}`),
        kv('Mode', cfg.mode === 'multi_day' ? 'Multi Day' : 'Single Day'),
        kv('Window', cfg.window ? `${cfg.window.start}–${cfg.window.end} ${cfg.window.timezone}` : '--'),
        kv('Created', fmtTime(campaign.created_at)),
        kv('Started', fmtTime(runConfig?.setup?.started_at ?? campaign.started_at)),
      ),
    );
  }

  function renderActions() {
    clear(actionBar);
    const c = campaign;
    if (canEdit(c))
      actionBar.append(h('a', { class: 'btn', href: `/dashboard/campaigns/${c.id}/edit` }, 'Edit'));
    for (const name of BAR_ACTIONS) {
      if (!ACTIONS[name].when(c)) continue;
      actionBar.append(
        h(
          'button',
          { type: 'button', class: `btn btn-${ACTIONS[name].kind}`, onclick: () => void act(name) },
          ACTIONS[name].label,
        ),
      );
      if (name === 'pause') {
        // Add contacts sits next to Pause: both only on running.
        actionBar.append(
          h(
            'button',
            { type: 'button', class: 'btn', onclick: () => fileInput.click() },
            'Add contacts (CSV)',
          ),
        );
      }
    }
    if (activity.length) {
      actionBar.append(
        h('button', { type: 'button', class: 'btn', onclick: openActivity }, `Activity (${activity.length})`),
      );
    }
    reportBtn = h(
      'button',
      { type: 'button', class: 'btn', disabled: downloading, onclick: () => void downloadReport() },
      downloading ? 'Preparing…' : 'Attempt Report',
    );
    actionBar.append(reportBtn);
  }

  function renderNotices() {
    clear(notices);
    const c = campaign;
    for (const w of c.warnings ?? [])
      notices.append(
        h('p', { class: 'alert alert-warn' }, typeof w === 'string' ? w : (w.message ?? JSON.stringify(w))),
      );
    if (c.status === 'completed' && (c.completion_reason || c.completion_message)) {
      notices.append(
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
      notices.append(
        h(
          'p',
          { class: 'alert alert-yellow' },
          who ? `Manually stopped by ${who}${when ? ` at ${fmtTime(when)}` : ''}.` : 'Manually stopped.',
        ),
      );
    }
    if (c.status === 'failed') {
      notices.append(
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
      notices.append(
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
            { type: 'button', class: 'btn btn-small', onclick: () => void act('cancel-restart') },
            'Cancel Restart',
          ),
        ),
      );
    }
  }

  function renderFlash(f) {
    clear(flashBox);
    const u = f.upload;
    if (!u) return;
    const errs = Array.isArray(u.errors) ? u.errors : [];
    flashBox.append(
      h(
        'div',
        { class: `alert ${u.skipped ? 'alert-warn' : 'alert-info'}`, role: 'status' },
        h('p', {}, `Contacts uploaded: ${fmtInt(u.added ?? 0)} added, ${fmtInt(u.skipped ?? 0)} skipped.`),
        errs.length
          ? h(
              'details',
              {},
              h('summary', {}, 'Skipped rows'),
              h(
                'ul',
                {},
                errs.map((e) => h('li', {}, `Row ${e.row}: ${e.reason}`)),
              ),
            )
          : null,
      ),
    );
  }

  function renderTabs() {
    clear(tabsEl);
    for (const [key, label] of [
      ['details', 'Details'],
      ['integration', 'Integration'],
    ]) {
      tabsEl.append(
        h(
          'button',
          {
            type: 'button',
            role: 'tab',
            id: `tab-${key}`,
            'aria-controls': `panel-${key}`,
            'aria-selected': String(tab === key),
            tabindex: tab === key ? '0' : '-1',
            onclick: () => {
              tab = key;
              renderTabs();
            },
            onkeydown: (e) => {
              if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
                tab = tab === 'details' ? 'integration' : 'details';
                renderTabs();
                document.getElementById(`tab-${tab}`)?.focus();
              }
            },
          },
          label,
        ),
      );
    }
    details.hidden = tab !== 'details';
    integration.hidden = tab !== 'integration';
  }

  function renderLive() {
    clear(liveEl);
    const L = live ?? {};
    const status = campaign.status;
    if (status === 'running' || status === 'paused') {
      const [label, tone] = ACTIVITY[L.activity] ?? [L.activity ?? 'Live Activity', 'idle'];
      const idle = L.activity !== 'live';
      const lastAgo = secondsSince(L.last_dial_at);
      liveEl.append(
        h(
          'section',
          { class: `card live tone-${tone}`, 'aria-labelledby': 'live-title' },
          h(
            'h2',
            { id: 'live-title', class: 'live-head', dataset: { activity: L.activity ?? '' } },
            L.activity === 'live' && L.ringing > 0
              ? h('span', { class: 'dot', 'aria-hidden': 'true' })
              : null,
            label,
          ),
          h(
            'dl',
            { class: 'counters' },
            counter('Ringing', fmtInt(L.ringing)),
            counter('In Progress', fmtInt(L.in_progress)),
            counter('Dials/sec', idle ? '--' : fmtNum(L.dials_per_sec, 2)),
            counter('Connected/hr', idle ? '--' : fmtNum(L.connected_per_hr, 0)),
            counter('Avg Ring Time', typeof L.avg_ring_s === 'number' ? `${fmtNum(L.avg_ring_s)}s` : '--'),
            counter('Last Dial', fmtAgo(lastAgo), lastAgo !== null && lastAgo > 30 ? 'stale' : ''),
            counter('Pending', fmtInt(L.pending)),
            counter('Retries Left', fmtInt(L.retries_left)),
          ),
        ),
      );
    }
    liveEl.append(progressCard(L, status), metricsStrip(L), passesCard(L));
    if (campaign.config?.callback_detection) liveEl.append(callbacksCard(L));
  }

  function progressCard(L, status) {
    const p = L.progress ?? {};
    const total = p.total ?? 0;
    const done = p.processed ?? 0;
    const pct = total ? Math.round((done / total) * 1000) / 10 : 0;
    const eta = fmtEta(L.eta_s);
    const finished = status === 'completed' || status === 'failed';
    const meta = finished
      ? [
          `Dials/sec ${fmtNum(L.dials_per_sec, 2)}`,
          `Connected/hr ${fmtNum(L.connected_per_hr, 0)}`,
          `Calls/min ${typeof L.dials_per_sec === 'number' ? fmtNum(L.dials_per_sec * 60, 1) : '--'}`,
        ].join(' · ')
      : eta
        ? `ETA ${eta}`
        : '';
    return h(
      'section',
      { class: 'card', 'aria-labelledby': 'progress-title' },
      h('h2', { id: 'progress-title' }, 'Progress'),
      h('progress', {
        max: String(Math.max(total, 1)),
        value: String(done),
        'aria-labelledby': 'progress-title',
        'aria-valuetext': `${pct}%`,
      }),
      h(
        'p',
        {},
        `Processed ${fmtInt(done)} of ${fmtInt(total)} (${pct}%)`,
        meta ? h('span', { class: 'muted' }, ` · ${meta}`) : null,
      ),
    );
  }

  function metricsStrip(L) {
    const m = L.metrics ?? {};
    return h(
      'section',
      { class: 'metrics', 'aria-label': 'Call metrics' },
      h(
        'dl',
        {},
        counter('Answer Rate %', fmtPct(m.answer_rate)),
        counter('Completion Rate %', fmtPct(m.completion_rate)),
        counter('Abandon Rate %', fmtPct(m.abandon_rate)),
        counter('AHT (seconds)', fmtNum(m.aht_s)),
      ),
    );
  }

  function passesCard(L) {
    const passes = L.passes ?? [];
    return h(
      'section',
      { class: 'card', 'aria-labelledby': 'passes-title' },
      h('h2', { id: 'passes-title' }, 'Passes'),
      passes.length
        ? h(
            'table',
            { class: 'table compact' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['Pass #', 'Attempted / Eligible', 'Connected %', 'Time range'].map((t) =>
                  h('th', { scope: 'col' }, t),
                ),
              ),
            ),
            h(
              'tbody',
              {},
              passes.map((p) =>
                h(
                  'tr',
                  { class: p.started_at ? 'pass-started' : 'pass-waiting' },
                  h('td', {}, `Pass ${p.pass}`),
                  h('td', {}, `${fmtInt(p.attempted)} / ${fmtInt(p.eligible)}`),
                  h('td', {}, fmtPct(p.connected_pct, true)),
                  h(
                    'td',
                    {},
                    p.started_at
                      ? `${fmtClock(p.started_at)} – ${p.ended_at ? fmtClock(p.ended_at) : 'still running'}`
                      : 'not started',
                  ),
                ),
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'No passes yet.'),
    );
  }

  function callbacksCard(L) {
    const cb = L.callbacks ?? {};
    return h(
      'section',
      { class: 'card', 'aria-labelledby': 'callbacks-title' },
      h('h2', { id: 'callbacks-title' }, 'Callbacks'),
      h(
        'dl',
        { class: 'counters' },
        counter('Callbacks requested', fmtInt(cb.requested)),
        counter('Callbacks pending', fmtInt(cb.pending)),
        counter('Callbacks completed', fmtInt(cb.completed)),
        counter(
          'Avg delay',
          typeof cb.avg_delay_s === 'number' ? `${fmtNum(cb.avg_delay_s / 60)} min` : '--',
        ),
      ),
    );
  }

  // ---- call list --------------------------------------------------------------------------------
  const stateSelect = h(
    'select',
    {
      id: 'state-filter',
      onchange: () => {
        filters.state = stateSelect.value;
        filters.page = 1;
        void reloadContacts();
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
  callsEl.append(
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

  async function reloadContacts() {
    try {
      await loadContacts();
      if (alive) renderContacts(true);
    } catch (err) {
      if (alive && err.status !== 401) showError(box, err);
    }
  }

  function turn(delta) {
    filters.page = Math.max(1, filters.page + delta);
    void reloadContacts();
  }

  function renderContacts(withFilters = false) {
    if (withFilters) {
      clear(callbackBar);
      if (campaign.config?.callback_detection) {
        for (const [value, label] of CALLBACK_FILTERS) {
          callbackBar.append(
            h(
              'button',
              {
                type: 'button',
                class: 'btn btn-small chip',
                'aria-pressed': String(filters.callback === value),
                onclick: () => {
                  filters.callback = value;
                  filters.page = 1;
                  void reloadContacts();
                },
              },
              label,
            ),
          );
        }
      }
    }
    const items = contacts?.items ?? [];
    const total = contacts?.total ?? items.length;
    const page = contacts?.page ?? filters.page;
    const per = contacts?.per_page ?? PER_PAGE;
    const pages = Math.max(1, Math.ceil(total / per));
    fill(
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
    const callback =
      c.callback_at &&
      ![
        'completed',
        'failed',
        'abandoned',
        'machine',
        'window_closed',
        'manually_stopped',
        'excluded',
      ].includes(c.state);
    const vars = Object.entries(c.metadata ?? {});
    return h(
      'tr',
      { dataset: { id: c.id } },
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

  // ---- config panel -----------------------------------------------------------------------------
  function renderConfig() {
    clear(configEl);
    const rc = runConfig ?? {};
    const cfg = rc.config ?? campaign.config ?? {};
    const setup = rc.setup ?? null;
    const pool = setup?.number_pool ?? [];
    const poolNote = pool.length
      ? pool.slice(0, 4).map(numberLabel).join(', ') + (pool.length > 4 ? ` +${pool.length - 4} more` : '')
      : null;
    const rows = [
      ['Bot ID', setup?.bot?.id ?? campaign.bot_id ?? '--', setup?.bot?.name],
      ['Concurrency', fmtInt(cfg.concurrency)],
      ['Time Window', cfg.window ? `${cfg.window.start}–${cfg.window.end}` : '--', cfg.window?.timezone],
      ['Working Days', fmtDays(cfg.working_days)],
      ['Number Pool', poolSummary(pool.length || (campaign.number_ids?.length ?? 0)), poolNote],
      ['Max Attempts', fmtInt(cfg.max_attempts)],
      ['Retry Delay', `${fmtInt(cfg.retry_delay_minutes)} min`],
      ['Retry On System', fmtList(cfg.retry_on_system)],
      ['Retry On Custom', fmtList(cfg.retry_on_custom)],
    ];
    if (cfg.stop_redials_after_connect_s != null)
      rows.push(['Stop Redials After', `${cfg.stop_redials_after_connect_s}s connected`]);
    if (cfg.redial_short_connect_s != null)
      rows.push(['Redial Only Under', `${cfg.redial_short_connect_s}s connected`]);
    if (cfg.sticky_exclusion) rows.push(['Sticky Exclusion', 'On']);
    if (cfg.callback_detection) rows.push(['Callback Detection', 'On']);
    if (cfg.config_url) rows.push(['Config URL', cfg.config_url]);
    const pre = h(
      'pre',
      { class: 'code', id: 'setup-json', hidden: true },
      JSON.stringify(setup ?? rc, null, 2),
    );
    const toggle = h(
      'button',
      {
        type: 'button',
        class: 'btn btn-small',
        'aria-expanded': 'false',
        'aria-controls': 'setup-json',
        onclick: () => {
          pre.hidden = !pre.hidden;
          toggle.setAttribute('aria-expanded', String(!pre.hidden));
          toggle.textContent = pre.hidden ? 'Show setup JSON' : 'Hide setup JSON';
        },
      },
      'Show setup JSON',
    );
    configEl.append(
      h('h2', { id: 'config-title' }, `Campaign Config · Run #${rc.run_no ?? campaign.run_no ?? 1}`),
      h(
        'dl',
        { class: 'grid' },
        rows.map(([k, v, note]) => kv(k, v, note)),
      ),
      toggle,
      pre,
    );
  }

  // ---- actions ----------------------------------------------------------------------------------
  async function act(name) {
    clearErrors(actionBox);
    try {
      const result = await perform(campaign, name);
      if (!result) return;
      toast(ACTIONS[name].done);
      if (name === 'delete') return navigate('/dashboard/campaigns');
      if (name === 'clone' && result.id) return navigate(`/dashboard/campaigns/${result.id}`);
      if (result.id) campaign = result;
      await refreshAll();
    } catch (err) {
      if (err.status !== 401) showError(actionBox, err);
    }
  }

  async function addContacts() {
    const file = fileInput.files?.[0];
    fileInput.value = '';
    if (!file) return;
    clearErrors(actionBox);
    try {
      const u = await api.uploadCsv(campaign.id, file);
      toast(`${fmtInt(u?.added ?? 0)} contacts added, ${fmtInt(u?.skipped ?? 0)} skipped`);
      renderFlash({ upload: u });
      await refreshAll();
    } catch (err) {
      if (err.status !== 401) showError(actionBox, err);
    }
  }

  function openActivity() {
    fill(
      dialog,
      h(
        'div',
        { class: 'modal-head' },
        h('h2', { id: 'activity-title' }, 'Activity Log'),
        h(
          'button',
          { type: 'button', class: 'btn btn-small', 'aria-label': 'Close', onclick: () => dialog.close() },
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
    dialog.showModal();
  }

  /** Stream attempts.csv: "Preparing…", then "Downloading N rows · X MB", then save it. */
  async function downloadReport() {
    if (downloading) return;
    downloading = true;
    renderActions();
    try {
      const res = await request('GET', `${base}/attempts.csv`, { raw: true });
      const reader = res.body.getReader();
      const chunks = [];
      let bytes = 0;
      let newlines = 0;
      let quoted = false;
      let last = 10;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        bytes += value.length;
        for (const b of value) {
          if (b === 34) quoted = !quoted;
          else if (b === 10 && !quoted) newlines += 1;
        }
        last = value[value.length - 1] ?? last;
        const rows = Math.max(0, newlines - 1);
        if (reportBtn && alive)
          reportBtn.textContent = `Downloading ${fmtInt(rows)} rows · ${fmtBytes(bytes)}`;
      }
      const rows = Math.max(0, newlines - 1 + (last !== 10 && bytes > 0 ? 1 : 0));
      const url = URL.createObjectURL(new Blob(chunks, { type: 'text/csv' }));
      const a = h('a', { href: url, download: `campaign-${shortId(campaign)}-attempts.csv`, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      toast(`Attempt report downloaded: ${fmtInt(rows)} rows`);
    } catch (err) {
      if (err.status !== 401) showError(actionBox, { message: `Attempt report failed: ${err.message}` });
    } finally {
      downloading = false;
      if (alive) renderActions();
    }
  }

  void loadAll();
  const timer = setInterval(() => void poll(), POLL_MS);
  return () => {
    alive = false;
    clearInterval(timer);
    if (dialog.open) dialog.close();
  };
}

function kv(label, value, note) {
  return h(
    'div',
    {},
    h('dt', {}, label),
    h('dd', {}, value, note ? h('span', { class: 'hint block' }, note) : null),
  );
}

function counter(label, value, cls = '') {
  return h('div', { class: `counter ${cls}` }, h('dt', {}, label), h('dd', {}, value));
}
