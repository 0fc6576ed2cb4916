// Styles for <lead-relay>: every colour and size is a --lr-* custom property; light and dark themes.
import { css } from './css-tag.js';

// No comments inside the css`` below: the bundle keeps them. Notes on it:
// - `.root` is a grid whose one cell holds the form and, once sent, the done box over it (the form hidden under it):
//   the box keeps the form's height, and with `min-height: inherit` it fills a height the page reserves on the
//   element instead of leaving blank space under it.
// - The busy button (`aria-disabled`) keeps its colours: its label says "Sending…", and fading it would take the
//   text below 4.5:1 contrast. Nothing here moves, so there is no reduced-motion rule to keep.
// - Every text colour here is checked at 4.5:1 or more in both themes, in every state (test/widget/contrast.test.ts).

export const styles = css`
  :host {
    --_accent: var(--lr-accent, #0b57d0);
    --_on-accent: var(--lr-on-accent, #fff);
    --_text: var(--lr-text, #1b1b1f);
    --_bg: var(--lr-background, #fff);
    --_field-bg: var(--lr-field-background, #fff);
    --_border: var(--lr-border, #74747c);
    --_error: var(--lr-error, #b3261e);
    --_radius: var(--lr-radius, 6px);
    --_space: var(--lr-spacing, 1rem);
    --_ring: var(--lr-focus-ring, 0 0 0 3px #0b57d066, 0 0 0 1px #0b57d0);
    display: block;
    color-scheme: light;
    font: var(--lr-font, inherit);
    color: var(--_text);
  }
  :host([theme='dark']) {
    --_accent: var(--lr-accent, #a8c7fa);
    --_on-accent: var(--lr-on-accent, #062e6f);
    --_text: var(--lr-text, #e6e6ea);
    --_bg: var(--lr-background, #1b1b1f);
    --_field-bg: var(--lr-field-background, #26262b);
    --_border: var(--lr-border, #92929a);
    --_error: var(--lr-error, #ffb4ab);
    --_ring: var(--lr-focus-ring, 0 0 0 3px #a8c7fa80, 0 0 0 1px #a8c7fa);
    color-scheme: dark;
  }
  @media (prefers-color-scheme: dark) {
    :host(:not([theme='light'])) {
      --_accent: var(--lr-accent, #a8c7fa);
      --_on-accent: var(--lr-on-accent, #062e6f);
      --_text: var(--lr-text, #e6e6ea);
      --_bg: var(--lr-background, #1b1b1f);
      --_field-bg: var(--lr-field-background, #26262b);
      --_border: var(--lr-border, #92929a);
      --_error: var(--lr-error, #ffb4ab);
      --_ring: var(--lr-focus-ring, 0 0 0 3px #a8c7fa80, 0 0 0 1px #a8c7fa);
      color-scheme: dark;
    }
  }
  .root {
    display: grid;
    box-sizing: border-box;
    min-height: inherit;
    background: var(--_bg);
    padding: var(--_space);
    border-radius: var(--_radius);
  }
  .root > * {
    grid-area: 1/1;
  }
  .done + form {
    visibility: hidden;
  }
  form {
    display: grid;
    align-content: start;
    gap: var(--_space);
  }
  h2 {
    margin: 0;
    font-size: 1.25em;
  }
  .field {
    display: grid;
    gap: 0.25rem;
  }
  label {
    font-weight: 600;
  }
  input,
  textarea,
  button {
    font: inherit;
    color: inherit;
  }
  input:not([type='checkbox']),
  textarea {
    box-sizing: border-box;
    width: 100%;
    padding: 0.5rem 0.75rem;
    background: var(--_field-bg);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
  }
  textarea {
    min-height: 6rem;
    resize: vertical;
  }
  [aria-invalid='true'] {
    border-color: var(--_error) !important;
    border-width: 2px !important;
  }
  .error,
  .summary {
    color: var(--_error);
    margin: 0;
  }
  .summary a {
    color: inherit;
  }
  .consent {
    display: flex;
    gap: 0.5rem;
    align-items: start;
    font-weight: 400;
  }
  .consent input {
    margin: 0.2em 0 0;
    accent-color: var(--_accent);
  }
  button {
    justify-self: start;
    padding: 0.6rem 1.25rem;
    border: 0;
    border-radius: var(--_radius);
    background: var(--_accent);
    color: var(--_on-accent);
    font-weight: 600;
    cursor: pointer;
  }
  button[aria-disabled='true'] {
    cursor: progress;
  }
  :focus-visible,
  .done:focus {
    outline: none;
    box-shadow: var(--_ring);
  }
  .status:empty {
    display: none;
  }
  .done {
    display: grid;
    align-content: center;
    gap: var(--_space);
    border-radius: var(--_radius);
  }
  .hp {
    position: absolute;
    inset-inline-start: -10000px;
    width: 1px;
    height: 1px;
    overflow: hidden;
  }
`;
