// The config panel: the run's settings as a grid, and the setup JSON behind a toggle.
import { h, patchInto } from '../../dom.js';
import { fmtInt, fmtDays, fmtList, poolSummary, numberLabel } from '../../format.js';
import { kv } from './cells.js';
import { complianceRows } from '../compliance-settings.js';

export function configPanelPart() {
  const el = h('section', { class: 'card', 'aria-labelledby': 'config-title' });
  let showJson = false;
  let last = null;

  function update({ campaign, runConfig }) {
    last = { campaign, runConfig };
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
    rows.push(...complianceRows(cfg));
    patchInto(
      el,
      h('h2', { id: 'config-title' }, `Campaign Config · Run #${rc.run_no ?? campaign.run_no ?? 1}`),
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
      h('pre', { class: 'code', id: 'setup-json', hidden: !showJson }, JSON.stringify(setup ?? rc, null, 2)),
    );
  }

  return { el, update };
}
