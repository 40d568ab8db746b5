import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Settings as TypeBoxSettings } from 'typebox/system';
import { isDatabaseUnavailable } from '../../db/connection';
import { ApiError } from '../errors';
import { DomainError, type DomainErrorKind, type ErrorDetail } from '../../policy/errors';
import { validationDetails } from './validation-details';
import { recordRoutes } from './route-table';

/**
 * The one place errors become HTTP answers, all in docs/api.md's shape
 * `{"error": {"code", "message", "details", "request_id"}}`: domain errors keep their status, schema
 * failures are 422 with one detail per field, unknown routes 404, Postgres away (restarting, unreachable)
 * 503 with `Retry-After` so clients wait it out, anything unexpected 500 (logged with the same request id,
 * never leaked).
 */

/** What a client is told to wait while the database is away: a restart takes a few seconds. */
export const UNAVAILABLE_RETRY_AFTER_S = 5;

// TypeBox stops collecting errors at 8 by default; a body can have more bad fields than that and the
// contract wants one detail for each.
TypeBoxSettings.Set({ maxErrors: 100 });

export interface ErrorBody {
  error: { code: string; message: string; details: ErrorDetail[]; request_id?: string };
}

/** The answer's body with the request's id, which its log lines also carry (request-id.plugin). */
const withRequestId = (body: ErrorBody, request: FastifyRequest): ErrorBody => ({
  error: { ...body.error, request_id: request.id },
});

export const errorBody = (code: string, message: string, details: ErrorDetail[] = []): ErrorBody => ({
  error: { code, message, details },
});

const CODES_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'validation_failed',
  429: 'rate_limited',
  503: 'service_unavailable',
};

function megabytes(bytes: number | undefined): string {
  return bytes ? `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB` : 'the limit';
}

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
  /** Seconds for the `Retry-After` header, when the client should simply try again later. */
  retryAfterS?: number;
}

/** The one mapping of the domain's errors to HTTP statuses. */
export const DOMAIN_ERROR_STATUS: Readonly<Record<DomainErrorKind, number>> = {
  not_found: 404,
  conflict: 409,
  invalid: 422,
  too_large: 413,
};

export function toErrorResponse(error: FastifyError, request: FastifyRequest): ErrorResponse {
  if (error instanceof DomainError) {
    return {
      status: DOMAIN_ERROR_STATUS[error.kind],
      body: errorBody(error.code, error.message, [...error.details]),
    };
  }
  if (error instanceof ApiError) {
    return { status: error.statusCode, body: errorBody(error.code, error.message, error.details) };
  }
  if (error.validation) {
    // A malformed `:id` cannot name anything that exists: answer like an unknown id.
    if (error.validationContext === 'params') {
      const value = Object.values((request.params ?? {}) as Record<string, unknown>)[0];
      return {
        status: 404,
        body: errorBody('not_found', `"${String(value)}" is not a valid id, so nothing has it`),
      };
    }
    const details = validationDetails(error.validation, error.validationContext ?? 'body');
    return { status: 422, body: errorBody('validation_failed', 'The request failed validation', details) };
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return {
        status: 422,
        body: errorBody('validation_failed', 'The request body is not valid JSON', [
          { field: 'body', message: 'is not valid JSON' },
        ]),
      };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 413,
        body: errorBody(
          'payload_too_large',
          `The request body is larger than ${megabytes(request.routeOptions.bodyLimit)}`,
        ),
      };
    default:
      break;
  }
  if (isDatabaseUnavailable(error)) {
    return {
      status: 503,
      body: errorBody(
        'unavailable',
        `The database is unavailable right now (restarting or unreachable). Retry in ${UNAVAILABLE_RETRY_AFTER_S} s.`,
      ),
      retryAfterS: UNAVAILABLE_RETRY_AFTER_S,
    };
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return { status, body: errorBody(CODES_BY_STATUS[status] ?? 'bad_request', error.message) };
  }
  return {
    status: 500,
    body: errorBody('internal_error', 'Something went wrong on our side. The error has been logged.'),
  };
}

export function installErrorHandling(app: FastifyInstance): void {
  // Clients often send `Content-Type: application/json` with no body on action routes (POST /start):
  // that is "no body", not a 400. A body that is present must still be valid JSON (prototype-safe parser).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    // Fastify's own parser is synchronous (it calls `done`); its declared type also allows a promise.
    void parseJson(request, text, done);
  });

  const routes = recordRoutes(app);
  /** `405` with `Allow` when the path is served, but not for this method; undefined otherwise. */
  const methodNotAllowed = (request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined => {
    const path = request.url.split('?')[0] ?? request.url;
    const allowed = routes.methodsFor(path);
    if (allowed.length === 0 || allowed.includes(request.method)) return undefined;
    const message = `${request.method} is not allowed on ${path}; it answers ${allowed.join(', ')}`;
    return reply
      .status(405)
      .header('allow', allowed.join(', '))
      .send(withRequestId(errorBody('method_not_allowed', message), request));
  };

  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    // A request no route took (an unknown method fails its body parsing before the not-found handler),
    // or one a parametric route took only because the path segment fits no other route of its method
    // (`PATCH /campaigns/trigger` reaching `PATCH /campaigns/:id`).
    if (request.is404 || error.validationContext === 'params') {
      const answered = methodNotAllowed(request, reply);
      if (answered) return answered;
    }
    const { status, body, retryAfterS } = toErrorResponse(error, request);
    if (retryAfterS !== undefined) {
      reply.header('retry-after', String(retryAfterS));
      request.log.warn({ url: request.url, method: request.method, reason: error.message }, 'unavailable');
    } else if (status >= 500) {
      request.log.error({ err: error, url: request.url, method: request.method }, 'request failed');
    }
    return reply.status(status).send(withRequestId(body, request));
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? request.url;
    return (
      methodNotAllowed(request, reply) ??
      reply
        .status(404)
        .send(
          withRequestId(errorBody('not_found', `Route ${request.method} ${path} does not exist`), request),
        )
    );
  });
}
