// Integration tab: Trigger (add a contact) and Exclude (suppress contacts) with curl / Python / Node.js
// snippets that carry this campaign's id. The key stays a placeholder ($ORI_API_KEY): never the signed-in key.
import { h, uid, toast, table as dataTable } from '../dom.js';

const SAMPLE_MOBILE = '+919876543210';

function snippets(origin, path, bodyObj) {
  const url = `${origin}${path}`;
  const json = JSON.stringify(bodyObj, null, 2);
  const pyBody = json
    .replace(/\btrue\b/g, 'True')
    .replace(/\bfalse\b/g, 'False')
    .replace(/\bnull\b/g, 'None');
  const nodeBody = json
    .split('\n')
    .map((line, i) => (i === 0 ? line : `  ${line}`))
    .join('\n');
  return {
    curl: [
      `curl -X POST '${url}' \\`,
      `  -H "Authorization: Bearer $ORI_API_KEY" \\`,
      `  -H 'Content-Type: application/json' \\`,
      `  -d '${JSON.stringify(bodyObj)}'`,
    ].join('\n'),
    Python: [
      'import os',
      'import requests',
      '',
      'resp = requests.post(',
      `    "${url}",`,
      '    headers={"Authorization": f"Bearer {os.environ[\'ORI_API_KEY\']}"},',
      `    json=${pyBody.split('\n').join('\n    ')},`,
      '    timeout=10,',
      ')',
      'resp.raise_for_status()',
      'print(resp.json())',
    ].join('\n'),
    'Node.js': [
      '// Node 18+ (built-in fetch)',
      `const res = await fetch('${url}', {`,
      "  method: 'POST',",
      "  headers: { Authorization: `Bearer ${process.env.ORI_API_KEY}`, 'Content-Type': 'application/json' },",
      `  body: JSON.stringify(${nodeBody}),`,
      '});',
      'if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);',
      'console.log(await res.json());',
    ].join('\n'),
  };
}

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Plain-http origins have no async clipboard: fall back to a selected textarea.
    const ta = h('textarea', { class: 'sr-only', readonly: true }, text);
    document.body.append(ta);
    ta.select();
    document.execCommand('copy');
    ta.remove();
  }
  toast('Copied to clipboard');
}

/** A tab strip (curl / Python / Node.js) over one code block, with a copy button. */
function codeTabs(label, codes) {
  const langs = Object.keys(codes);
  let current = langs[0];
  const code = h('code', {});
  const panelId = uid('code');
  const tabs = langs.map((lang) =>
    h(
      'button',
      {
        type: 'button',
        role: 'tab',
        id: `${panelId}-${lang}`,
        'aria-controls': panelId,
        onclick: () => select(lang),
        onkeydown: (e) => {
          const i = langs.indexOf(current);
          if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
            const next = langs[(i + (e.key === 'ArrowRight' ? 1 : langs.length - 1)) % langs.length];
            select(next);
            tabs[langs.indexOf(next)].focus();
          }
        },
      },
      lang,
    ),
  );
  const panel = h('pre', { id: panelId, role: 'tabpanel', tabindex: '0', class: 'code' }, code);
  function select(lang) {
    current = lang;
    tabs.forEach((t, i) => {
      const on = langs[i] === lang;
      t.setAttribute('aria-selected', String(on));
      t.tabIndex = on ? 0 : -1;
    });
    panel.setAttribute('aria-labelledby', `${panelId}-${lang}`);
    code.textContent = codes[lang];
  }
  select(current);
  return h(
    'div',
    { class: 'code-tabs' },
    h(
      'div',
      { class: 'code-bar' },
      h('div', { role: 'tablist', 'aria-label': `${label} code example language` }, tabs),
      h(
        'button',
        {
          type: 'button',
          class: 'btn btn-small',
          'aria-label': `Copy ${label} code`,
          onclick: () => copyText(codes[current]),
        },
        'Copy',
      ),
    ),
    panel,
  );
}

function table(caption, head, rows) {
  // The first column is a field or variable name, shown as code.
  const cell = (c, i) => h('td', {}, i === 0 ? h('code', {}, c) : c);
  return dataTable({ caption, showCaption: true, head, rows, cell });
}

