// The config panel: the settings of the config version in force as a grid, what its mid-run edit changed
// (who, when), the version's setup JSON behind a toggle, and every earlier version on demand.
import { api } from '../../api.js';
import { h, patchInto } from '../../dom.js';
import { fmtInt, fmtDays, fmtList, fmtTime, poolSummary, numberLabel } from '../../format.js';
import { fieldLabel } from '../../words.js';
import { kv } from './cells.js';
import { complianceRows } from '../compliance-settings.js';

const show = (v) =>
  Array.isArray(v) ? v.join(', ') || 'none' : v === null || v === undefined ? 'off' : String(v);

export function describeChanges(changes) {
  return (changes ?? []).map((c) => `${fieldLabel(c.field)}: ${show(c.from)} → ${show(c.to)}`).join(' · ');
}

/** The setup JSON of one version: the run's snapshot with that version's settings and pool. */
function versionJson(setup, version) {
  if (!version) return setup;
  return {
    ...setup,
    config_version: version.version,
    config: version.config,
    number_pool: version.number_pool,
    ...(version.version > 1 ? { changed_by: version.changed_by, changed_at: version.changed_at } : {}),
  };
}

/** base: the campaign's API path (earlier versions are fetched from it when asked for). */
export function configPanelPart({ base } = {}) {
  const el = h('section', { class: 'card', 'aria-labelledby': 'config-title' });
  let showJson = false;
  let last = null;
  let history = null;
  let historyOpen = false;

  async function toggleHistory() {
    historyOpen = !historyOpen;
    if (historyOpen && base) {
      try {
        history = (await api.get(`${base}/config/versions`)).versions;
      } catch {
        history = [];
      }
    }
    update(last);
  }

  function update({ campaign, runConfig }) {
    last = { campaign, runConfig };
    const rc = runConfig ?? {};
    const version = rc.version ?? null;
    const cfg = version?.config ?? rc.config ?? campaign.config ?? {};
    const setup = rc.setup ?? null;
    const pool = version?.number_pool ?? setup?.number_pool ?? [];
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
    rows.push(...complianceRows(cfg));
    const tz = cfg.window?.timezone;
    patchInto(
      el,
      h(
        'h2',
        { id: 'config-title' },
        `Campaign Config · Run #${rc.run_no ?? campaign.run_no ?? 1}`,
        version ? ` · Version ${version.version}` : '',
      ),
      version && version.version > 1
        ? h(
            'p',
            { class: 'alert alert-info config-change' },
            `Edited mid-run by ${version.changed_by} at ${fmtTime(version.changed_at, tz)}: `,
            describeChanges(version.changes),
          )
        : null,
      h(
        'dl',
        { class: 'grid' },
        rows.map(([k, v, note]) => kv(k, v, note)),
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'btn btn-small',
          'aria-expanded': String(showJson),
          'aria-controls': 'setup-json',
          onclick: () => {
            showJson = !showJson;
            update(last);
          },
        },
        showJson ? 'Hide setup JSON' : 'Show setup JSON',
      ),
      (rc.versions ?? 0) > 1
        ? h(
            'button',
            {
              type: 'button',
              class: 'btn btn-small',
              'aria-expanded': String(historyOpen),
              'aria-controls': 'config-versions',
              onclick: () => void toggleHistory(),
            },
            historyOpen ? 'Hide earlier versions' : `Earlier versions (${rc.versions - 1})`,
          )
        : null,
      h(
        'pre',
        { class: 'code', id: 'setup-json', hidden: !showJson },
        JSON.stringify(setup ? versionJson(setup, version) : rc, null, 2),
      ),
      h(
        'ol',
        { id: 'config-versions', class: 'story', hidden: !historyOpen, 'aria-label': 'Config versions' },
        (history ?? [])
          .filter((v) => v.version !== version?.version)
          .reverse()
          .map((v) =>
            h(
              'li',
              { dataset: { key: String(v.version) } },
              h(
                'strong',
                {},
                `Version ${v.version}`,
                v.version === 1
                  ? ` · as the run started, ${fmtTime(v.changed_at, tz)}`
                  : ` · by ${v.changed_by} at ${fmtTime(v.changed_at, tz)}`,
              ),
              v.changes.length ? h('p', { class: 'decision' }, describeChanges(v.changes)) : null,
              h('pre', { class: 'code' }, JSON.stringify(versionJson(setup ?? {}, v), null, 2)),
            ),
          ),
      ),
    );
  }

  return { el, update };
}
