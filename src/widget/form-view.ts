// The element's two views, drawn in the browser and by the server renderer alike: the form, and the done message.
import { html, nothing, type TemplateResult } from 'lit';
import type { LeadField } from '../protocol/wire.js';
import { errorText, renderConsent, renderField } from './field-templates.js';
import type { FieldErrors } from './fields.js';
import type { LeadState, ViewHost } from './host.js';
import type { MessageKey } from './messages.js';

/**
 * Accepted (the success slot or message, and `note` when the proxy holds it for delivery) or saved on the device for
 * later (`queued`, saying `note`: offline or the server unreachable); focused once drawn. Drawn over the form, which
 * stays (hidden) under it, so the box keeps the form's height.
 */
export function renderDone(host: ViewHost, state: LeadState, note?: MessageKey): TemplateResult {
  const { t } = host.l10n;
  return html`<div class="done" part="status" role="status" tabindex="-1">
    ${state === 'queued'
      ? t(note ?? 'queued')
      : html`<slot name="success">${host.successMessage || t('success')}</slot>${note ? html`<div>${t(note)}</div>` : nothing}`}
  </div>`;
}

/**
 * The form in `state`, with `errors` at their fields and in the summary. A real form: the prerendered snippet posts
 * it to the proxy before (or without) JavaScript; the element sends it itself once loaded. The hidden fields carry
 * the wire names listed in src/render/render-lead-relay.ts.
 */
export function renderForm(host: ViewHost, state: LeadState, errors: FieldErrors, failure?: MessageKey): TemplateResult {
  const { t } = host.l10n;
  const busy = state === 'submitting';
  const required = host.requiredShown();
  const problems = Object.entries(errors) as [LeadField | 'consent', MessageKey][];
  const listed = problems.length > 0 && (host.submittedOnce || !!host.previewState);
  return html`<form part="form" method="post" action="${host.proxy}/leads" novalidate @submit=${host.handleSubmit} @input=${host.handleInput} @focusout=${host.handleBlur} @focusin=${host.touch}>
    <slot name="heading"><h2 part="heading" id="lr-heading">${host.heading || t('heading')}</h2></slot>
    <slot name="description"></slot>
    ${host.shown().map((field) => renderField(t, field, required.includes(field), errors[field], host.fieldLimits?.[field]))}
    ${host.questionsView?.drawQuestions(host, errors as Record<string, MessageKey>)}
    ${host.consent ? renderConsent(t, host.consent, host.consentGiven, errors.consent) : nothing}
    <div class="hp" aria-hidden="true"><input name="hp" tabindex="-1" autocomplete="off" /></div>
    ${[['locale', host.l10n.lang], ['success_url', host.successUrl], ['phoneCountry', host.phoneCountry]].map(([name, value]) =>
      value ? html`<input type="hidden" name=${name} value=${value} />` : nothing,
    )}
    <button part="button" type="submit" aria-disabled=${busy ? 'true' : nothing}>
      ${busy ? t('submitting') : host.submitLabel || t('submit')}
    </button>
    <div class="status" part="status" role="status">${failure || listed ? html`<p class="summary">${t(failure ?? 'summary') ?? t('error')}</p>` : nothing}${listed
        ? html`<ul class="summary">
            ${problems.map(([field, code]) => html`<li><a href="#lr-${field}" @click=${host.handleJump}>${field === 'consent' ? '' : `${host.questionsView?.labelFor(host, field) ?? t(field)}: `}${errorText(t, code)}</a></li>`)}
          </ul>`
        : nothing}</div>
  </form>`;
}
