// Live activity (running or paused only): what the dialler is doing this second, polled every 3 s.
import { h, patchInto } from '../../dom.js';
import { fmtInt, fmtNum, fmtAgo, secondsSince } from '../../format.js';
import { counter } from './cells.js';

const ACTIVITY = {
  live: ['Live Activity', 'live'],
  idle: ['Idle — Waiting for retries', 'idle'],
  outside_window: ['Paused — Outside time window', 'outside'],
  paused: ['Paused', 'paused'],
  stopped: ['Stopped', 'stopped'],
};

export function livePanelPart() {
  const el = h('div', {});

  function update({ campaign, live }) {
    const L = live ?? {};
    if (campaign.status !== 'running' && campaign.status !== 'paused') return void patchInto(el);
    const [label, tone] = ACTIVITY[L.activity] ?? [L.activity ?? 'Live Activity', 'idle'];
    const idle = L.activity !== 'live';
    const lastAgo = secondsSince(L.last_dial_at);
    patchInto(
      el,
      h(
        'section',
        { class: `card live tone-${tone}`, 'aria-labelledby': 'live-title' },
        h(
          'h2',
          { id: 'live-title', class: 'live-head', dataset: { activity: L.activity ?? '' } },
          L.activity === 'live' && L.ringing > 0 ? h('span', { class: 'dot', 'aria-hidden': 'true' }) : null,
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

  return { el, update };
}
