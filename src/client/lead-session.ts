// The lead token this browser holds after a submission, and forgetting everything the widget stored.
// Browser only, but safe to import in Node: storage is touched only when a function is called.

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
