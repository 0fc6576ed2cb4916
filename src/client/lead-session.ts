// The lead token this browser holds after a submission, converting it at sign-in, and forgetting everything stored.
// Browser only, but safe to import in Node: storage is touched only when a function is called.
import type { ConvertResponse, ErrorCode, Identity } from '../protocol/wire.js';

/** Every storage key the widget uses, in one place, so `resetLead()` can forget them all. */
export const STORAGE_KEYS = {
  /** localStorage: the lead token from the last accepted submission. */
  leadToken: 'leadrelay:lead-token',
  /** localStorage: submissions not yet delivered (see widget/outbox.ts). */
  outbox: 'leadrelay:outbox',
  /** sessionStorage prefix: what was typed, per form, until it is sent. */
  draftPrefix: 'leadrelay:draft:',
} as const;

/** localStorage, or undefined where it does not exist or throws (Node, sandboxed iframes, some private modes). */
export function localStore(): Storage | undefined {
  try {
    return globalThis.localStorage ?? undefined;
  } catch {
    return undefined;
  }
}

/** sessionStorage, or undefined (see `localStore`). */
export function sessionStore(): Storage | undefined {
  try {
    return globalThis.sessionStorage ?? undefined;
  } catch {
    return undefined;
  }
}

/** The stored lead token, if a submission from this browser was accepted. */
export function readLeadToken(): string | undefined {
  try {
    return localStore()?.getItem(STORAGE_KEYS.leadToken) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Keep the lead token the proxy answered with, for `convertLead()` at sign-in. */
export function storeLeadToken(token: string): void {
  try {
    localStore()?.setItem(STORAGE_KEYS.leadToken, token);
  } catch {
    // Storage full or refused: the lead still exists; only a later sign-in merge is lost.
  }
}

/** Forget everything the widget stored: lead token, unsent submissions, drafts (for sign-out and shared computers). */
export function resetLead(): void {
  try {
    const local = localStore();
    local?.removeItem(STORAGE_KEYS.leadToken);
    local?.removeItem(STORAGE_KEYS.outbox);
    const session = sessionStore();
    if (session) {
      for (const key of Object.keys(session)) {
        if (key.startsWith(STORAGE_KEYS.draftPrefix)) session.removeItem(key);
      }
    }
  } catch {
    // Nothing stored or storage refused: nothing to forget.
  }
}

/** What `convertLead()` needs: the proxy's base URL and proof of who signed in (see the README, "Sign-in"). */
export interface ConvertLeadOptions {
  /** The proxy's base URL, as on the widget's `proxy` attribute. */
  proxy: string;
  /** A user hash or a JWT your server made for the signed-in user; `{}` when the proxy authenticates the session. */
  identity: Identity;
}

/** The proxy's answer, or `nothing_to_convert` when this browser holds no lead token and no Messenger visitor. */
export type ConvertLeadResult = ConvertResponse | { status: 'nothing_to_convert' };

/** How `convertLead()` rejects: the wire error code (`identity_unverified`, `invalid_lead_token`, `network_error`…). */
export interface ConvertLeadError extends Error {
  code: ErrorCode;
  /** The HTTP status; 0 when the proxy could not be reached. */
  status: number;
}

/** The detail of `lr-convert-error`: the rejection's code, status and message. */
export interface ConvertLeadErrorDetail {
  code: ErrorCode;
  /** The HTTP status; 0 when the proxy was not reached. */
  status: number;
  message: string;
}

declare global {
  interface WindowEventMap {
    /** Fired on `window` when `convertLead()` has turned this browser's lead (or visitor) into the signed-in user. */
    'lr-converted': CustomEvent<ConvertResponse>;
    /** Fired on `window` when a `convertLead()` call fails, awaited or queued with `LeadRelay.q.push(['convertLead', …])`. */
    'lr-convert-error': CustomEvent<ConvertLeadErrorDetail>;
  }
}

/**
 * At sign-in: turn the lead this browser created (and the Intercom Messenger visitor, if the page runs the Messenger)
 * into the signed-in user. On success the stored lead token is forgotten and `lr-converted` fires on `window`; on
 * failure it rejects and `lr-convert-error` fires on `window`.
 * Its code loads on first call, so pages that never sign anyone in do not pay for it.
 */
export async function convertLead(options: ConvertLeadOptions): Promise<ConvertLeadResult> {
  const { convertStoredLead } = await import('./lead-conversion.js');
  return convertStoredLead(options);
}
