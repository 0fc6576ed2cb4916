// Launcher mode's dialog, loaded on the first open: a modal <dialog> around the form, with its own styles.
import { css, html, type TemplateResult } from 'lit';

export const launcherStyles = css`
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

/** The form inside a modal dialog; Escape and the close button both end in `onClose`. */
export function renderDialog(content: TemplateResult, closeLabel: string, onClose: () => void): TemplateResult {
  return html`<dialog part="dialog" aria-labelledby="lr-heading" @close=${onClose}>
    <button class="close" part="close" type="button" @click=${onClose}>${closeLabel}</button>${content}
  </dialog>`;
}
