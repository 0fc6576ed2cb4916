// The body of convertLead(), loaded on its first call: read what this browser holds, POST /convert, clean up, announce.
import { ROUTES, type ConvertRequest, type ConvertResponse, type ErrorCode } from '../protocol/wire.js';
import { RETRY_POLICY, readWireError } from './proxy-client.js';
import {
  STORAGE_KEYS,
  localStore,
  readLeadToken,
  type ConvertLeadError,
  type ConvertLeadOptions,
  type ConvertLeadResult,
} from './lead-session.js';

const TIMEOUT_MS = 15_000;

type IntercomMessenger = (command: string) => unknown;

/** The Messenger's visitor id when the page runs Intercom Messenger and it has booted; undefined otherwise. */
function messengerVisitorId(): string | undefined {
  const intercom = (globalThis as { Intercom?: IntercomMessenger }).Intercom;
  if (typeof intercom !== 'function') return undefined;
  try {
    const id = intercom('getVisitorId');
    return typeof id === 'string' && id !== '' ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The error convertLead() rejects with. It also fires `lr-convert-error` on window: a call queued with
 * `LeadRelay.q.push(['convertLead', …])` has nobody awaiting its rejection.
 */
function convertError(code: ErrorCode, message: string, status: number): ConvertLeadError {
  globalThis.dispatchEvent?.(new CustomEvent('lr-convert-error', { detail: { code, status, message } }));
  return Object.assign(new Error(message), { name: 'ConvertLeadError', code, status });
}

export async function convertStoredLead({ proxy, identity }: ConvertLeadOptions): Promise<ConvertLeadResult> {
  const leadToken = readLeadToken();
  const visitorId = messengerVisitorId();
  if (!leadToken && !visitorId) return { status: 'nothing_to_convert' };

  const body: ConvertRequest = { identity };
  if (leadToken) body.leadToken = leadToken;
  if (visitorId) body.visitorId = visitorId;
  const ky = (await import('ky')).default;
  let result: ConvertResponse;
  try {
    // Retrying is safe: the proxy answers a repeated conversion with the same user.
    result = await ky
      .post(proxy.replace(/\/+$/, '') + ROUTES.convert, { json: body, timeout: TIMEOUT_MS, retry: RETRY_POLICY })
      .json<ConvertResponse>();
  } catch (error) {
    const response = (error as { response?: Response }).response;
    if (!(response instanceof Response)) throw convertError('network_error', 'The proxy could not be reached.', 0);
    const wire = await readWireError(response);
    throw convertError(wire.code, wire.message, response.status);
  }

  try {
    // Only the token that was converted: a form sent meanwhile stored a new lead, which is not this user's yet.
    if (leadToken && readLeadToken() === leadToken) localStore()?.removeItem(STORAGE_KEYS.leadToken);
  } catch {
    // Storage refused: converting the same token again answers with the same user, so this is harmless.
  }
  globalThis.dispatchEvent?.(new CustomEvent('lr-converted', { detail: result }));
  return result;
}
