// Templates for one field and for the consent checkbox: label bound to control, error tied by aria-describedby.
import { html, nothing, type TemplateResult } from 'lit';
import type { LeadField } from '../protocol/wire.js';
import { FIELD_TYPES } from './fields.js';
import type { MessageKey } from './messages.js';

type Translate = (key: MessageKey) => string | undefined;

/** A field error's sentence; a code without one (from a newer proxy) reads as the generic "check this field". */
export function errorText(t: Translate, code: MessageKey): string | undefined {
  return t(code) ?? t('invalid_type');
}

function errorLine(t: Translate, id: string, error?: MessageKey): TemplateResult | typeof nothing {
  return error ? html`<p class="error" part="error" id="${id}-error">${errorText(t, error)}</p>` : nothing;
}

/**
 * One field. `autocomplete` is `name`, `email` or `tel` (the type, except for the name's text input); `inputmode`
 * repeats the type for email and tel, for keyboards that go by inputmode only.
 */
export function renderField(t: Translate, field: LeadField, required: boolean, error?: MessageKey, max?: number): TemplateResult {
  const type = FIELD_TYPES[field];
  const id = `lr-${field}`;
  const invalid = error ? 'true' : nothing;
  const describedby = error ? `${id}-error` : nothing;
  const control =
    type === 'textarea'
      ? html`<textarea part="input" id=${id} name=${field} maxlength=${max ?? nothing} ?required=${required}
          aria-invalid=${invalid} aria-describedby=${describedby}></textarea>`
      : html`<input part="input" id=${id} name=${field} type=${type} autocomplete=${type === 'text' ? 'name' : type}
          inputmode=${type === 'text' ? nothing : type} maxlength=${max ?? nothing} ?required=${required}
          aria-invalid=${invalid} aria-describedby=${describedby} />`;
  return html`<div class="field" part="field">
    <label part="label" for=${id}>${t(field)}</label>${control}${errorLine(t, id, error)}
  </div>`;
}

/**
 * The consent box; the slot lets the page give it links, the `consent` text is what is sent (its value: a form posted
 * without JavaScript sends `consent=<text>` when ticked).
 */
export function renderConsent(t: Translate, text: string, checked: boolean, error?: MessageKey): TemplateResult {
  return html`<div class="field" part="field">
    <label class="consent" part="label"
      ><input type="checkbox" id="lr-consent" name="consent" value=${text} required .checked=${checked || nothing}
        aria-invalid=${error ? 'true' : nothing} aria-describedby=${error ? 'lr-consent-error' : nothing} /><slot
        name="consent"
        >${text}</slot
      ></label
    >${errorLine(t, 'lr-consent', error)}
  </div>`;
}
