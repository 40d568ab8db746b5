/**
 * The contact CSV's rules, pure: which header cells are the structural columns (`phone_number`,
 * `phone1` … `phone10`, `name`, `email`), which are per-contact variables, and how one data row becomes a
 * contact or a skip reason. Parsing bytes into cells (csv-parse) and storing rows live in
 * db/repositories/contact-import.repository.ts; this module never sees a stream or a database.
 *
 * Decisions (docs/api.md is silent on them):
 * - Structural headers match case-, space- and punctuation-insensitively (`Phone Number`, `PHONE_1`,
 *   `e-mail`), because spreadsheets retype headers; anything else is a variable, stored under its header
 *   exactly as written (trimmed). Variable lookup by the normalised form (`case number` → `CASE_NUMBER`)
 *   is policy/variables.ts's job, so the original key must survive here.
 * - A header naming the same column twice is refused (422): which value would win is a guess.
 * - A column with an empty header carries no name to store its values under; it is ignored.
 * - Cells are trimmed; NUL characters are removed (Postgres text cannot hold them).
 * - A row whose cells are all blank is an empty line: neither added nor skipped.
 */
import { normalisePhone } from './phone';

/** The most phone columns a row may have: `phone_number` plus `phone1` … `phone10`. */
export const MAX_PHONE_COLUMNS = 11;

export interface VariableColumn {
  /** Position of the column in each record. */
  index: number;
  /** The header as written (trimmed): the metadata key. */
  key: string;
}

export interface CsvLayout {
  /** Every header cell as written (BOM and surrounding spaces removed), in file order. */
  columns: string[];
  /** Record positions of the phone columns, in dialling order: phone_number, phone1, phone2, … */
  phoneIndexes: number[];
  nameIndex: number | null;
  emailIndex: number | null;
  variables: VariableColumn[];
}

export interface HeaderProblem {
  field: string;
  message: string;
}

export type HeaderResult = { ok: true; layout: CsvLayout } | { ok: false; problems: HeaderProblem[] };

export interface ContactRow {
  /** Distinct E.164 numbers in dialling order; the first is the contact's `phone`. */
  phones: string[];
  name: string | null;
  email: string | null;
  /** One value per `layout.variables` entry, same order ('' when the cell is empty or missing). */
  values: string[];
}

export type RowResult = { ok: true; contact: ContactRow } | { ok: false; reason: string };

/** Cell text as stored: trimmed, without NUL characters. */
export function cleanCell(value: string | undefined): string {
  if (value === undefined) return '';
  const s = value.includes('\0') ? value.replace(/\0/g, '') : value;
  return s.trim();
}

