// Cloudflare Turnstile's siteverify, imitated beside the Intercom API: Cloudflare's documented test secrets, and tokens
// the emulator issues for a secret of its own so hostname, action, expiry and single use can be tested offline.
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { dropConnection, type EmulatorApp, type EmulatorContext } from './context.js';
import type { EmulatorState, TurnstileTokenRecord } from './state.js';

/** Cloudflare's test secret keys (developers.cloudflare.com/turnstile/troubleshooting/testing/). */
export const TURNSTILE_TEST_SECRETS = {
  /** Passes the dummy token, fails any other. */
  pass: '1x0000000000000000000000000000000AA',
  /** Always fails (`invalid-input-response`). */
  fail: '2x0000000000000000000000000000000AA',
  /** Always answers "token already spent" (`timeout-or-duplicate`). */
  spent: '3x0000000000000000000000000000000AA',
} as const;

/** The token Cloudflare's test sitekeys produce; only the test secrets accept it. */
export const TURNSTILE_DUMMY_TOKEN = 'XXXX.DUMMY.TOKEN.XXXX';

/** The secret tokens are issued for when the test names none; siteverify always knows it. */
export const EMULATOR_TURNSTILE_SECRET = '0x4AAAAAAAEmulatorTurnstileSecret';

/** A token is valid this long after it was issued, and at most this long in characters. */
export const TURNSTILE_TOKEN_TTL_MS = 300_000;
export const TURNSTILE_TOKEN_MAX = 2048;

export const SITEVERIFY_PATH = '/turnstile/v0/siteverify';
const HOOKS = '/turnstile/_emulator';

type Answer = Record<string, unknown>;
const failure = (...codes: string[]): Answer => ({ success: false, 'error-codes': codes });

/** siteverify takes a form (urlencoded or multipart) or JSON, and always answers JSON. */
async function readFields(request: Request): Promise<Record<string, string> | undefined> {
  const type = request.headers.get('content-type') ?? '';
  try {
    if (/^application\/json\b/i.test(type)) {
      const body = (await request.json()) as unknown;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
      return Object.fromEntries(Object.entries(body).filter(([, value]) => typeof value === 'string')) as Record<string, string>;
    }
    const form = await request.formData();
    const fields: Record<string, string> = {};
    form.forEach((value, key) => {
      if (typeof value === 'string') fields[key] = value;
    });
    return fields;
  } catch {
    return undefined;
  }
}

function success(record: Pick<TurnstileTokenRecord, 'hostname' | 'action' | 'cdata'>, solvedAt: number): Answer {
  return {
    success: true,
    challenge_ts: new Date(solvedAt).toISOString(),
    hostname: record.hostname,
    'error-codes': [],
    action: record.action,
    cdata: record.cdata,
    metadata: { interactive: false },
  };
}

/** What siteverify answers for these fields; marks an issued token spent. */
function verify(state: EmulatorState, fields: Record<string, string>): Answer {
  const { secret, response: token } = fields;
  const idempotencyKey = fields.idempotency_key || undefined;
  if (!secret) return failure('missing-input-secret');
  if (!token) return failure('missing-input-response');
  if (secret === TURNSTILE_TEST_SECRETS.fail) return failure('invalid-input-response');
  if (secret === TURNSTILE_TEST_SECRETS.spent) return failure('timeout-or-duplicate');
  // The pass secret answers example.com and an empty action, as Cloudflare's does.
  if (secret === TURNSTILE_TEST_SECRETS.pass) {
    return token === TURNSTILE_DUMMY_TOKEN ? success({ hostname: 'example.com', action: '', cdata: '' }, Date.now()) : failure('invalid-input-response');
  }
  if (secret !== EMULATOR_TURNSTILE_SECRET && !state.turnstile.secrets.has(secret)) return failure('invalid-input-secret');
  const record = token.length <= TURNSTILE_TOKEN_MAX ? state.turnstile.tokens.get(token) : undefined;
  if (!record || record.secret !== secret) return failure('invalid-input-response');
  if (record.spent) {
    // A retry with the first call's idempotency key gets the first answer again; anything else is a replay.
    if (idempotencyKey !== undefined && record.spent.idempotencyKey === idempotencyKey) return record.spent.answer;
    return failure('timeout-or-duplicate');
  }
  const answer = Date.now() - record.issuedAt > TURNSTILE_TOKEN_TTL_MS ? failure('timeout-or-duplicate') : success(record, record.issuedAt);
  record.spent = { idempotencyKey, answer };
  return answer;
}

const isJson = (c: EmulatorContext) => /^application\/json\s*(;|$)/i.test(c.req.header('content-type') ?? '');

