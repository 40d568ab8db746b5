import { Type, type TSchema } from '@fastify/type-provider-typebox';

/**
 * Building blocks every route schema shares: ids, timestamps and the one error shape of docs/api.md
 * ("Conventions"). Declaring the error bodies in each route's `response` puts them in the OpenAPI document.
 */

export const Uuid = Type.String({ format: 'uuid' });

/** ISO-8601 in UTC, always produced with `Date.prototype.toISOString()`. */
export const Timestamp = Type.String({ format: 'date-time' });

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const ErrorDetailSchema = Type.Object({ field: Type.String(), message: Type.String() });

export const ErrorResponseSchema = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    details: Type.Array(ErrorDetailSchema),
    /** The request's id, also in its `X-Request-Id` header and on its log lines. */
    request_id: Type.Optional(Type.String()),
  }),
});

/** `{ 401: ErrorResponse, 404: ErrorResponse, ... }` for a route's `response` map. */
export function errorResponses<const C extends number>(...codes: C[]): Record<C, typeof ErrorResponseSchema> {
  return Object.fromEntries(codes.map((c) => [c, ErrorResponseSchema])) as Record<
    C,
    typeof ErrorResponseSchema
  >;
}

/** `:id` path parameter. A malformed id answers 404 like an unknown one (see the error handler). */
export const IdParamsSchema = Type.Object({ id: Uuid });

export const iso = (d: Date): string => d.toISOString();
export const isoOrNull = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
