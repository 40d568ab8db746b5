import type { ErrorDetail } from '../../policy/errors';

/**
 * Turns schema-validator errors (TypeBox's, which follow Ajv's shape) into docs/api.md's details: one
 * `{field, message}` per bad field, the field as a dotted path (`window.start`). A union such as
 * "integer or null" fails once per branch; those are folded into one readable sentence.
 */

interface ValidatorError {
  keyword?: string;
  instancePath?: string;
  schemaPath?: string;
  params?: Record<string, unknown>;
  message?: string;
}

const FORMAT_NAMES: Record<string, string> = {
  uuid: 'a UUID',
  'date-time': 'an ISO-8601 date-time',
  date: 'a date (YYYY-MM-DD)',
  email: 'an email address',
  uri: 'a URI',
};

const unescapePointer = (s: string): string => s.replace(/~1/g, '/').replace(/~0/g, '~');

/** `/window/start` → `window.start`; a trailing array index is dropped (`/number_ids/2` → `number_ids`). */
function fieldOf(instancePath: string | undefined): string {
  const parts = (instancePath ?? '')
    .split('/')
    .filter((p) => p !== '')
    .map(unescapePointer);
  while (parts.length > 0 && /^\d+$/.test(parts[parts.length - 1] ?? '')) parts.pop();
  return parts.join('.');
}

const join = (base: string, prop: string): string => (base ? `${base}.${prop}` : prop);

function asList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return value === undefined ? [] : [String(value)];
}

function summarise(errors: ValidatorError[]): string {
  const fixed = errors.find((e) => e.keyword === 'required' || e.keyword === 'additionalProperties');
  if (fixed) return fixed.keyword === 'required' ? 'is required' : 'is not allowed';
  const allowed = [
    ...errors.filter((e) => e.keyword === 'const').map((e) => String(e.params?.allowedValue)),
    ...errors.filter((e) => e.keyword === 'enum').flatMap((e) => asList(e.params?.allowedValues)),
  ];
  const types = errors.filter((e) => e.keyword === 'type').map((e) => String(e.params?.type));
  if (allowed.length > 0) return `must be one of: ${[...new Set(allowed)].join(', ')}`;
  if (types.length > 1) return `must be ${[...new Set(types)].join(' or ')}`;
  if (types.length === 1 && types[0] === 'object') return 'must be a JSON object';
  const format = errors.find((e) => e.keyword === 'format');
  if (format)
    return `must be ${FORMAT_NAMES[String(format.params?.format)] ?? `a valid ${String(format.params?.format)}`}`;
  // Past the union bookkeeping, the most specific message is the one that is neither "must match a
  // schema in anyOf" nor the "must be null" of a nullable field's other branch.
  const specific = errors.find(
    (e) =>
      !['anyOf', 'oneOf'].includes(e.keyword ?? '') && !(e.keyword === 'type' && e.params?.type === 'null'),
  );
  return specific?.message ?? errors[0]?.message ?? 'is invalid';
}

export function validationDetails(errors: readonly ValidatorError[], part: string): ErrorDetail[] {
  const root = part === 'querystring' ? 'query' : part;
  const byField = new Map<string, ValidatorError[]>();
  const add = (field: string, error: ValidatorError): void => {
    const key = field || root;
    byField.set(key, [...(byField.get(key) ?? []), error]);
  };
  for (const error of errors) {
    const base = fieldOf(error.instancePath);
    if (error.keyword === 'required') {
      const props = asList(error.params?.requiredProperties ?? error.params?.missingProperty);
      for (const prop of props) add(join(base, prop), error);
    } else if (error.keyword === 'additionalProperties') {
      const props = asList(error.params?.additionalProperties ?? error.params?.additionalProperty);
      for (const prop of props) add(join(base, prop), error);
    } else {
      add(base, error);
    }
  }
  // A nullable object that fails inside (`window.start`) also fails its "must be null" branch at
  // `window`; the inner field is the one to report.
  const isUnionNoise = (e: ValidatorError): boolean =>
    ['anyOf', 'oneOf'].includes(e.keyword ?? '') || (e.keyword === 'type' && e.params?.type === 'null');
  const fields = [...byField.keys()];
  return [...byField]
    .filter(([field, list]) => !(list.every(isUnionNoise) && fields.some((f) => f.startsWith(`${field}.`))))
    .map(([field, list]) => ({ field, message: summarise(list) }));
}
