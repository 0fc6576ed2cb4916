// Intercom's error envelope (`error.list`) and the 4xx answers the emulator gives for bad input.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { newRequestId } from './state.js';

export interface IntercomErrorItem {
  code: string;
  message: string;
  field?: string;
}

export function errorBody(code: string, message: string, field?: string) {
  const item: IntercomErrorItem = { code, message };
  if (field) item.field = field;
  return { type: 'error.list', request_id: newRequestId(), errors: [item] };
}

/** Answers an Intercom-shaped error. */
export function intercomError(c: Context, status: number, code: string, message: string, field?: string): Response {
  return c.json(errorBody(code, message, field), status as ContentfulStatusCode);
}

/** Thrown by handlers and validators; the app turns it into an `error.list` answer. */
export class IntercomApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const notFound = (message: string) => new IntercomApiError(404, 'not_found', message);
export const missingParameter = (field: string) =>
  new IntercomApiError(400, 'parameter_not_found', `${field} is required`, field);
export const invalidParameter = (field: string, message: string) =>
  new IntercomApiError(400, 'parameter_invalid', message, field);

/** The code Intercom uses for a given fault status. */
export function codeForStatus(status: number): string {
  if (status === 429) return 'rate_limit_exceeded';
  if (status === 401) return 'unauthorized';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 503) return 'service_unavailable';
  if (status === 504 || status === 408) return 'request_timeout';
  if (status >= 500) return 'server_error';
  return 'client_error';
}
