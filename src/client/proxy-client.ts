// Sends a submission to the proxy: ky, timeout, retry with backoff, one Idempotency-Key per submission.
// Loaded on demand (with the submit code), so first paint carries neither this nor ky.
import ky, { HTTPError } from 'ky';
import { IDEMPOTENCY_HEADER, ROUTES, type LeadRequest, type LeadResponse, type WireError } from '../protocol/wire.js';

/** What became of one send: the proxy took it, refused it for good, or could not be reached (keep it and try later). */
export type SendOutcome =
  | { kind: 'accepted'; response: LeadResponse }
  | { kind: 'rejected'; status: number; error: WireError['error'] }
  | { kind: 'unreachable' };

/**
 * ky's retry policy. POST is not retried by default; it is safe here because the Idempotency-Key makes a
 * repeat harmless. 413 is left out (a bigger body will not get smaller); Retry-After is honoured up to 10 s.
 */
export const RETRY_POLICY = {
  limit: 2,
  methods: ['post'],
  statusCodes: [408, 429, 500, 502, 503, 504],
  afterStatusCodes: [429, 503],
  maxRetryAfter: 10_000,
  backoffLimit: 4_000,
};

/** Give up on one attempt after this long; the submission then goes to the outbox. */
const TIMEOUT_MS = 15_000;

/** `${proxy}/leads`, tolerating a trailing slash on the configured base URL. */
export function leadsUrl(proxy: string): string {
  return proxy.replace(/\/+$/, '') + ROUTES.leads;
}

/** POST one submission; `key` is the submission's Idempotency-Key and is the same on every retry and resend. */
export async function sendLead(proxy: string, key: string, body: LeadRequest): Promise<SendOutcome> {
  try {
    const response = await ky
      .post(leadsUrl(proxy), {
        json: body,
        headers: { [IDEMPOTENCY_HEADER]: key },
        timeout: TIMEOUT_MS,
        retry: RETRY_POLICY,
      })
      .json<LeadResponse>();
    return { kind: 'accepted', response };
  } catch (error) {
    if (!(error instanceof HTTPError)) return { kind: 'unreachable' };
    const status = error.response.status;
    // Still failing after the retries: the proxy or Intercom is struggling, not the submission. Keep it.
    if (RETRY_POLICY.statusCodes.includes(status)) return { kind: 'unreachable' };
    return { kind: 'rejected', status, error: await readWireError(error.response) };
  }
}

export async function readWireError(response: Response): Promise<WireError['error']> {
  try {
    const body = (await response.json()) as Partial<WireError>;
    if (body.error && typeof body.error.code === 'string') return body.error;
  } catch {
    // Not our error envelope (a CDN or a misconfigured route): fall through to a generic code.
  }
  return { code: 'internal_error', message: `HTTP ${response.status}` };
}
