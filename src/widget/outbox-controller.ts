// Reactive controller that keeps what the visitor typed (draft) and sent (outbox) until the proxy has it.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { STORAGE_KEYS, sessionStore, storeLeadToken } from '../client/lead-session.js';
import type { SendOutcome } from '../client/proxy-client.js';
import type { LeadValues } from './fields.js';
import { putInOutbox, readOutbox, removeFromOutbox, type PendingSubmission } from './outbox.js';

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

// Per page, not per element: two widgets (or a reconnect) must not send the same submission at once.
const inFlight = new Map<string, Promise<SendOutcome>>();

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

  /** Send every waiting submission for this widget's proxy, each with its own original key. */
  readonly flush = (): void => {
    for (const item of readOutbox()) if (item.proxy === this._host.proxy) void this._deliver(item);
  };

  /** A new submission: into the outbox first (so closing the tab mid-send loses nothing), then sent. */
  submit(item: PendingSubmission): Promise<SendOutcome> {
    putInOutbox(item);
    return this._deliver(item);
  }

  private _deliver(item: PendingSubmission): Promise<SendOutcome> {
    let sending = inFlight.get(item.key);
    if (!sending) {
      // The client (and ky behind it) comes with the submit code, loaded on demand: first paint does not need it.
      sending = import('./submission.js')
        .then((module) => module.sendLead(item.proxy, item.key, item.body), (): SendOutcome => ({ kind: 'unreachable' }))
        .then((outcome) => {
        inFlight.delete(item.key);
        // Unreachable: keep it for the next `online`, page load or connect. Otherwise the proxy has decided.
        if (outcome.kind !== 'unreachable') removeFromOutbox(item.key);
        if (outcome.kind === 'accepted') storeLeadToken(outcome.response.leadToken);
        return outcome;
      });
      inFlight.set(item.key, sending);
    }
    return sending.then((outcome) => {
      this._host._settle(item.key, outcome);
      return outcome;
    });
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
