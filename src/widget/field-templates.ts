// Templates for one field and for the consent checkbox: label bound to control, error tied by aria-describedby.
import { html, nothing, type TemplateResult } from 'lit';
import type { LeadField } from '../protocol/wire.js';
import { FIELD_SPECS } from './fields.js';
import type { MessageKey } from './messages.js';

type Translate = (key: MessageKey) => string;

function errorLine(t: Translate, id: string, error?: MessageKey): TemplateResult | typeof nothing {
  return error ? html`<p class="error" part="error" id="${id}-error">${t(error)}</p>` : nothing;
}

export function renderField(t: Translate, field: LeadField, required: boolean, error?: MessageKey, max?: number): TemplateResult {
  const spec = FIELD_SPECS[field];
  const id = `lr-${field}`;
  const invalid = error ? 'true' : nothing;
  const describedby = error ? `${id}-error` : nothing;
  const control =
    spec.type === 'textarea'
      ? html`<textarea part="input" id=${id} name=${field} maxlength=${max ?? nothing} ?required=${required}
          aria-invalid=${invalid} aria-describedby=${describedby}></textarea>`
      : html`<input part="input" id=${id} name=${field} type=${spec.type} autocomplete=${spec.autocomplete ?? nothing}
          inputmode=${spec.inputmode ?? nothing} maxlength=${max ?? nothing} ?required=${required}
          aria-invalid=${invalid} aria-describedby=${describedby} />`;
  return html`<div class="field" part="field">
    <label part="label" for=${id}>${t(field)}</label>${control}${errorLine(t, id, error)}
  </div>`;
}

/** The consent box; the slot lets the page give it links, the `consent` text is what is sent. */
export function renderConsent(t: Translate, text: string, checked: boolean, error?: MessageKey): TemplateResult {
  return html`<div class="field" part="field">
    <label class="consent" part="label"
      ><input type="checkbox" id="lr-consent" name="consent" required .checked=${checked}
        aria-invalid=${error ? 'true' : nothing} aria-describedby=${error ? 'lr-consent-error' : nothing} /><slot
        name="consent"
        >${text}</slot
      ></label
    >${errorLine(t, 'lr-consent', error)}
  </div>`;
}
