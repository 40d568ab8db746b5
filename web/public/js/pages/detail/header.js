// The page head: name, status and always-on badges, the campaign id with its copy button, and the
// lifecycle line (run, mode, window, created, started).
import { h, patchInto, toast } from '../../dom.js';
import { statusBadge, alwaysOnBadge, isAlwaysOn, shortId, fmtTime } from '../../format.js';
import { kv } from './cells.js';
import { workflowLink } from './workflow-link.js';

export function headerPart() {
  const el = h('div', {});
  let campaign = null;

  async function copyId() {
    try {
      await navigator.clipboard.writeText(campaign.id);
      toast(`Copied ${campaign.id}`);
    } catch {
      toast(`Campaign ID: ${campaign.id}`);
    }
  }

  function update({ campaign: c, runConfig }) {
    campaign = c;
    const cfg = c.config ?? {};
    patchInto(
      el,
      h(
        'div',
        { class: 'page-head' },
        h('h1', {}, c.name),
        h('span', { class: 'badges' }, statusBadge(c.status), isAlwaysOn(c) ? alwaysOnBadge() : null),
      ),
      h(
        'p',
        { class: 'idline' },
        'Campaign ID ',
        h('code', { title: c.id }, shortId(c)),
        ' ',
        h(
          'button',
          { type: 'button', class: 'btn btn-small', 'aria-label': 'Copy campaign ID', onclick: copyId },
          'Copy',
        ),
        ' ',
        workflowLink(c, 'Run workflow'),
      ),
      h(
        'dl',
        { class: 'grid lifecycle' },
        kv('Run', `#${c.run_no ?? 1}`),
        kv('Mode', cfg.mode === 'multi_day' ? 'Multi Day' : 'Single Day'),
        kv('Window', cfg.window ? `${cfg.window.start}–${cfg.window.end} ${cfg.window.timezone}` : '--'),
        // In the campaign's timezone, like the window beside them.
        kv('Created', fmtTime(c.created_at, cfg.window?.timezone)),
        kv('Started', fmtTime(runConfig?.setup?.started_at ?? c.started_at, cfg.window?.timezone)),
      ),
    );
  }

  return { el, update };
}