async function hookBody(c: EmulatorContext): Promise<Record<string, unknown> | undefined> {
  // JSON only: a cross-site page cannot send it without a preflight, so it cannot drive these hooks.
  if (!isJson(c)) return undefined;
  try {
    const text = await c.req.text();
    const body = text.trim() === '' ? {} : (JSON.parse(text) as unknown);
    return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const hookError = (c: EmulatorContext, message: string) => c.json({ error: { code: 'invalid_request', message } }, 400);

/**
 * Registers siteverify and its test hooks. Call before the Intercom middleware: these routes answer without the
 * bearer check, the Intercom-Version check, the rate limit and the Intercom request log.
 *
 * - `POST /turnstile/v0/siteverify`: form or JSON `{secret, response, remoteip?, idempotency_key?}`, answered as
 *   Cloudflare documents it (always HTTP 200 with `success` and `error-codes`).
 * - `POST /turnstile/_emulator/tokens` `{hostname?, action?, cdata?, secret?, ageMs?}` → `{token, secret}`: a token
 *   as a widget on `hostname` would get (default `localhost`), issued `ageMs` ago (default 0) for `secret`.
 * - `GET /turnstile/_emulator/verifications` → `{verifications}`: every siteverify call, the secret left out.
 * - `POST /turnstile/_emulator/faults` `{status?, delayMs?, times?, drop?}`: siteverify answers `status` (with
 *   `internal-error`), after `delayMs`, or drops the connection, for the next `times` calls (default: all);
 *   `DELETE` removes them. `POST /_emulator/reset` forgets all of it.
 */
export function registerTurnstileRoutes(app: EmulatorApp, state: EmulatorState): void {
  app.post(SITEVERIFY_PATH, async (c) => {
    const turnstile = state.turnstile;
    const fault = turnstile.faults.find((candidate) => candidate.times === undefined || candidate.fired < candidate.times);
    if (fault) {
      fault.fired += 1;
      if (fault.delayMs > 0) await delay(fault.delayMs, undefined, { ref: false });
      if (fault.drop) return dropConnection(c);
      if (fault.status !== undefined) return c.json(failure('internal-error'), fault.status as 500);
    }
    const fields = await readFields(c.req.raw);
    const answer = fields ? verify(state, fields) : failure('bad-request');
    turnstile.verifications.push({
      at: new Date().toISOString(),
      token: fields?.response ?? null,
      remoteip: fields?.remoteip ?? null,
      idempotency_key: fields?.idempotency_key ?? null,
      answer,
    });
    return c.json(answer);
  });

  app.post(`${HOOKS}/tokens`, async (c) => {
    const body = await hookBody(c);
    if (!body) return hookError(c, 'The body must be a JSON object (Content-Type: application/json)');
    const text = (key: string, fallback: string) => (typeof body[key] === 'string' ? (body[key] as string) : fallback);
    const ageMs = body.ageMs === undefined ? 0 : body.ageMs;
    if (typeof ageMs !== 'number' || !Number.isFinite(ageMs) || ageMs < 0) return hookError(c, 'ageMs must be a number ≥ 0');
    const secret = text('secret', EMULATOR_TURNSTILE_SECRET);
    if (Object.values(TURNSTILE_TEST_SECRETS).includes(secret as never)) return hookError(c, 'Tokens for the test secrets: use the dummy token');
    // Shaped like Cloudflare's: a version prefix, then a long opaque string.
    const token = `0.${randomBytes(96).toString('base64url')}`;
    state.turnstile.secrets.add(secret);
    state.turnstile.tokens.set(token, {
      secret,
      hostname: text('hostname', 'localhost'),
      action: text('action', ''),
      cdata: text('cdata', ''),
      issuedAt: Date.now() - ageMs,
    });
    return c.json({ token, secret });
  });

  app.get(`${HOOKS}/verifications`, (c) => c.json({ verifications: state.turnstile.verifications }));

  app.post(`${HOOKS}/faults`, async (c) => {
    const body = await hookBody(c);
    if (!body) return hookError(c, 'The body must be a JSON object (Content-Type: application/json)');
    const { status, delayMs = 0, times, drop = false } = body;
    if (status !== undefined && (typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 599)) return hookError(c, 'status must be 400–599');
    if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0) return hookError(c, 'delayMs must be a number ≥ 0');
    if (times !== undefined && (typeof times !== 'number' || !Number.isInteger(times) || times < 1)) return hookError(c, 'times must be a positive integer');
    if (typeof drop !== 'boolean') return hookError(c, 'drop must be true or false');
    state.turnstile.faults.push({ status: status as number | undefined, delayMs, times: times as number | undefined, fired: 0, drop });
    return c.json({ faults: state.turnstile.faults });
  });

  app.delete(`${HOOKS}/faults`, (c) => {
    state.turnstile.faults = [];
    return c.json({ faults: [] });
  });
}
