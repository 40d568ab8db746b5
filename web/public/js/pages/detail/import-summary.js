// The import summary: every contact upload kept with the campaign (GET .../uploads), newest first, with
// what it added and skipped, and each upload's skipped rows as a CSV download. Read from the API, so it is
// the same after a reload as right after the upload.
import { request } from '../../api.js';
import { h, patchInto } from '../../dom.js';
import { fmtInt, fmtTime } from '../../format.js';

const API_PREFIX = '/api/v1';

/** Fetch the skipped-rows CSV (it needs the API key, so no plain link) and save it. */
async function downloadSkippedRows(upload) {
  const path = upload.skipped_rows_url.startsWith(API_PREFIX)
    ? upload.skipped_rows_url.slice(API_PREFIX.length)
    : upload.skipped_rows_url;
  const res = await request('GET', path, { raw: true });
  const url = URL.createObjectURL(await res.blob());
  const a = h('a', { href: url, download: `upload-${upload.id.slice(0, 8)}-skipped-rows.csv`, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** onError(err): where a failed download is reported. */
export function importSummaryPart({ onError } = {}) {
  const el = h('div', {});

  function row(u, timeZone) {
    return h(
      'tr',
      { dataset: { key: u.id } },
      h('td', {}, fmtTime(u.uploaded_at, timeZone)),
      h('td', {}, u.uploaded_by),
      h('td', {}, u.mode === 'append' ? 'Appended' : 'Replaced the list'),
      h('td', {}, fmtInt(u.added)),
      h('td', {}, fmtInt(u.skipped)),
      h(
        'td',
        {},
        u.skipped_rows_url
          ? h(
              'button',
              {
                type: 'button',
                class: 'btn btn-small',
                'aria-label': `Download the ${fmtInt(u.skipped)} skipped rows of the upload of ${fmtTime(u.uploaded_at, timeZone)}`,
                onclick: () => void downloadSkippedRows(u).catch((err) => onError?.(err)),
              },
              'Download skipped rows',
            )
          : h('span', { class: 'muted' }, 'none skipped'),
      ),
    );
  }

  function update({ campaign, uploads }) {
    const items = uploads?.items ?? [];
    if (items.length === 0) return void patchInto(el);
    const timeZone = campaign?.config?.window?.timezone;
    const added = items.reduce((n, u) => n + u.added, 0);
    const skipped = items.reduce((n, u) => n + u.skipped, 0);
    const more = (uploads.total ?? items.length) - items.length;
    patchInto(
      el,
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'import-summary-title' },
        h('h2', { id: 'import-summary-title' }, 'Import summary'),
        h(
          'p',
          { class: 'import-totals' },
          `${fmtInt(items.length)} ${items.length === 1 ? 'upload' : 'uploads'}: ${fmtInt(added)} contacts added, ${fmtInt(skipped)} rows skipped.`,
        ),
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'table' },
            h('caption', { class: 'sr-only' }, 'Contact uploads, newest first'),
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['Uploaded', 'By', 'How', 'Added', 'Skipped', 'Skipped rows'].map((c) =>
                  h('th', { scope: 'col' }, c),
                ),
              ),
            ),
            h(
              'tbody',
              {},
              items.map((u) => row(u, timeZone)),
            ),
          ),
        ),
        more > 0 ? h('p', { class: 'hint' }, `${fmtInt(more)} earlier uploads not shown.`) : null,
      ),
    );
  }

  return { el, update };
}
