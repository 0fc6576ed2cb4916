// POST /leads: one submission becomes exactly one Intercom lead and one conversation started by it.
//
// This file reads the request, runs the bot checks and translates delivery's result to HTTP: 201 delivered inline,
// 202 queued, 503 with Retry-After when Intercom cannot take it now and the store is not durable (memory), or the
// wire error of Intercom's refusal. The exactly-once acceptance itself is delivery/accept-lead.ts.
import { sha256, toHex } from '../web-crypto.js';
import { IDEMPOTENCY_HEADER, UUID_PATTERN, type LeadResponse } from '../../protocol/wire.js';
import { ProxyError, idempotencyInProgress, idempotencyKeyReused, upstreamError } from '../errors.js';
import { acceptLead as acceptLeadOnce, earlierAcceptance, type Acceptance, type Deferred } from '../delivery/accept-lead.js';
import { checkLeadRequest, fingerprintSubmission, type LeadRequestChecked } from '../guards/lead-request.js';
import { replayResentLead } from './resent-lead.js';
import { loadPhoneRules } from '../guards/phone.js';
import type { ProxyDeps, RequestTrace, RouteHandler } from '../options.js';
import { readJsonObject, submissionBodyCap } from '../guards/request-body.js';
import { enforceCaptcha, enforceTurnstile, rejectSpamSignals } from '../guards/spam.js';

/**
 * The idempotency key siteverify gets: the submission's key and what it asks for, as a UUID. With the key alone, a
 * browser could send a spent token again under that key with another lead to an instance that shares no store with
 * the first (Workers without D1, memory stores), and siteverify would repeat its first "success". The same
 * submission sent again (a retry) still gets the same key, so Cloudflare repeats its answer for it.
 */
function siteverifyKey(submissionId: string, fingerprint: string): string {
  const hex = toHex(sha256(`turnstile\n${submissionId}\n${fingerprint}`));
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function readIdempotencyKey(request: Request): string {
  const key = request.headers.get(IDEMPOTENCY_HEADER);
  if (!key) {
    throw new ProxyError(400, 'missing_idempotency_key', `Send an ${IDEMPOTENCY_HEADER} header (a UUID, reused on retries).`);
  }
  if (!UUID_PATTERN.test(key)) {
    throw new ProxyError(400, 'invalid_idempotency_key', `The ${IDEMPOTENCY_HEADER} header must be a UUID.`);
  }
  return key.toLowerCase();
}

export function createLeadsRoute(deps: ProxyDeps): RouteHandler {
  return async (c) => {
    const request = c.req.raw;
    const submissionId = readIdempotencyKey(request);
    const json = await readJsonObject(request, submissionBodyCap(deps.options.limits.maxBodyBytes, deps.questions));
    await loadPhoneRules();
    let checked: LeadRequestChecked;
    try {
      checked = checkLeadRequest(json, deps.questions);
    } catch (refusal) {
      // A resend of a submission accepted under an older questions file answers as before (resent-lead.ts).
      const replay = await replayResentLead(deps, submissionId, json, refusal);
      return c.json(replay.body, replay.status as 201 | 202, { 'idempotent-replayed': 'true' });
    }
    const clientIp = deps.options.clients.address(request, c.env);
    const { status, body, replayed } = await acceptLead(deps, submissionId, checked, { request, trace: c.get('trace'), checkFillTime: true, clientIp });
    return c.json(body, status, replayed ? { 'idempotent-replayed': 'true' } : {});
  };
}

/** How a checked submission arrived: the widget's JSON (fill time measured) or a form posted without JavaScript. */
export interface LeadArrival {
  request: Request;
  trace: RequestTrace;
  /** False for a form posted without JavaScript: only the widget's script can measure the fill time. */
  checkFillTime: boolean;
  /** The client's address, passed to Turnstile's siteverify (`remoteip`) when known. */
  clientIp?: string;
}

/** The answer to one submission: 201 created or 202 queued, and whether an earlier request produced it. */
export interface LeadAnswer {
  status: 201 | 202;
  body: LeadResponse;
  replayed: boolean;
}

/**
 * A checked submission's answer as HTTP: replay an answered or queued submission, else run the bot checks, then
 * accept it exactly once (delivery/accept-lead.ts) and translate the result. Shared by the JSON route and the
 * no-JavaScript form post (form-post.ts).
 */
export async function acceptLead(deps: ProxyDeps, submissionId: string, checked: LeadRequestChecked, arrival: LeadArrival): Promise<LeadAnswer> {
  const { options } = deps;
  const { request, trace } = arrival;
  if (checked.contextDropped.length) trace.contextDropped = checked.contextDropped;
  const item = { submissionId, fingerprint: fingerprintSubmission(checked.submission), submission: checked.submission };

  // A retry of an answered or queued submission is replayed without the bot checks: its captcha token is spent.
  const earlier = await earlierAcceptance(deps, submissionId, item.fingerprint);
  if (earlier.kind === 'queued' || earlier.kind === 'mismatch') return leadAnswer(earlier);
  if (earlier.kind === 'new') {
    rejectSpamSignals(checked.hp, checked.elapsedMs, arrival.checkFillTime ? options.limits.minFillMs : 0);
    if (deps.turnstile) {
      await enforceTurnstile(deps.turnstile, checked.captchaToken, arrival.clientIp, siteverifyKey(submissionId, item.fingerprint), (reason) => (trace.captchaFailed = reason));
    } else {
      await enforceCaptcha(options.verifyCaptcha, checked.captchaToken, request);
    }
  }
  return leadAnswer(await acceptLeadOnce(deps, item, trace));
}

/** An acceptance as HTTP: 201 or 202, or the wire error that says why not. */
function leadAnswer(acceptance: Acceptance): LeadAnswer {
  switch (acceptance.kind) {
    case 'created':
    case 'queued':
      return { status: acceptance.kind === 'created' ? 201 : 202, body: acceptance.body, replayed: acceptance.replayed };
    case 'deferred':
      throw notQueued(acceptance);
    case 'refused':
      throw upstreamError(acceptance.failure);
    case 'mismatch':
      throw idempotencyKeyReused();
    case 'busy':
      throw idempotencyInProgress();
  }
}

/**
 * A store that does not survive a restart (memory) never answers 202: the browser would forget a submission the
 * proxy may lose. 503 with Retry-After instead, so the widget keeps it in its outbox and sends it again with the
 * same key; the idempotency record keeps the steps done so far, so that send resumes where this one stopped.
 */
function notQueued(deferred: Deferred): ProxyError {
  const seconds = deferred.reason === 'rate_limited' || deferred.reason === 'recovering' ? Math.max(1, Math.ceil((deferred.retryAt - Date.now()) / 1000)) : 2;
  return new ProxyError(
    503,
    'upstream_unavailable',
    'Intercom cannot take this submission now and this proxy keeps no durable queue. Send it again later with the same Idempotency-Key.',
    undefined,
    { 'retry-after': String(seconds) },
  );
}

export { earlyAnsweredSettled } from '../delivery/accept-lead.js';
