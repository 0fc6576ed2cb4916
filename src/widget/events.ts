// The widget's events: their detail types, their place in HTMLElementEventMap, and the one helper that fires them.
import type { ErrorCode, FieldErrorCode } from '../protocol/wire.js';
import type { LeadValues } from './fields.js';

export type LeadSubmitDetail = LeadValues;
export interface LeadSuccessDetail {
  /** `created`: Intercom has the lead and its conversation; `queued`: the proxy holds it durably and will deliver it. */
  status: 'created' | 'queued';
  conversationId?: string;
}
export interface LeadErrorDetail {
  code: ErrorCode;
  /** The proxy's sentence (for logs); the visitor sees the localised one. */
  message: string;
  fields?: Partial<Record<string, FieldErrorCode>>;
}
export interface LeadQueuedDetail {
  /** The submission's Idempotency-Key; it is sent with the same key when the proxy is reachable again. */
  idempotencyKey: string;
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
