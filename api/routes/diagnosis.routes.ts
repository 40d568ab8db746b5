import type { FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../deps';
import { errorResponses, IdParamsSchema, Nullable, Timestamp, Uuid } from '../schemas/common.schema';
import { diagnoseCampaign, diagnoseContact } from '../../db/repositories/diagnosis.repository';
import { workflowLinks } from '../../engine/workflow-links';
import { CHECKS } from '../../policy/diagnosis';

/**
 * Diagnosis (docs/api.md; README "On call"): every troubleshooting check that
 * software can run, against live state, and one contact's state with the reason for it. The judgements are
 * policy/diagnosis.ts and policy/contact-diagnosis.ts; the gathering is db/repositories/diagnosis.repository.ts.
 */

const CheckSchema = Type.Object({
  check: Type.String({ description: `a stable name: ${CHECKS.join(', ')}` }),
  status: Type.Union([Type.Literal('ok'), Type.Literal('warn'), Type.Literal('escalate')]),
  evidence: Type.String(),
  next_step: Type.String(),
});

const DiagnosisSchema = Type.Object({
  campaign_id: Uuid,
  run_no: Type.Integer(),
  campaign_status: Type.String(),
  checked_at: Timestamp,
  workflow_id: Nullable(Type.String()),
  workflow_url: Type.Optional(Type.String()),
  checks: Type.Array(CheckSchema),
});

const GateSchema = Type.Object({ gate: Type.String(), ok: Type.Boolean(), detail: Type.String() });

const ContactDiagnosisSchema = Type.Object({
  campaign_id: Uuid,
  contact_id: Uuid,
  run_no: Type.Integer(),
  state: Type.String(),
  reason: Type.String(),
  explanation: Type.String(),
  next_due_at: Nullable(Timestamp),
  attempts: Type.Integer(),
  max_attempts: Type.Integer(),
  pass: Type.Integer(),
  last_outcome: Nullable(Type.String()),
  last_sip_code: Nullable(Type.Integer()),
  last_disposition: Nullable(Type.String()),
  gates: Type.Array(GateSchema),
  attempt_trail: Type.Array(
    Type.Object({
      attempt_no: Type.Integer(),
      attempt_id: Uuid,
      status: Type.String(),
      outcome: Nullable(Type.String()),
      sip_code: Nullable(Type.Integer()),
      disposition: Nullable(Type.String()),
      started_at: Nullable(Timestamp),
      ended_at: Nullable(Timestamp),
    }),
  ),
  workflow_id: Nullable(Type.String()),
  workflow_url: Type.Optional(Type.String()),
  checked_at: Timestamp,
});

const ContactParamsSchema = Type.Object({ id: Uuid, contact_id: Uuid });

export async function diagnosisRoutes(app: FastifyInstance, opts: { deps: AppDeps }): Promise<void> {
  const { deps } = opts;
  const now = deps.now ?? (() => new Date());
  const links = workflowLinks(deps.settings);
  const timings = { ringTimeoutS: deps.settings.ringTimeoutS, maxCallS: deps.settings.maxCallS };
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get(
    '/campaigns/:id/diagnose',
    {
      schema: {
        summary: "Run every troubleshooting check against the campaign's live state",
        params: IdParamsSchema,
        response: { 200: DiagnosisSchema, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const d = await diagnoseCampaign(
        { db: deps.db, engine: deps.engine, timings },
        request.params.id,
        now(),
      );
      // The run's workflow exists once it started; a draft's run has none yet.
      return {
        ...d,
        ...(d.campaign_status === 'draft' ? { workflow_id: null } : links.run(d.campaign_id, d.run_no)),
      };
    },
  );

  r.get(
    '/campaigns/:id/contacts/:contact_id/diagnose',
    {
      schema: {
        summary: 'One contact: its state, the reason, its next due time, attempts and workflow',
        params: ContactParamsSchema,
        response: { 200: ContactDiagnosisSchema, ...errorResponses(401, 404) },
      },
    },
    async (request) => {
      const { has_workflow, ...d } = await diagnoseContact(
        deps.db,
        request.params.id,
        request.params.contact_id,
        now(),
      );
      return {
        ...d,
        ...(has_workflow ? links.contact(d.campaign_id, d.run_no, d.contact_id) : { workflow_id: null }),
      };
    },
  );
}
