// Reactive controller that picks the locale, loads its pack after first paint, and looks strings up with overrides.
import type { ReactiveController } from 'lit';
import type { LocalizeHost, Localized, PackLoading } from './host.js';
import { baseLocale, en, loadMessages, loadedMessages, type MessageKey, type Messages } from './messages.js';

export type { LocalizeHost } from './host.js';

/** The longest a non-English form stays undrawn while its pack is on the way. */
const MAX_WAIT_MS = 1500;

export class LocalizeController implements ReactiveController, Localized, PackLoading {
  /** Base locale in use (`en`, `de`, `es`, `fr`, `ar`); empty until the first update picks one. */
  lang = '';
  /** Settles when the current locale's pack is in, or could not be fetched (the host's `updateComplete` waits for it). */
  packReady: Promise<unknown> = Promise.resolve();
  /**
   * True while a language other than English waits for its pack (at most `MAX_WAIT_MS`): the element draws nothing
   * then, rather than English labels that change under the visitor's eyes (and a screen reader's) a moment later.
   */
  packPending = false;
  private _pack: Partial<Messages> = en;
  private _fetching?: Promise<void>;

  constructor(private readonly _host: LocalizeHost) {
    _host.addController(this);
  }

  hostUpdate(): void {
    const lang = baseLocale(this._host.locale || this._host.closest('[lang]')?.getAttribute('lang') || navigator.language);
    if (lang === this.lang) return;
    this.lang = lang;
    this._fetching = undefined;
    const pack = loadedMessages(lang);
    this.packPending = !pack && lang !== 'en';
    if (pack) this._pack = pack;
    else this.packReady = this.loadPack().catch(() => undefined);
    // A pack stuck on a slow network: draw in English meanwhile; the pack still replaces it when it comes. Not over a
    // prerendered form: that one already shows this language's words.
    if (this.packPending && !this._host.prerenderedNodes) setTimeout(() => this._stopWaiting(lang), MAX_WAIT_MS);
  }

  private _stopWaiting(lang: string): void {
    if (this.lang !== lang || !this.packPending) return;
    this.packPending = false;
    this._host.requestUpdate();
  }

  /**
   * The current locale's sentences, fetched if they are not here yet (again, after a failed try); rejects while
   * neither they nor English's can be fetched. The submit code waits for this: a form that could not say "sending",
   * "sent" or "saved" is not ready to send.
   */
  loadPack(): Promise<void> {
    const lang = this.lang;
    if (loadedMessages(lang) === this._pack) return Promise.resolve();
    return (this._fetching ??= loadMessages(lang).then(
      (pack) => {
        if (this.lang !== lang) return;
        this._pack = pack;
        this.packPending = false;
        this._host.requestUpdate();
      },
      (error: unknown) => {
        this._fetching = undefined;
        this._stopWaiting(lang);
        throw error;
      },
    ));
  }

  get dir(): 'rtl' | 'ltr' {
    return this.lang === 'ar' ? 'rtl' : 'ltr'; // the one right-to-left locale among LOCALES
  }

  /**
   * The string for `key`: the page's override, else the locale's, else English. Until its pack is in, first paint
   * draws with English's first-paint part; sentences for later states come with the pack (see `loadPack`), so callers
   * give a fallback where a key may have no sentence (an error code from a newer proxy).
   */
  t = (key: MessageKey): string | undefined => this._host.strings?.[key] ?? this._pack[key] ?? en[key];
}