export function integrationPanel(campaign) {
  const origin = location.origin;
  const singleDay = (campaign.config?.mode ?? 'single_day') === 'single_day';
  const trigger = snippets(origin, '/api/v1/campaigns/trigger', {
    campaign_id: campaign.id,
    mobile: SAMPLE_MOBILE,
    metadata: { customer_name: 'Asha', account_id: 'AC-1001' },
    idempotency_key: 'crm-lead-1001',
  });
  const exclude = snippets(origin, '/api/v1/contacts/exclude', {
    campaign_id: campaign.id,
    mobile: SAMPLE_MOBILE,
    reason: 'Customer opted out',
  });
  return h(
    'div',
    { class: 'stack' },
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'int-trigger' },
      h('h2', { id: 'int-trigger' }, 'Trigger — add a contact'),
      h(
        'p',
        {},
        'Adds one contact to this campaign and dials it, or queues it. ',
        h('code', {}, 'POST /api/v1/campaigns/trigger'),
      ),
      singleDay
        ? h(
            'p',
            { class: 'alert alert-info' },
            'This is a single-day campaign: triggers received outside the calling window are rejected with 409, because they cannot survive the window-close sweep. Use a multi-day campaign to queue out-of-hours triggers.',
          )
        : null,
      codeTabs('Trigger', trigger),
      table(
        'Request body',
        ['Field', 'What to send'],
        [
          ['campaign_id', 'The campaign to add the contact to (this one).'],
          ['mobile', 'The contact’s phone number in international format, e.g. +91….'],
          ['metadata', 'Key-value pairs that reach the bot prompt as variables.'],
          [
            'idempotency_key',
            'Optional but recommended: retry safely without dialling the same contact twice.',
          ],
        ],
      ),
      table(
        'Response status values',
        ['status', 'Meaning'],
        [
          ['dialled', 'The contact was added and dialling started.'],
          ['queued', 'Accepted and waiting, for example until the calling window opens or a seat is free.'],
          ['suppressed', 'Sticky exclusion or opt-out: the contact will not be dialled.'],
        ],
      ),
      table(
        'Error responses',
        ['Code', 'Meaning'],
        [
          ['401', 'Missing or invalid API key.'],
          ['404', 'Campaign not found.'],
          [
            '409',
            'Conflict: the campaign is completed or failed, or a single-day campaign is outside its window.',
          ],
          ['422', 'The request body failed validation.'],
        ],
      ),
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'int-exclude' },
      h('h2', { id: 'int-exclude' }, 'Exclude — suppress contacts'),
      h(
        'p',
        {},
        'Marks contacts so this campaign will not dial them. ',
        h('code', {}, 'POST /api/v1/contacts/exclude'),
      ),
      codeTabs('Exclude', exclude),
      h(
        'p',
        { class: 'hint' },
        'To target by account key instead of number, send ',
        h('code', {}, '"match": {"account_id": "AC-1001"}'),
        ' in place of mobile. Up to two keys; both must match. The answer is {"matched": N}.',
      ),
      table(
        'Request body',
        ['Field', 'What to send'],
        [
          ['campaign_id', 'The campaign to exclude the contact from.'],
          ['mobile', 'The contact’s phone number, when excluding by number.'],
          ['match', 'One or two metadata keys to match (AND), when excluding by account key.'],
          ['reason', 'An optional note recorded with the exclusion.'],
        ],
      ),
      table(
        'Error responses',
        ['Code', 'Meaning'],
        [
          ['401', 'Missing or invalid API key.'],
          ['404', 'Campaign not found.'],
          ['422', 'The request body failed validation.'],
        ],
      ),
      h(
        'p',
        { class: 'hint' },
        campaign.config?.sticky_exclusion
          ? 'Sticky exclusion is on: an excluded contact stays suppressed even if it is re-added by CSV or API.'
          : 'Sticky exclusion is off: deliberately re-adding an excluded contact lets it dial again.',
      ),
    ),
  );
}
