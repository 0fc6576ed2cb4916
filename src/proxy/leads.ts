// POST /leads: one submission becomes exactly one Intercom lead and one conversation started by it.
import { IDEMPOTENCY_HEADER, UUID_PATTERN, type LeadResponse } from '../protocol/wire.js';
import { leadCustomAttributes } from './data-attributes.js';
import { ProxyError } from './errors.js';
import { runOnce, type Progress } from './idempotency.js';
import { IntercomError, intercomErrorToProxyError } from './intercom-client.js';
import { checkLeadRequest, fingerprintSubmission, type LeadSubmission } from './lead-request.js';
import { signLeadToken } from './lead-token.js';
import type { ProxyDeps, RouteHandler } from './options.js';
import { readJsonObject } from './request-body.js';
import { enforceCaptcha, rejectSpamSignals } from './spam.js';
import type { StoredAnswer } from './store/index.js';

/** A claim outlives the longest the work may take (WORK_BUDGET_MS), so two callers never both create. */
const LEASE_MS = 60_000;
const WORK_BUDGET_MS = 30_000;

/** The POST /contacts body: a lead with validated fields only; never `external_id`, never `avatar`. */
export function leadContactBody(submission: LeadSubmission, submissionId: string): Record<string, unknown> {
  const body: Record<string, unknown> = { role: 'lead' };
  if (submission.name) body.name = submission.name;
  if (submission.email) body.email = submission.email;
  if (submission.phone) body.phone = submission.phone;
  body.custom_attributes = leadCustomAttributes(submission, submissionId);
  return body;
}

/** The first message of the conversation: what the person wrote, or a sentence saying where the form was. */
export function conversationBody(submission: LeadSubmission): string {
  if (submission.message) return submission.message;
  const { title, url } = submission.page ?? {};
  const where = title && url ? `"${title}" (${url})` : (url ?? (title ? `"${title}"` : 'an unknown page'));
  return `New lead from the LeadRelay form on ${where}. No message was written.`;
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
  const { store, options } = deps;
  return async (c) => {
    const request = c.req.raw;
    const submissionId = readIdempotencyKey(request);
    const checked = checkLeadRequest(await readJsonObject(request, options.maxBodyBytes));
    const fingerprint = fingerprintSubmission(checked.submission);
    const storeKey = `leads:${submissionId}`;

    // A retry of an answered submission is replayed without the bot checks: its captcha token is already spent.
    const existing = await store.get(storeKey);
    if (!existing?.answer) {
      rejectSpamSignals(checked.hp, checked.elapsedMs, options.minFillMs);
      await enforceCaptcha(options.verifyCaptcha, checked.captchaToken, request);
    }

    const trace = c.get('trace');
    const { answer, replayed } = await runOnce(
      store,
      storeKey,
      fingerprint,
      { leaseMs: LEASE_MS, waitMs: options.idempotencyWaitMs },
      (progress) => deliverLead(deps, checked.submission, submissionId, progress, trace),
    );
    return c.json(answer.body as LeadResponse, answer.status as 201, replayed ? { 'idempotent-replayed': 'true' } : {});
  };
}

/** Create the lead, then the conversation, recording each step so a retry resumes where this one stopped. */
async function deliverLead(
  deps: ProxyDeps,
  submission: LeadSubmission,
  submissionId: string,
  progress: Progress,
  trace: { intercomRequestIds: string[] },
): Promise<StoredAnswer> {
  const { intercom, options } = deps;
  const deadline = Date.now() + WORK_BUDGET_MS;
  try {
    let contactId = progress.steps.contactId;
    if (!contactId) {
      // A set progress.pendingStep === 'contactId' means an earlier attempt may have created the contact (ambiguous
      // failure). Finding it by leadrelay_submission_id before creating again is the recovery issue 7 adds here.
      await progress.start('contactId');
      const contact = await intercom.request<{ id?: unknown }>('POST', '/contacts', leadContactBody(submission, submissionId), {
        retry: 'create',
        deadline,
        trace,
      });
      if (typeof contact?.id !== 'string') throw new IntercomError('http', 502, 'malformed_contact', undefined);
      contactId = contact.id;
      await progress.finish('contactId', contactId);
    }

    let conversationId = progress.steps.conversationId;
    if (!conversationId) {
      await progress.start('conversationId');
      const message = await intercom.request<{ conversation_id?: unknown }>(
        'POST',
        '/conversations',
        { from: { type: 'lead', id: contactId }, body: conversationBody(submission) },
        // A contact created a moment ago may answer 404 until Intercom has indexed it; nothing was created then.
        { retry: 'create', retryNotFoundMs: options.notFoundRetryMs, deadline, trace },
      );
      if (typeof message?.conversation_id !== 'string') {
        throw new IntercomError('http', 502, 'malformed_message', undefined);
      }
      conversationId = message.conversation_id;
      await progress.finish('conversationId', conversationId);
    }

    const leadToken = await signLeadToken(
      { contactId, conversationId, submissionId, avatar: submission.avatar },
      options.secret,
      options.leadTokenTtlSeconds,
    );
    const body: LeadResponse = { status: 'created', leadToken, conversationId };
    return { status: 201, body };
  } catch (error) {
    if (error instanceof IntercomError) throw intercomErrorToProxyError(error);
    throw error;
  }
}
