// Reactive controller that keeps what the visitor typed (draft) and sent (outbox) until the proxy has it.
import type { ReactiveController } from 'lit';
import { STORAGE_KEYS, localStore, sessionStore } from '../client/lead-session.js';
import type { Draft, Outbox, OutboxHost } from './host.js';

export type { Draft } from './host.js';

/**
 * Resolves after the next paint (a frame, then a task), or within 300 ms where frames do not come (a hidden tab).
 * Storage is read here rather than on the first-paint path: the first access to localStorage or sessionStorage on a
 * page costs a synchronous round trip to the browser process.
 */
export function afterPaint(): Promise<void> {
  return new Promise((resolve) => {
    setTimeout(resolve, 300);
    globalThis.requestAnimationFrame?.(() => setTimeout(resolve));
  });
}

export class OutboxController implements ReactiveController, Outbox {
  private _flushedFor = '';

  constructor(private readonly _host: OutboxHost) {
    _host.addController(this);
  }

  hostUpdated(): void {
    // Resend what an earlier page (or this one, offline) left behind, once the proxy URL is known.
    if (this._host.proxy && this._host.proxy !== this._flushedFor) {
      this._flushedFor = this._host.proxy;
      void afterPaint().then(this.flushOutbox);
    }
  }

  /**
   * Send every waiting submission for this widget's proxy, each with its own original key. The outbox code comes
   * with the submit code, fetched only when something waits; if it cannot be fetched, the next flush tries again.
   * What is still unsent then waits for `online` or a retry (see `sendSubmission` in submission.ts, which listens for them):
   * nothing listens while nothing waits.
   */
  readonly flushOutbox = (): void => {
    if (!localStore()?.getItem(STORAGE_KEYS.outbox)) return;
    import('./submission.js').then((module) => {
      for (const item of module.readOutbox()) if (item.proxy === this._host.proxy) void module.sendSubmission(this._host, item);
    }, () => undefined);
  };

  private get _draftKey(): string {
    return `${STORAGE_KEYS.draftPrefix}${location.pathname}#${this._host.id}`;
  }

  readDraft(): Draft | undefined {
    try {
      const text = sessionStore()?.getItem(this._draftKey);
      return text ? (JSON.parse(text) as Draft) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Called on input only: nothing is written before the visitor interacts. */
  saveDraft(draft: Draft): void {
    try {
      sessionStore()?.setItem(this._draftKey, JSON.stringify(draft));
    } catch {
      // A draft is a convenience; without storage the form still works.
    }
  }

  clearDraft(): void {
    try {
      sessionStore()?.removeItem(this._draftKey);
    } catch {
      // A damaged store (Firefox can throw on a corrupt profile): the draft is stale now, not harmful.
    }
  }
}
