// What frameworks may set on <lead-relay>: its attributes with their types, and its events with their detail types.
import type { LeadRelayEventMap } from '../widget/events.js';
import type { LeadRelay } from '../widget/lead-relay.js';
import type { Messages } from '../widget/messages.js';

/**
 * The element's attributes, as written in markup (kebab-case). `strings` is an object: React 19, Vue and Svelte set
 * it as the element's property (write it as JSON only in plain HTML). `proxy` is required.
 */
export interface LeadRelayAttributes {
  proxy: string;
  fields?: string;
  required?: string;
  'phone-country'?: string;
  locale?: string;
  heading?: string;
  'submit-label'?: string;
  'success-message'?: string;
  'success-url'?: string;
  consent?: string;
  mode?: LeadRelay['mode'];
  theme?: LeadRelay['theme'];
  'preview-state'?: NonNullable<LeadRelay['previewState']>;
  strings?: Partial<Messages>;
  /** The form of the proxy's questions file to draw after the built-in fields (`default` for a one-form file). */
  form?: string;
  /** `turnstile`: Cloudflare Turnstile checks each send; its script loads on the visitor's first interaction. */
  captcha?: 'turnstile';
  /** The Turnstile widget's site key, with `captcha="turnstile"`. */
  'turnstile-site-key'?: string;
}

/** The same, as the element's properties (camelCase): what Vue's template checker reads. */
export interface LeadRelayProperties {
  proxy: string;
  fields?: string;
  required?: string;
  phoneCountry?: string;
  locale?: string;
  heading?: string;
  submitLabel?: string;
  successMessage?: string;
  successUrl?: string;
  consent?: string;
  mode?: LeadRelay['mode'];
  theme?: LeadRelay['theme'];
  previewState?: LeadRelay['previewState'];
  strings?: Partial<Messages>;
  form?: string;
}

/** The element's events (`lr-submit`, `lr-success`, `lr-error`, `lr-queued`), each a CustomEvent with a typed detail. */
export type { LeadRelayEventMap };

/**
 * Event handlers as React 19 and Svelte 5 write them on a custom element: `on` + the event's name, e.g.
 * `onlr-success`. Both frameworks add a listener for exactly that event name.
 */
export type LeadRelayEventHandlers = {
  [K in keyof LeadRelayEventMap as `on${K}`]?: (event: LeadRelayEventMap[K]) => void;
};
