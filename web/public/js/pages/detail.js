// Campaign detail / monitor (docs/rules.md "Operating a campaign"): loads the campaign and polls its live
// data every 3 s, and hands each page part (`detail/*.js`) the data it shows. A part is
// `{ el, update(data) }`: it builds its DOM once and patches it on every update, so nothing the operator is
// pointing at is replaced.
import { api } from '../api.js';
import { h, errorBox, showError, clearErrors, toast } from '../dom.js';
import { ACTIONS, perform } from '../actions.js';
import { fmtInt } from '../format.js';
import { integrationPanel } from './integration.js';
import { headerPart } from './detail/header.js';
import { actionBarPart } from './detail/action-bar.js';
import { noticesPart } from './detail/notices.js';
import { uploadSummaryPart } from './detail/upload-summary.js';
import { importSummaryPart } from './detail/import-summary.js';
import { tabsPart } from './detail/tabs.js';
import { livePanelPart } from './detail/live-panel.js';
import { progressPart } from './detail/progress.js';
import { metricsPart } from './detail/metrics.js';
import { passesPart } from './detail/passes.js';
import { callbacksPart } from './detail/callbacks.js';
import { callListPart } from './detail/call-list.js';
import { configPanelPart } from './detail/config-panel.js';
import { activityLogPart } from './detail/activity-log.js';
import { downloadAttemptReport } from './detail/attempt-report.js';
import { contactDrawerPart } from './detail/contact-drawer.js';
import { resultsPart } from './detail/results.js';
import { chartsPart } from './detail/charts.js';
import { alertsPart } from './detail/alerts.js';

export const POLL_MS = 3000;
// The charts read every attempt of the run: fresh enough every few polls while it runs, at once when the
// status moves, and once for a campaign that is not dialling (its figures do not change).
export const CHARTS_EVERY_MS = 15_000;

