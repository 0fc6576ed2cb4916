// Svelte 5 types for <lead-relay> (svelte/elements, read by svelte-check): `import 'leadrelay/svelte'` once.
import type { HTMLAttributes } from 'svelte/elements';
import type { LeadRelay } from '../widget/lead-relay.js';
import type { LeadRelayAttributes, LeadRelayEventHandlers } from './attributes.js';

export type { LeadRelayAttributes, LeadRelayEventHandlers, LeadRelayEventMap } from './attributes.js';

/** What `<lead-relay>` takes in Svelte 5 markup: Svelte's HTML attributes, the element's, and `onlr-*` handlers. */
export type LeadRelaySvelteAttributes = Omit<HTMLAttributes<LeadRelay>, keyof LeadRelayAttributes | keyof LeadRelayEventHandlers> &
  LeadRelayAttributes &
  LeadRelayEventHandlers;

declare module 'svelte/elements' {
  interface SvelteHTMLElements {
    'lead-relay': LeadRelaySvelteAttributes;
  }
}
