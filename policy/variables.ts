/**
 * Per-contact variables in the bot's greeting and system prompt (docs/rules.md "Variables in the bot's
 * greeting and prompt", docs/troubleshooting.md "Quick triage": "Bot says the wrong customer details"). Pure.
 *
 * Tokens: `{{VAR}}` and `{{call.VAR}}` (flat and namespaced) resolve the same; spaces inside the braces
 * are tolerated. VAR matches a metadata key either as written (the CSV header, e.g. `{{case number}}`) or
 * in its normalised form (`{{CASE_NUMBER}}`). Matching is otherwise exact, case included, as the
 * troubleshooting guide tells operators ("must match … exactly, including case"): `{{case_number}}` does
 * not match a `case number` column.
 *
 * Values:
 * - NAME: the contact's name, else a `name` metadata value (contacts added by the Trigger API carry only
 *   metadata), else "there". Blank counts as missing. EMAIL likewise, defaulting to "".
 * - A variable the contact has no value for resolves to "" ("a partial CSV won't produce 'Hi , this is…'").
 * - Unknown tokens: the operators' guide says both that the bot speaks a raw placeholder when it cannot find
 *   a value and that missing values become "". They are reconciled as two different cases.
 *   A variable that exists for the campaign (a key of this contact's metadata, a built-in, or one of
 *   `knownVariables`, the campaign's columns) but has no value for this contact is *missing* → "". A token
 *   naming no variable at all (a typo such as `{{CUSTOMERNAME}}` for a `CUSTOMER_NAME` column) is
 *   *unknown* → kept verbatim, so the operator can hear or see which placeholder is wrong and fix the
 *   spelling, as the troubleshooting guide describes. `unknown: 'empty'` drops them instead, and
 *   `unresolvedTokens` lists them so a preview can warn before any call is made.
 * - Values are inserted verbatim and never re-expanded (a value containing `{{X}}` stays as it is).
 */

export interface TemplateVars {
  name?: string | null;
  email?: string | null;
  /** Per-contact variables: the CSV's other columns or the Trigger API's metadata, keyed as written. */
  metadata: Record<string, string>;
}

export interface ResolveOptions {
  /**
   * Variables that exist for the campaign (its CSV columns and any metadata keys it uses), as written or
   * normalised. A token naming one resolves to "" for a contact that has no value for it.
   */
  knownVariables?: readonly string[];
  /** A token naming no variable at all: 'keep' the raw placeholder (default) or make it 'empty'. */
  unknown?: 'keep' | 'empty';
}

/** NAME's fallback (docs/rules.md "Variables in the bot's greeting and prompt"). */
export const DEFAULT_NAME = 'there';

const TOKEN = /\{\{\s*([^{}]*?)\s*\}\}/g;
const NAMESPACE = /^call\./i;

/**
 * A CSV header as a variable name: trimmed, upper-cased, every character that is not a letter, digit or
 * combining mark replaced by one underscore. "case number" → CASE_NUMBER, "Tax-ID" → TAX_ID. Letters of
 * any script count (a Hindi header keeps its letters). Idempotent.
 */
export function normaliseVariableName(header: string): string {
  return header
    .trim()
    .normalize('NFC')
    .toUpperCase()
    .normalize('NFC') // upper-casing can decompose (ῗ → Ϊ + ͂)
    .replace(/[^\p{L}\p{M}\p{N}]/gu, '_');
}

function nonBlank(value: string | null | undefined): string | null {
  return value !== null && value !== undefined && value.trim() !== '' ? value : null;
}

/** Stored metadata comes from JSON: a null or number value is tolerated and read as text. */
function asText(value: unknown): string {
  return value === null || value === undefined ? '' : String(value);
}

/**
 * The metadata value for `name`: the key as written first, then the first key (in insertion order) whose
 * normalised form is `name`. undefined when no key matches.
 */
function lookupMetadata(metadata: Record<string, string>, name: string): string | undefined {
  if (Object.prototype.hasOwnProperty.call(metadata, name)) return asText(metadata[name]);
  for (const key of Object.keys(metadata)) {
    if (normaliseVariableName(key) === name) return asText(metadata[key]);
  }
  return undefined;
}

type Resolution = { found: true; value: string } | { found: false };

function resolveName(rawName: string, vars: TemplateVars, options: ResolveOptions): Resolution {
  const name = rawName.replace(NAMESPACE, '').trim();
  if (name === '') return { found: false };
  const builtIn = normaliseVariableName(name);
  if (builtIn === 'NAME' || builtIn === 'EMAIL') {
    const own = builtIn === 'NAME' ? vars.name : vars.email;
    const fromMetadata = lookupMetadata(vars.metadata, name) ?? lookupMetadata(vars.metadata, builtIn);
    const value = nonBlank(own) ?? nonBlank(fromMetadata) ?? (builtIn === 'NAME' ? DEFAULT_NAME : '');
    return { found: true, value };
  }
  const value = lookupMetadata(vars.metadata, name);
  if (value !== undefined) return { found: true, value };
  const known = options.knownVariables ?? [];
  if (known.some((k) => k.trim() === name || normaliseVariableName(k) === name))
    return { found: true, value: '' };
  return { found: false };
}

/** Replace every `{{VAR}}` / `{{call.VAR}}` in `template`. See the module comment for the rules. */
export function resolveTemplate(template: string, vars: TemplateVars, options: ResolveOptions = {}): string {
  return template.replace(TOKEN, (raw, name: string) => {
    const r = resolveName(name, vars, options);
    if (r.found) return r.value;
    return options.unknown === 'empty' ? '' : raw;
  });
}

/** The variable names a template references (without the `call.` namespace), distinct, in order. */
export function templateTokens(template: string): string[] {
  const names: string[] = [];
  for (const m of template.matchAll(TOKEN)) {
    const name = (m[1] ?? '').replace(NAMESPACE, '').trim();
    if (name !== '' && !names.includes(name)) names.push(name);
  }
  return names;
}

/** The placeholders `resolveTemplate` would leave raw for these variables, as written, distinct. */
export function unresolvedTokens(
  template: string,
  vars: TemplateVars,
  options: ResolveOptions = {},
): string[] {
  const raw: string[] = [];
  for (const m of template.matchAll(TOKEN)) {
    if (!resolveName(m[1] ?? '', vars, options).found && !raw.includes(m[0])) raw.push(m[0]);
  }
  return raw;
}
