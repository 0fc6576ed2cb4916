// Reactive controller that picks the locale, loads its pack after first paint, and looks strings up with overrides.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { baseLocale, en, isRtl, loadMessages, loadedMessages, type MessageKey, type Messages } from './messages.js';

export interface LocalizeHost extends ReactiveControllerHost, HTMLElement {
  locale: string;
  strings?: Partial<Messages>;
}

export class LocalizeController implements ReactiveController {
  /** Base locale in use (`en`, `de`, `es`, `fr`, `ar`); empty until the first update picks one. */
  lang = '';
  /** Settles when the current locale's pack is in (the host's `updateComplete` waits for it). */
  ready: Promise<unknown> = Promise.resolve();
  private _pack: Partial<Messages> = en;

  constructor(private readonly _host: LocalizeHost) {
    _host.addController(this);
  }

  hostUpdate(): void {
    const lang = baseLocale(this._host.locale || this._host.closest('[lang]')?.getAttribute('lang') || navigator.language);
    if (lang === this.lang) return;
    this.lang = lang;
    const pack = loadedMessages(lang);
    if (pack) {
      this._pack = pack;
      return;
    }
    this.ready = loadMessages(lang).then((loaded) => {
      if (this.lang !== lang) return;
      this._pack = loaded;
      this._host.requestUpdate();
    });
  }

  get dir(): 'rtl' | 'ltr' {
    return isRtl(this.lang) ? 'rtl' : 'ltr';
  }

  /**
   * The string for `key`: the page's override, else the locale's, else English. Until its pack is in, first paint
   * draws with English's first-paint part; sentences for later states come with the pack.
   */
  t = (key: MessageKey): string => (this._host.strings?.[key] ?? this._pack[key] ?? en[key])!;
}
