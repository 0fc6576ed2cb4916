// A follow-up from the browser that created a lead, posted as the lead's reply to its conversation.
import type { MessageResponse } from '../../protocol/wire.js';
import type { UpstreamFailure } from '../errors.js';
import { IntercomError, type IntercomClient } from '../intercom/intercom-client.js';
import type { RequestTrace } from '../options.js';
import type { StoredAnswer } from '../store/index.js';

/** `gone`: the conversation or the lead no longer exists (deleted, or the lead merged away). */
export type ReplyResult = { kind: 'sent'; answer: StoredAnswer } | { kind: 'gone' } | { kind: 'failed'; failure: UpstreamFailure };

export async function replyAsLead(
  intercom: IntercomClient,
  lead: { contactId: string; conversationId: string },
  text: string,
  trace: RequestTrace,
): Promise<ReplyResult> {
  try {
    await intercom.request(
      'POST',
      `/conversations/${encodeURIComponent(lead.conversationId)}/reply`,
      { message_type: 'comment', type: 'user', intercom_user_id: lead.contactId, body: text },
      { retry: 'create', trace },
    );
  } catch (error) {
    if (!(error instanceof IntercomError)) throw error;
    if (error.kind === 'http' && (error.status === 404 || error.status === 410)) return { kind: 'gone' };
    return { kind: 'failed', failure: error };
  }
  const body: MessageResponse = { conversationId: lead.conversationId };
  return { kind: 'sent', answer: { status: 201, body } };
}
