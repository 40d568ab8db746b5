import type { CampaignConfig } from './campaign-config';

/**
 * What a config edit changed, field by field (a config version's "who changed what"). The window's parts
 * are compared one by one so "window.end 18:00 → 20:00" reads as such; lists compare as wholes.
 */
export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export function configChanges(
  before: Partial<CampaignConfig>,
  after: Partial<CampaignConfig>,
): FieldChange[] {
  const out: FieldChange[] = [];
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])] as (keyof CampaignConfig)[];
  for (const key of keys) {
    const a = before[key] as unknown;
    const b = after[key] as unknown;
    if (same(a, b)) continue;
    const isObject = (v: unknown): v is Record<string, unknown> =>
      v !== null && typeof v === 'object' && !Array.isArray(v);
    if (isObject(a) && isObject(b)) {
      for (const sub of [...new Set([...Object.keys(a), ...Object.keys(b)])]) {
        if (!same(a[sub], b[sub]))
          out.push({ field: `${key}.${sub}`, from: a[sub] ?? null, to: b[sub] ?? null });
      }
    } else out.push({ field: key, from: a ?? null, to: b ?? null });
  }
  return out;
}
