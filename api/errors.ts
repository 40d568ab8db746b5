/**
 * Answers that only exist over HTTP (authentication, rate limiting, an engine the API cannot reach): they
 * carry their status. Everything the domain can say — not found, conflict, invalid, too large — is a
 * DomainError (policy/errors.ts), mapped to its status by the one error handler.
 */
import type { ErrorDetail } from '../policy/errors';

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}
