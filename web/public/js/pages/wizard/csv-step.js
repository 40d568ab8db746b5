// Step 4, Upload CSV: the contact file, previewed and counted in the browser before anything is sent
// (required for a new campaign unless it is always-on; locked after the first run).
import { h, clear, uid, append, table } from '../../dom.js';
import { previewCsv, phoneColumns, countCsvRows } from '../../csv.js';
import { fmtBytes } from '../../format.js';

/** A few phone values as the file has them: what the import will read as numbers. */
export function phoneSample(preview) {
  if (!preview || preview.error) return null;
  const col = preview.header.findIndex((c) => phoneColumns([c]).length > 0);
  const values = preview.rows
    .map((r) => (r[col] ?? '').trim())
    .filter(Boolean)
    .slice(0, 3);
  return values.length ? values.join(', ') : null;
}

/** campaign(): the campaign being edited (null while creating); csvRequired(): whether a file must be chosen. */
export function csvStep({ s, refresh, locked, campaign, csvRequired }) {
  const fileInput = h('input', {
    type: 'file',
    accept: '.csv,text/csv',
    class: 'sr-only',
    tabindex: '-1',
    onchange: () => chooseFile(fileInput.files?.[0] ?? null),
  });
  fileInput.dataset.field = 'contacts';
  const fileId = uid('csv');
  fileInput.id = fileId;
  const csvNote = h('p', { class: 'alert alert-info' });
  const csvError = h('p', { class: 'alert alert-error', role: 'alert', hidden: true });
  const previewBox = h('div', {});
  const dropzone = h(
    'div',
    {
      class: 'dropzone',
      ondragover: (e) => {
        e.preventDefault();
        dropzone.classList.add('over');
      },
      ondragleave: () => dropzone.classList.remove('over'),
      ondrop: (e) => {
        e.preventDefault();
        dropzone.classList.remove('over');
        if (!fileInput.disabled) void chooseFile(e.dataTransfer?.files?.[0] ?? null);
      },
    },
    h('label', { for: fileId }, 'Contacts CSV'),
    fileInput,
    h('p', { class: 'muted' }, 'Drag a CSV here, or'),
    h('button', { type: 'button', class: 'btn', onclick: () => fileInput.click() }, 'Browse'),
    h(
      'p',
      { class: 'hint' },
      'A phone_number column (or phone1 … phone10); other columns become per-call variables. Max 100 MB or 500,000 rows.',
    ),
  );
  const el = h(
    'section',
    { 'aria-labelledby': 'step-3-title' },
    h('h2', { id: 'step-3-title', tabindex: '-1' }, '4. Upload CSV'),
    csvNote,
    dropzone,
    csvError,
    previewBox,
  );

  async function chooseFile(file) {
    s.file = file;
    s.rowCount = null;
    s.preview = file ? await previewCsv(file) : null;
    renderPreview();
    refresh();
    if (file && !s.preview?.error) {
      const count = await countCsvRows(file).catch(() => null);
      if (s.file === file) {
        s.rowCount = count;
        refresh();
      }
    }
  }

  function renderPreview() {
    clear(previewBox);
    csvError.hidden = true;
    if (!s.file || !s.preview) return;
    if (s.preview.error) {
      csvError.textContent = `${s.file.name}: ${s.preview.error}`;
      csvError.hidden = false;
      return;
    }
    const { header, rows, more } = s.preview;
    append(previewBox, [
      h(
        'p',
        {},
        h('strong', {}, s.file.name),
        ` · ${fmtBytes(s.file.size)} · phone column: ${phoneColumns(header).join(', ')}`,
      ),
      h(
        'div',
        { class: 'table-wrap' },
        table({
          caption: 'CSV preview: header and first rows',
          showCaption: true,
          className: 'table preview',
          head: header,
          rows: rows.map((r) => header.map((_, i) => r[i] ?? '')),
        }),
      ),
      more ? h('p', { class: 'hint' }, 'Showing the first rows only.') : null,
    ]);
  }

  return {
    el,
    valid() {
      if (locked()) return true;
      if (s.file) return Boolean(s.preview) && !s.preview.error;
      return !csvRequired();
    },
    refresh() {
      if (locked())
        csvNote.textContent =
          'CSV contacts are locked for this campaign. Use Clone if you need a different contact set.';
      else if (campaign())
        csvNote.textContent =
          'Optional. Uploading a CSV on a draft campaign replaces the existing contact list.';
      else if (!csvRequired())
        csvNote.textContent =
          'Optional for an always-on campaign: contacts can be added later through the Trigger API or by appending CSVs.';
      else csvNote.textContent = 'Required. Choose the contact list for this campaign.';
      fileInput.disabled = locked();
      dropzone.hidden = locked();
    },
  };
}
