// POST /messages: a follow-up from the browser that created a lead, posted as the lead's reply to its conversation.
import { IDEMPOTENCY_HEADER, LIMITS, UUID_PATTERN, isFilled, validateText, type MessageResponse } from '../../protocol/wire.js';
import { ProxyError, invalidFields, invalidLeadToken, leadPending, upstreamError, type FieldErrors } from '../errors.js';
import { runExactlyOnce } from '../delivery/idempotency.js';
import { onceAnswer } from './once-answer.js';
import { replyAsLead } from '../delivery/lead-reply.js';
import { resolveLeadToken } from '../delivery/lead-resolver.js';
import { InvalidLeadTokenError } from '../guards/lead-token.js';
import type { ProxyDeps, RouteHandler } from '../options.js';
import { readJsonObject, rejectUnknownKeys } from '../guards/request-body.js';
import type { StoredAnswer } from '../store/index.js';
import { sha256, toBase64Url } from '../web-crypto.js';

const MESSAGE_KEYS = ['leadToken', 'body'] as const;

export function createMessagesRoute(deps: ProxyDeps): RouteHandler {
  const { intercom, store, options } = deps;
  return async (c) => {
    const request = c.req.raw;
    const input = await readJsonObject(request, options.limits.maxBodyBytes);
    const fields: FieldErrors = {};
    rejectUnknownKeys(input, MESSAGE_KEYS, fields);
    const bodyCode = isFilled(input.body) ? validateText(input.body, LIMITS.message.max, true) : 'required';
    if (bodyCode) fields.body = bodyCode;
    if (input.leadToken === undefined) fields.leadToken = 'required';
    else if (validateText(input.leadToken, LIMITS.leadToken.max)) fields.leadToken = 'invalid_type';
    if (Object.keys(fields).length) throw invalidFields(fields);

    let claims;
    try {
      // A queued submission's token waits here for its delivery (503 lead_pending after pendingLeadWaitMs).
      claims = await resolveLeadToken(deps, input.leadToken, options.delivery.pendingLeadWaitMs);
    } catch (error) {
      if (error instanceof InvalidLeadTokenError) throw invalidLeadToken();
      throw error;
    }
    if (claims === 'pending') throw leadPending();
    const conversationId = claims.conversationId;
    if (!conversationId) throw invalidLeadToken();
    const text = (input.body as string).trim();
    const trace = c.get('trace');

    const reply = async (): Promise<StoredAnswer> => {
      const result = await replyAsLead(intercom, { contactId: claims.contactId, conversationId }, text, trace);
      // The token's conversation or lead is gone (deleted, or the lead merged away): the token names nothing now.
      if (result.kind === 'gone') throw invalidLeadToken();
      if (result.kind === 'failed') throw upstreamError(result.failure);
      return result.answer;
    };

    // The Idempotency-Key is optional here; with one, a retried follow-up is posted once.
    const key = request.headers.get(IDEMPOTENCY_HEADER);
    if (key === null) {
      const answer = await reply();
      return c.json(answer.body as MessageResponse, 201);
    }
    if (!UUID_PATTERN.test(key)) {
      throw new ProxyError(400, 'invalid_idempotency_key', `The ${IDEMPOTENCY_HEADER} header must be a UUID.`);
    }
    const fingerprint = toBase64Url(sha256(JSON.stringify([claims.contactId, conversationId, text])));
    const { answer, replayed } = onceAnswer(
      await runExactlyOnce(store, `messages:${key.toLowerCase()}`, fingerprint, { leaseMs: 60_000, waitMs: options.delivery.idempotencyWaitMs }, reply),
    );
    return c.json(answer.body as MessageResponse, 201, replayed ? { 'idempotent-replayed': 'true' } : {});
  };
}
