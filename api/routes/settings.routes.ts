import type { FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../deps';
import { invalid } from '../../policy/errors';
import { errorResponses, Nullable } from '../schemas/common.schema';
import { validateFrequencyCap, type FrequencyCap } from '../../policy/frequency-cap';
import { getSettings, updateSettings } from '../../db/repositories/settings.repository';

/**
 * The organisation's settings (docs/api.md): the frequency cap on dials placed to one number
 * across every campaign. Enforced by the claim right before each originate.
 */

const CapSchema = Type.Object({ max_calls: Type.Integer(), per_hours: Type.Integer() });
const SettingsSchema = Type.Object({ frequency_cap: Nullable(CapSchema) });
const PatchSchema = Type.Object({
  // Checked by the policy (its messages name the field): any JSON here, so a wrong type is a 422 there too.
  frequency_cap: Type.Optional(Type.Unknown()),
});

function parseCap(value: unknown): FrequencyCap | null {
  if (value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw invalid([{ field: 'frequency_cap', message: 'must be null or {max_calls, per_hours}' }]);
  }
  const cap = value as { max_calls?: unknown; per_hours?: unknown };
  const problems = validateFrequencyCap(cap);
  if (problems.length > 0) throw invalid(problems);
  return { max_calls: cap.max_calls as number, per_hours: cap.per_hours as number };
}

export async function settingsRoutes(app: FastifyInstance, opts: { deps: AppDeps }): Promise<void> {
  const { deps } = opts;
  const now = deps.now ?? (() => new Date());
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get(
    '/settings',
    {
      schema: {
        summary: "The organisation's settings: the frequency cap",
        response: { 200: SettingsSchema, ...errorResponses(401) },
      },
    },
    async () => getSettings(deps.db),
  );

  r.patch(
    '/settings',
    {
      schema: {
        summary: 'Change the frequency cap (null turns it off)',
        body: PatchSchema,
        response: { 200: SettingsSchema, ...errorResponses(401, 422) },
      },
    },
    async (request) => {
      const body = request.body;
      const patch = 'frequency_cap' in body ? { frequency_cap: parseCap(body.frequency_cap) } : {};
      return updateSettings(deps.db, patch, request.actor || 'api', now());
    },
  );
}
