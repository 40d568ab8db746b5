/**
 * Domain errors: what went wrong in the dialler's own terms. Repositories and routes throw them; the API's
 * error handler (api/plugins/error-handler.plugin.ts) is the one place that turns each kind into an HTTP
 * status and the `{"error": {"code", "message", "details"}}` body. Nothing here knows about HTTP.
 */

/** One problem with one input field (`field` is the path a client sent, e.g. `window.start`). */
export interface ErrorDetail {
  field: string;
  message: string;
}

export const DOMAIN_ERROR_KINDS = ['not_found', 'conflict', 'invalid', 'too_large'] as const;
export type DomainErrorKind = (typeof DOMAIN_ERROR_KINDS)[number];

export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;
  constructor(
    /** The machine-readable code clients switch on (`not_found`, `invalid_state`, `validation_failed` …). */
    readonly code: string,
    message: string,
    readonly details: readonly ErrorDetail[] = [],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The thing asked for does not exist (or is not visible to the caller). */
export class NotFoundError extends DomainError {
  readonly kind = 'not_found' as const;
}

/** The request is well-formed but the current state forbids it (`invalid_state`, `duplicate`, …). */
export class ConflictError extends DomainError {
  readonly kind = 'conflict' as const;
}

/** The input breaks a rule: one detail per offending field. */
export class ValidationError extends DomainError {
  readonly kind = 'invalid' as const;
}

/** The input is larger than a limit allows. */
export class TooLargeError extends DomainError {
  readonly kind = 'too_large' as const;
}

export const notFound = (what: string, id?: string): NotFoundError =>
  new NotFoundError('not_found', id ? `${what} ${id} does not exist` : `${what} does not exist`);

export const conflict = (code: string, message: string): ConflictError => new ConflictError(code, message);

export const invalid = (
  details: readonly ErrorDetail[],
  message = 'The request body failed validation',
): ValidationError => new ValidationError('validation_failed', message, details);

export const tooLarge = (message: string): TooLargeError => new TooLargeError('payload_too_large', message);