/** The comparison form of a structural header: lower case, letters and digits only. */
function structuralKey(header: string): string {
  return header.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** `phone_number` → 0, `phone1` … `phone10` → 1 … 10; anything else → null. */
function phoneRank(key: string): number | null {
  if (key === 'phonenumber') return 0;
  const m = /^phone([1-9]|10)$/.exec(key);
  return m ? Number(m[1]) : null;
}

export function analyseHeader(cells: readonly string[]): HeaderResult {
  const columns = cells.map((c, i) => {
    const clean = cleanCell(c);
    // csv-parse strips a UTF-8 byte-order mark; one that survived a re-encoding still must not name a column.
    return i === 0 ? clean.replace(/^\uFEFF/, '').trim() : clean;
  });
  const problems: HeaderProblem[] = [];
  const phones: { rank: number; index: number }[] = [];
  let nameIndex: number | null = null;
  let emailIndex: number | null = null;
  const variables: VariableColumn[] = [];
  const seenStructural = new Map<string, string>();
  const seenVariables = new Set<string>();

  columns.forEach((header, index) => {
    if (header === '') return;
    const key = structuralKey(header);
    const rank = phoneRank(key);
    const structural = rank !== null || key === 'name' || key === 'email';
    if (structural) {
      const earlier = seenStructural.get(key);
      if (earlier !== undefined) {
        problems.push({
          field: 'columns',
          message: `columns "${earlier}" and "${header}" are the same column`,
        });
        return;
      }
      seenStructural.set(key, header);
      if (rank !== null) phones.push({ rank, index });
      else if (key === 'name') nameIndex = index;
      else emailIndex = index;
      return;
    }
    if (seenVariables.has(header)) {
      problems.push({ field: 'columns', message: `column "${header}" appears more than once` });
      return;
    }
    seenVariables.add(header);
    variables.push({ index, key: header });
  });

  if (phones.length === 0) {
    const found = columns.filter((c) => c !== '');
    const shown =
      found.length > 0
        ? found
            .slice(0, 20)
            .map((c) => `"${c}"`)
            .join(', ')
        : 'none';
    problems.unshift({
      field: 'phone_number',
      message: `the CSV needs a phone_number column (or phone1 … phone10); columns found: ${shown}`,
    });
  }
  if (problems.length > 0) return { ok: false, problems };
  phones.sort((a, b) => a.rank - b.rank);
  return {
    ok: true,
    layout: { columns, phoneIndexes: phones.map((p) => p.index), nameIndex, emailIndex, variables },
  };
}

/** An empty line (or a line of empty cells, `,,,`): spreadsheets leave these around; they are no row. */
export function isBlankRecord(cells: readonly string[]): boolean {
  for (const c of cells) if (cleanCell(c) !== '') return false;
  return true;
}

/**
 * One data record → a contact, or the reason it is skipped. Numbers that do not parse are dropped when
 * the row has at least one good one (the person is still reachable); a row with none is skipped with the
 * first bad number in the reason so the operator can find it.
 */
export function normaliseRow(cells: readonly string[], layout: CsvLayout, defaultRegion: string): RowResult {
  const phones: string[] = [];
  let firstBad: string | null = null;
  for (const index of layout.phoneIndexes) {
    const raw = cleanCell(cells[index]);
    if (raw === '') continue;
    const r = normalisePhone(raw, defaultRegion);
    if (r.ok) {
      if (!phones.includes(r.e164)) phones.push(r.e164);
    } else if (firstBad === null) {
      firstBad = r.reason;
    }
  }
  if (phones.length === 0) return { ok: false, reason: firstBad ?? 'missing phone number' };
  const name = layout.nameIndex === null ? '' : cleanCell(cells[layout.nameIndex]);
  const email = layout.emailIndex === null ? '' : cleanCell(cells[layout.emailIndex]);
  const values = layout.variables.map((v) => cleanCell(cells[v.index]));
  return { ok: true, contact: { phones, name: name || null, email: email || null, values } };
}

/**
 * Formula-injection guard for CSV we produce (OWASP "CSV injection"): a cell a spreadsheet would run as a
 * formula gets a leading apostrophe. That includes every E.164 number ('+…'): spreadsheets evaluate
 * `+919876543210` as a number and `+1-415…` as arithmetic, so phone cells read `'+919876543210` — the
 * import strips that apostrophe again, so a report re-uploaded as a contact list still works.
 */
export function neutraliseFormula(value: string): string {
  if (value === '') return value;
  const c = value.charCodeAt(0);
  // = + - @ TAB CR
  return c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13 ? `'${value}` : value;
}

/** The characters `neutraliseFormula` guards against, as a SQL/regex character class body. */
export const FORMULA_TRIGGERS = ['=', '+', '-', '@', '\t', '\r'] as const;

/** Where a column's cell comes from when a row is written back out from the contact the import read. */
export type CellSource =
  | { kind: 'phone'; n: number }
  | { kind: 'name' }
  | { kind: 'email' }
  | { kind: 'variable'; key: string }
  | { kind: 'none' };

/**
 * The column-by-column recipe for writing a stored contact back as a row of its file: the n-th phone
 * column (in dialling order) takes the n-th number, a variable column takes its metadata value, a column
 * with an empty header stays empty. Used for rows the database refused after the file was read (opted
 * out, already in the campaign), whose original cells were not kept: they read as the import read them.
 */
export function cellSources(layout: CsvLayout): CellSource[] {
  const sources: CellSource[] = layout.columns.map(() => ({ kind: 'none' }));
  layout.phoneIndexes.forEach((index, n) => (sources[index] = { kind: 'phone', n }));
  if (layout.nameIndex !== null) sources[layout.nameIndex] = { kind: 'name' };
  if (layout.emailIndex !== null) sources[layout.emailIndex] = { kind: 'email' };
  for (const v of layout.variables) sources[v.index] = { kind: 'variable', key: v.key };
  return sources;
}

export interface ReadContact {
  phones: readonly string[];
  name: string | null;
  email: string | null;
  metadata: Readonly<Record<string, string>>;
}

/** A stored contact as the cells of its file's row (see cellSources). */
export function cellsOfContact(sources: readonly CellSource[], contact: ReadContact): string[] {
  return sources.map((s) => {
    switch (s.kind) {
      case 'phone':
        return contact.phones[s.n] ?? '';
      case 'name':
        return contact.name ?? '';
      case 'email':
        return contact.email ?? '';
      case 'variable':
        return contact.metadata[s.key] ?? '';
      case 'none':
        return '';
    }
  });
}
