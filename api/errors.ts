/**
 * Domain errors carry their HTTP meaning; one error handler (in app.ts) renders them as
 * {"error": {"code", "message", "details"}} (API.md "Conventions").
 */
export interface ErrorDetail {
  field: string;
  message: string;
}

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

export const notFound = (what: string, id?: string): ApiError =>
  new ApiError(404, 'not_found', id ? `${what} ${id} does not exist` : `${what} does not exist`);

export const conflict = (code: string, message: string): ApiError => new ApiError(409, code, message);

export const invalid = (details: ErrorDetail[], message = 'The request body failed validation'): ApiError =>
  new ApiError(422, 'validation_failed', message, details);

export const tooLarge = (message: string): ApiError => new ApiError(413, 'payload_too_large', message);
