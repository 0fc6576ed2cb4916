// Launcher mode, loaded as soon as the element is in that mode: the floating button, its modal <dialog>, their styles.
import { html, type LitElement, type TemplateResult } from 'lit';
import { css } from './css-tag.js';

/** Adopted into the element's shadow root when launcher mode first renders. Before `:focus-visible` there. */
const launcherStyles = css`
  .launcher {
    position: fixed;
    inset-block-end: var(--_space);
    inset-inline-end: var(--_space);
    z-index: 2147483000;
    padding: 0.8rem 1.5rem;
    border-radius: 2rem;
    box-shadow: 0 4px 16px #0005;
  }
  .launcher:focus-visible {
    box-shadow: var(--_ring);
  }
  dialog {
    padding: 0;
    border: 0;
    border-radius: var(--_radius);
    background: var(--_bg);
    color: var(--_text);
    width: min(32rem, calc(100vw - 2rem));
    box-shadow: 0 12px 40px #0006;
  }
  dialog::backdrop {
    background: #0008;
  }
  .close {
    float: inline-end;
    margin: 0.5rem;
    padding: 0.25rem 0.75rem;
    background: transparent;
    color: var(--_text);
    border: 1px solid var(--_border);
  }
`;

const styled = new WeakSet<LitElement>();
const open = new WeakSet<LitElement>();

/**
 * The floating button (at the bottom-end corner: `dir` makes that the left one in Arabic) and, once opened, the form
 * inside a modal dialog. Escape and the close button both close it and return focus to the button.
 */
export function renderLauncher(host: LitElement, content: TemplateResult, t: (key: 'launcher' | 'close') => string | undefined, dir: string): TemplateResult {
  const root = host.renderRoot as ShadowRoot;
  if (!styled.has(host)) {
    styled.add(host);
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, launcherStyles.styleSheet!];
  }
  const show = async (): Promise<void> => {
    open.add(host);
    host.requestUpdate();
    await host.updateComplete;
    root.querySelector('dialog')?.showModal();
  };
  const close = (): void => {
    root.querySelector('dialog')?.close();
    open.delete(host);
    host.requestUpdate();
    root.querySelector<HTMLElement>('.launcher')?.focus();
  };
  return html`<button part="launcher" class="launcher" type="button" dir=${dir} aria-haspopup="dialog" @click=${show}>
      ${t('launcher')}</button
    >${open.has(host)
      ? html`<dialog part="dialog" aria-labelledby="lr-heading" @close=${close}>
          <button class="close" part="close" type="button" @click=${close}>${t('close')}</button>${content}
        </dialog>`
      : ''}`;
}
