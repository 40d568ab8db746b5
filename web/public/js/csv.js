// Client-side CSV preview: the header and the first rows, read from the start of the file only.
// The API does the real import; this mirrors what it accepts (BOM, quoted fields, CRLF, empty lines).

export const MAX_CSV_BYTES = 100 * 1024 * 1024;
const PREVIEW_BYTES = 64 * 1024;

/** Parse CSV text into rows of strings. Empty lines are skipped. */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endRow = () => {
    row.push(cell);
    if (row.length > 1 || row[0] !== '') rows.push(row);
    row = [];
    cell = '';
  };
  for (; i < text.length; i += 1) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i += 1;
        } else quoted = false;
      } else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n') endRow();
    else if (ch === '\r') {
      if (text[i + 1] === '\n') i += 1;
      endRow();
    } else cell += ch;
  }
  if (cell !== '' || row.length) endRow();
  return rows;
}

/** Which phone column(s) the header has: phone_number, or phone1 … phone10. */
export function phoneColumns(header) {
  const names = header.map((c) => c.trim().toLowerCase());
  return names.filter((c) => c === 'phone_number' || /^phone([1-9]|10)$/.test(c));
}

/**
 * Read the first rows of a File: {header, rows, truncated, error}. `error` is a sentence when the file
 * cannot be used (too big, empty, no phone column).
 */
export async function previewCsv(file, maxRows = 5) {
  if (file.size > MAX_CSV_BYTES) {
    return { header: [], rows: [], error: 'The file is larger than 100 MB. Split it into smaller files.' };
  }
  const truncated = file.size > PREVIEW_BYTES;
  let text = await file.slice(0, PREVIEW_BYTES).text();
  if (truncated) text = text.slice(0, Math.max(0, text.lastIndexOf('\n')));
  const all = parseCsv(text);
  const [header = [], ...rows] = all;
  if (header.length === 0) return { header, rows: [], error: 'The file is empty.' };
  const error =
    phoneColumns(header).length === 0 ? 'The CSV needs a phone_number column (or phone1 … phone10).' : null;
  return { header, rows: rows.slice(0, maxRows), more: rows.length > maxRows || truncated, error };
}

/** Count the data rows of a whole File (header and empty lines excluded), reading it in chunks. */
export async function countCsvRows(file) {
  const reader = file.stream().getReader();
  let rows = 0;
  let quoted = false;
  let lineHasText = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    for (const b of value) {
      if (b === 34) quoted = !quoted;
      if (!quoted && (b === 10 || b === 13)) {
        if (lineHasText) rows += 1;
        lineHasText = false;
      } else if (b !== 0xef && b !== 0xbb && b !== 0xbf) lineHasText = true;
    }
  }
  if (lineHasText) rows += 1;
  return Math.max(0, rows - 1);
}
