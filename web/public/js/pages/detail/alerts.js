// The stall detector's alerts on the live panel (live.alerts): each failing troubleshooting check with since
// when, what it saw and the next step ("You can fix" or "Escalate"), and "Copy for escalation": the campaign
// id, run, time, workflow links, the failing checks and everything that was checked, as one text an operator
// pastes into the escalation (docs/troubleshooting.md: give the campaign id, the time of one affected call
// and what you already checked).
import { api } from '../../api.js';
import { h, patchInto, toast } from '../../dom.js';
import { fmtTime } from '../../format.js';

const STATUS_LABEL = { escalate: 'Escalate', warn: 'You can fix' };
const IN_FLIGHT = 'dialling,ringing,in_progress';
/** Contact workflows listed in the text: enough to start from, short enough to paste. */
const CONTACT_LINKS = 10;

const where = (item) => item?.workflow_url ?? item?.workflow_id ?? 'none yet';

/** The escalation text: plain lines, in the order an engineer reads them. */
export function escalationText({ campaign, live, diagnosis, inFlight, now }) {
  const lines = [
    `Ori dialler escalation — campaign ${campaign.name}`,
    `Campaign ID: ${campaign.id}`,
    `Run: ${diagnosis.run_no} (${campaign.status}, live activity: ${live?.activity ?? 'unknown'})`,
    `Time: ${now.toISOString()}`,
    `Run workflow: ${where(diagnosis)}`,
  ];
  if (inFlight.length > 0) {
    lines.push('Contacts in flight:');
    for (const c of inFlight) lines.push(`  ${c.phone} (${c.state}): ${where(c)}`);
  }
  const failing = diagnosis.checks.filter((c) => c.status !== 'ok');
  lines.push('', failing.length ? 'Failing checks:' : 'Failing checks: none');
  for (const c of failing) {
    const alert = (live?.alerts ?? []).find((a) => a.check === c.check);
    const since = alert ? ` since ${alert.since}` : '';
    lines.push(`  [${c.status.toUpperCase()}] ${c.check}${since}: ${c.evidence}`, `    ${c.next_step}`);
  }
  lines.push('', `What was checked (${diagnosis.checked_at}):`);
  for (const c of diagnosis.checks) lines.push(`  ${c.status.padEnd(8)} ${c.check}: ${c.evidence}`);
  return lines.join('\n');
}

/** base: the campaign's API path. */
export function alertsPart({ base }) {
  let state = null;
  const list = h('ul', { class: 'alerts-list' });
  const copied = h('pre', { class: 'escalation-text', hidden: true, 'aria-label': 'Escalation text' });
  const button = h(
    'button',
    { type: 'button', class: 'btn btn-small', onclick: () => void copy() },
    'Copy for escalation',
  );
  const el = h(
    'section',
    { class: 'card alerts', 'aria-labelledby': 'alerts-title', hidden: true },
    h('h2', { id: 'alerts-title' }, 'Alerts'),
    list,
    h('div', { class: 'actions' }, button),
    copied,
  );

  async function copy() {
    if (!state?.campaign) return;
    button.disabled = true;
    try {
      const [diagnosis, inFlight] = await Promise.all([
        api.get(`${base}/diagnose`),
        api.get(`${base}/contacts?state=${IN_FLIGHT}&per_page=${CONTACT_LINKS}`),
      ]);
      const text = escalationText({
        campaign: state.campaign,
        live: state.live,
        diagnosis,
        inFlight: inFlight?.items ?? [],
        now: new Date(),
      });
      copied.textContent = text;
      copied.hidden = false;
      try {
        await navigator.clipboard.writeText(text);
        toast('Escalation details copied');
      } catch {
        toast('Copy the escalation details shown below');
      }
    } catch (err) {
      if (err.status !== 401) toast(`Could not gather the escalation details: ${err.message}`, 'error');
    } finally {
      button.disabled = false;
    }
  }

  function update(s) {
    state = s;
    const alerts = s.live?.alerts ?? [];
    el.hidden = alerts.length === 0;
    const tz = s.campaign?.config?.window?.timezone;
    patchInto(
      list,
      alerts.map((a) =>
        h(
          'li',
          { class: `alert alert-${a.status}`, dataset: { key: `${a.check}:${a.status}`, check: a.check } },
          h(
            'span',
            { class: `badge badge-${a.status === 'escalate' ? 'failed' : 'paused'}` },
            STATUS_LABEL[a.status] ?? a.status,
          ),
          ' ',
          h('strong', { class: 'alert-check' }, a.check),
          h('span', { class: 'hint' }, ` since ${fmtTime(a.since, tz)}`),
          h('p', { class: 'alert-evidence' }, a.evidence),
          h('p', { class: 'alert-next' }, a.next_step),
        ),
      ),
    );
  }

  return { el, update };
}
