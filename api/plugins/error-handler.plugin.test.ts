import { describe, expect, it } from 'vitest';
import type { FastifyError, FastifyRequest } from 'fastify';
import {
  ConflictError,
  DOMAIN_ERROR_KINDS,
  NotFoundError,
  TooLargeError,
  ValidationError,
  conflict,
  invalid,
  notFound,
  tooLarge,
  type DomainError,
} from '../../policy/errors';
import { ApiError } from '../errors';
import { DOMAIN_ERROR_STATUS, toErrorResponse } from './error-handler.plugin';

/** The one handler maps every domain error kind to its documented status and the error body. */

const request = { params: {}, routeOptions: {} } as unknown as FastifyRequest;
const answer = (err: Error) => toErrorResponse(err as FastifyError, request);

describe('domain errors → HTTP', () => {
  it.each<[DomainError, number, string]>([
    [notFound('campaign', 'c1'), 404, 'not_found'],
    [conflict('invalid_state', 'Campaign is running'), 409, 'invalid_state'],
    [invalid([{ field: 'name', message: 'is required' }]), 422, 'validation_failed'],
    [tooLarge('The CSV is larger than 100 MB'), 413, 'payload_too_large'],
  ])('%s answers its status with its code, message and details', (err, status, code) => {
    const res = answer(err);
    expect(res.status).toBe(status);
    expect(res.body).toEqual({ error: { code, message: err.message, details: [...err.details] } });
  });

  it('keeps the field details of a validation error', () => {
    const details = [
      { field: 'window.start', message: 'must be HH:MM' },
      { field: 'working_days', message: 'must not be empty' },
    ];
    expect(answer(invalid(details, 'The config is not valid')).body.error).toEqual({
      code: 'validation_failed',
      message: 'The config is not valid',
      details,
    });
  });

  it('has a status for every kind, and each class is its kind', () => {
    expect(Object.keys(DOMAIN_ERROR_STATUS).sort()).toEqual([...DOMAIN_ERROR_KINDS].sort());
    expect(new NotFoundError('not_found', 'x').kind).toBe('not_found');
    expect(new ConflictError('duplicate', 'x').kind).toBe('conflict');
    expect(new ValidationError('validation_failed', 'x').kind).toBe('invalid');
    expect(new TooLargeError('payload_too_large', 'x').kind).toBe('too_large');
    expect(notFound('bot').message).toBe('bot does not exist');
    expect(notFound('bot', 'b1').name).toBe('NotFoundError');
  });

  it('still renders the HTTP-only answers (401, 429, 503) with their own status', () => {
    expect(answer(new ApiError(503, 'engine_unavailable', 'later')).status).toBe(503);
  });
});
