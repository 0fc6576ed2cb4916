// The Hono environment shared by the emulator's routes, and small readers for the JSON body and the version.
import type { Context, Hono } from 'hono';
import { IntercomApiError, invalidParameter } from './errors.js';
import type { ApiVersion, EmulatorState } from './state.js';

export type EmulatorEnv = {
  Bindings: { incoming?: { socket?: { destroy(): void } }; outgoing?: unknown } | undefined;
  Variables: {
    state: EmulatorState;
    version: ApiVersion;
    /** The parsed JSON body; `undefined` when there was none. */
    body: unknown;
    /** The body was present but not JSON. */
    malformed: boolean;
  };
};

export type EmulatorApp = Hono<EmulatorEnv>;
export type EmulatorContext = Context<EmulatorEnv>;

/** The request body as a JSON object, or a 400 like Intercom's for anything else. */
export function bodyObject(c: EmulatorContext): Record<string, unknown> {
  const body = c.get('body');
  if (body === undefined) throw new IntercomApiError(400, 'parameter_not_found', 'A JSON request body is required');
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new IntercomApiError(400, 'bad_request', 'The request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

export function optionalString(body: Record<string, unknown>, field: string, nullable = true): string | null | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (value === null && nullable) return null;
  if (typeof value !== 'string') throw invalidParameter(field, `${field} must be a string`);
  return value;
}

export function optionalInteger(body: Record<string, unknown>, field: string): number | null | undefined {
  const value = body[field];
  if (value === undefined || value === null) return value as null | undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidParameter(field, `${field} must be an integer`);
  return value;
}

export function optionalBoolean(body: Record<string, unknown>, field: string): boolean | null | undefined {
  const value = body[field];
  if (value === undefined || value === null) return value as null | undefined;
  if (typeof value !== 'boolean') throw invalidParameter(field, `${field} must be a boolean`);
  return value;
}

/** Maps an `Intercom-Version` header to the behaviour the emulator models; `undefined` for an unknown version. */
export function parseVersion(header: string | undefined): ApiVersion | undefined {
  if (header === undefined || header.trim() === '') return '2.14';
  const value = header.trim();
  if (value === 'Preview' || value === 'Unstable') return '2.16';
  const match = /^(\d+)\.(\d+)$/.exec(value);
  if (!match) return undefined;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  if (major === 1 && minor <= 4) return '2.14';
  if (major !== 2 || minor > 16) return undefined;
  return minor >= 16 ? '2.16' : '2.14';
}

/** A path parameter of the matched route (always present when the route matched). */
export function pathParam(c: EmulatorContext, name: string): string {
  return c.req.param(name) ?? '';
}

/** Thrown when a `drop` fault fires and there is no socket to destroy (the handler was called without Node's bindings). */
export class DroppedConnectionError extends TypeError {
  constructor() {
    super('fetch failed: the emulator dropped the connection (fault)');
  }
}

/** Destroys the TCP connection without an answer, as a network failure would. */
export function dropConnection(c: EmulatorContext): Response {
  const socket = c.env?.incoming?.socket;
  if (!socket) throw new DroppedConnectionError();
  socket.destroy();
  return new Response(null, { status: 599 });
}