export function detailPage(main, { id }, { navigate, flash }) {
  const base = `/campaigns/${encodeURIComponent(id)}`;
  let alive = true;
  const state = {
    campaign: null,
    live: null,
    results: null,
    charts: null,
    activity: [],
    runConfig: null,
    uploads: null,
  };
  let chartsAt = 0;
  const report = { downloading: false, label: null };

  const box = errorBox();
  const actionBox = errorBox();
  const pollNote = h('p', { class: 'hint', role: 'status' });
  const fileInput = h('input', {
    type: 'file',
    accept: '.csv,text/csv',
    class: 'sr-only',
    tabindex: '-1',
    'aria-label': 'CSV file of contacts to add',
    onchange: () => void addContacts(),
  });

  const header = headerPart();
  const actionBar = actionBarPart({
    act: (name) => void act(name),
    addContacts: () => fileInput.click(),
    openActivity: () => activityLog.open(state.activity),
    downloadReport: () => void downloadReport(),
  });
  const notices = noticesPart({ act: (name) => void act(name) });
  const uploadSummary = uploadSummaryPart();
  const livePanel = livePanelPart();
  const alerts = alertsPart({ base });
  const progress = progressPart();
  const metrics = metricsPart();
  const passes = passesPart();
  const callbacks = callbacksPart();
  const drawer = contactDrawerPart({ base, onError: (err) => showError(box, err) });
  const callList = callListPart({
    base,
    onError: (err) => showError(box, err),
    onOpen: (contact) => void drawer.open(contact, state.campaign),
  });
  const configPanel = configPanelPart({ base });
  const activityLog = activityLogPart();
  const resultsCard = resultsPart();
  const importSummary = importSummaryPart({ onError: (err) => showError(actionBox, err) });
  const charts = chartsPart();
  const livePart = [livePanel, alerts, progress, metrics, resultsCard, charts, passes, callbacks];

  const details = h(
    'div',
    { role: 'tabpanel', id: 'panel-details', 'aria-labelledby': 'tab-details', class: 'stack' },
    livePart.map((p) => p.el),
    pollNote,
    callList.el,
    importSummary.el,
    configPanel.el,
  );
  const integration = h('div', {
    role: 'tabpanel',
    id: 'panel-integration',
    'aria-labelledby': 'tab-integration',
    hidden: true,
  });
  const tabs = tabsPart({ details, integration });
  main.append(
    h('a', { class: 'back', href: '/dashboard/campaigns' }, '← Campaigns'),
    box,
    header.el,
    actionBar.el,
    fileInput,
    actionBox,
    notices.el,
    uploadSummary.el,
    tabs.el,
    details,
    integration,
    activityLog.el,
    drawer.el,
  );
  main.setAttribute('aria-busy', 'true');
  uploadSummary.update(flash?.upload);

  // ---- data -------------------------------------------------------------------------------------
  async function loadCampaign() {
    state.campaign = await api.get(base);
    document.title = `${state.campaign.name} · Ori Dialler`;
  }
  const loadLive = async ({ withCharts = false } = {}) => {
    // Results and charts ride along with the live panel; an API without them leaves their cards out.
    const moving = state.campaign?.status === 'running' || state.campaign?.status === 'paused';
    const chartsDue = withCharts || chartsAt === 0 || (moving && Date.now() - chartsAt >= CHARTS_EVERY_MS);
    const [live, res, charts] = await Promise.all([
      api.get(`${base}/live`),
      api.get(`${base}/results`).catch(() => null),
      chartsDue ? api.get(`${base}/charts`).catch(() => null) : state.charts,
    ]);
    state.live = live;
    state.results = res;
    if (chartsDue) {
      state.charts = charts;
      chartsAt = Date.now();
    }
  };
  const loadActivity = async () => {
    const a = await api.get(`${base}/activity`);
    state.activity = Array.isArray(a) ? a : (a?.items ?? []);
  };
  const loadConfig = async () => (state.runConfig = await api.get(`${base}/config`));
  const loadUploads = async () => (state.uploads = await api.get(`${base}/uploads`));

  async function loadAll() {
    try {
      await loadCampaign();
    } catch (err) {
      main.removeAttribute('aria-busy');
      if (alive && err.status !== 401) showError(box, err);
      return;
    }
    const results = await Promise.allSettled([
      loadLive(),
      loadActivity(),
      loadConfig(),
      loadUploads(),
      callList.refresh(),
    ]);
    if (!alive) return;
    const failed = results.find((r) => r.status === 'rejected' && r.reason?.status !== 401);
    if (failed) showError(box, failed.reason);
    main.removeAttribute('aria-busy');
    renderAll();
  }

  async function poll() {
    const c = state.campaign;
    if (!alive || !c) return;
    try {
      const totalBefore = state.live?.progress?.total;
      await loadLive();
      const statusChanged = state.live?.status && state.live.status !== c.status;
      if (statusChanged)
        await Promise.all([loadCampaign(), loadActivity(), loadConfig(), loadLive({ withCharts: true })]);
      const contactsMove = statusChanged || c.status === 'running' || c.status === 'paused';
      // Contacts added by someone else (a CSV through the API, the trigger API): the import summary may
      // have a new upload.
      const added = state.live?.progress?.total !== totalBefore;
      if (added && !statusChanged) await loadUploads();
      if (!alive) return;
      if (statusChanged) renderAll();
      else renderLive();
      if (added && !statusChanged) importSummary.update(state);
      if (contactsMove) await callList.refresh();
      if (alive) pollNote.textContent = '';
    } catch (err) {
      if (alive && err.status !== 401)
        pollNote.textContent = `Live data could not be refreshed: ${err.message}`;
    }
  }

  async function refreshAll() {
    await Promise.allSettled([
      loadCampaign(),
      loadLive({ withCharts: true }),
      loadActivity(),
      loadConfig(),
      loadUploads(),
      callList.refresh(),
    ]);
    if (alive) renderAll();
  }

  // ---- rendering --------------------------------------------------------------------------------
  function renderLive() {
    for (const part of livePart) part.update(state);
  }

  function renderActions() {
    actionBar.update({ ...state, downloading: report.downloading, reportLabel: report.label });
  }

  function renderAll() {
    if (!state.campaign) return;
    header.update(state);
    renderActions();
    notices.update(state);
    renderLive();
    callList.update(state);
    importSummary.update(state);
    configPanel.update(state);
    integration.replaceChildren(integrationPanel(state.campaign));
  }

  // ---- actions ----------------------------------------------------------------------------------
  async function act(name) {
    clearErrors(actionBox);
    try {
      const result = await perform(state.campaign, name);
      if (!result) return;
      toast(ACTIONS[name].done);
      if (name === 'delete') return navigate('/dashboard/campaigns');
      if (name === 'clone' && result.id) return navigate(`/dashboard/campaigns/${result.id}`);
      if (result.id) state.campaign = result;
      await refreshAll();
    } catch (err) {
      if (err.status === 401) return;
      showError(actionBox, err);
      toast(`Failed to ${ACTIONS[name].label.toLowerCase()}`, 'error');
    }
  }

  async function addContacts() {
    const file = fileInput.files?.[0];
    fileInput.value = '';
    if (!file) return;
    clearErrors(actionBox);
    try {
      const u = await api.uploadCsv(state.campaign.id, file);
      toast(`${fmtInt(u?.added ?? 0)} contacts added, ${fmtInt(u?.skipped ?? 0)} skipped`);
      uploadSummary.update(u);
      await refreshAll();
    } catch (err) {
      if (err.status !== 401) showError(actionBox, err);
    }
  }

  async function downloadReport() {
    if (report.downloading) return;
    report.downloading = true;
    renderActions();
    try {
      const rows = await downloadAttemptReport(state.campaign, (text) => {
        report.label = text;
        if (alive) renderActions();
      });
      toast(`Attempt report downloaded: ${fmtInt(rows)} rows`);
    } catch (err) {
      if (err.status !== 401) showError(actionBox, { message: `Attempt report failed: ${err.message}` });
    } finally {
      report.downloading = false;
      report.label = null;
      if (alive) renderActions();
    }
  }

  void loadAll();
  const timer = setInterval(() => void poll(), POLL_MS);
  return () => {
    alive = false;
    clearInterval(timer);
    activityLog.close();
    drawer.close();
  };
}
