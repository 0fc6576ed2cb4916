// The widget's events: their detail types, their place in HTMLElementEventMap, and the one helper that fires them.
import type { ErrorCode, FieldErrorCode } from '../protocol/wire.js';
import type { LeadValues } from './fields.js';

export type LeadSubmitDetail = LeadValues;
export interface LeadSuccessDetail {
  /**
   * `created`: Intercom has the lead and its conversation; `queued`: the proxy has it (HTTP 202), holds it durably and
   * will deliver it to Intercom (the form says so under the success message).
   */
  status: 'created' | 'queued';
  conversationId?: string;
  /**
   * True when this page sent a submission an earlier page (or an earlier load of this one) left in the outbox: the
   * visitor is not looking at that form any more, so the form here does not change.
   */
  resent?: true;
}
export interface LeadErrorDetail {
  /**
   * The proxy's error code, or `chunk_load_failed`: a file of the script could not be fetched. Unless that event is
   * cancelled, the form then posts itself to the proxy as it does without JavaScript.
   */
  code: ErrorCode | 'chunk_load_failed';
  /** The proxy's sentence (for logs); the visitor sees the localised one. */
  message: string;
  fields?: Partial<Record<string, FieldErrorCode>>;
  /** `chunk_load_failed`: the URL of the file that could not be fetched (where the browser names it). */
  file?: string;
  /** The proxy refused a submission an earlier page left in the outbox (see `LeadSuccessDetail.resent`). */
  resent?: true;
}
export interface LeadQueuedDetail {
  /** The submission's Idempotency-Key; it is sent with the same key when the proxy is reachable again. */
  idempotencyKey: string;
  /** `offline`: the browser says it has no network; `unreachable`: it has, but the proxy did not answer (or failed). */
  reason: 'offline' | 'unreachable';
}

export interface LeadRelayEventMap {
  'lr-submit': CustomEvent<LeadSubmitDetail>;
  'lr-success': CustomEvent<LeadSuccessDetail>;
  'lr-error': CustomEvent<LeadErrorDetail>;
  'lr-queued': CustomEvent<LeadQueuedDetail>;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface HTMLElementEventMap extends LeadRelayEventMap {}
}

type DetailOf<K extends keyof LeadRelayEventMap> = LeadRelayEventMap[K] extends CustomEvent<infer D> ? D : never;

/** Fire a widget event: always bubbling and composed (it leaves the shadow root); returns false if it was cancelled. */
export function emit<K extends keyof LeadRelayEventMap>(
  target: EventTarget,
  type: K,
  detail: DetailOf<K>,
  cancelable = false,
): boolean {
  return target.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true, cancelable }));
}
