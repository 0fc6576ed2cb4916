// Reactive controller that keeps what the visitor typed (draft) and sent (outbox) until the proxy has it.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { STORAGE_KEYS, localStore, sessionStore } from '../client/lead-session.js';
import type { SendOutcome } from '../client/proxy-client.js';
import type { LeadValues } from './fields.js';
import type { PendingSubmission } from './outbox.js';

export interface OutboxHost extends ReactiveControllerHost, HTMLElement {
  proxy: string;
  /** Told the outcome of every send this controller makes, including resends of earlier submissions. */
  _settle(key: string, outcome: SendOutcome): unknown;
}

export interface Draft {
  values: LeadValues;
  consent: boolean;
  /** First interaction, for `elapsedMs`. */
  startedAt: number;
}

export class OutboxController implements ReactiveController {
  private _flushedFor = '';

  constructor(private readonly _host: OutboxHost) {
    _host.addController(this);
  }

  hostConnected(): void {
    addEventListener('online', this.flush);
  }

  hostDisconnected(): void {
    removeEventListener('online', this.flush);
    this._flushedFor = '';
  }

  hostUpdated(): void {
    // Resend what an earlier page (or this one, offline) left behind, once the proxy URL is known.
    if (this._host.proxy && this._host.proxy !== this._flushedFor) {
      this._flushedFor = this._host.proxy;
      this.flush();
    }
  }

  /**
   * Send every waiting submission for this widget's proxy, each with its own original key. The outbox code comes
   * with the submit code, fetched only when something waits; if it cannot be fetched, the next flush tries again.
   */
  readonly flush = (): void => {
    if (!localStore()?.getItem(STORAGE_KEYS.outbox)) return;
    import('./submission.js').then((module) => {
      for (const item of module.readOutbox()) if (item.proxy === this._host.proxy) this._report(item.key, module.deliver(item));
    }, () => undefined);
  };

  /** A new submission: into the outbox first (so closing the tab mid-send loses nothing), then sent. */
  async submit(item: PendingSubmission): Promise<void> {
    const module = await import('./submission.js');
    module.putInOutbox(item);
    return this._report(item.key, module.deliver(item));
  }

  private async _report(key: string, sending: Promise<SendOutcome>): Promise<void> {
    this._host._settle(key, await sending);
  }

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
      // Nothing to clear.
    }
  }
}
