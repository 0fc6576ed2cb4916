// Vue 3 template types for <lead-relay> (GlobalComponents, read by vue-tsc and Volar): `import 'leadrelay/vue'` once.
import type { EmitFn, HTMLAttributes, PublicProps } from 'vue';
import type { LeadRelay } from '../widget/lead-relay.js';
import type { LeadRelayEventMap, LeadRelayProperties } from './attributes.js';

export type { LeadRelayProperties, LeadRelayEventMap } from './attributes.js';

/**
 * The shape Vue's template checker expects of a custom element (after Vue's own guide to typing web components):
 * `$props` for attributes and `$emit` for events, so `@lr-success="…"` gets a `CustomEvent<LeadSuccessDetail>`.
 */
export type LeadRelayVueComponent = new () => LeadRelay & {
  /** @deprecated For template type checking only; not a member of the element. */
  $props: Omit<HTMLAttributes, keyof LeadRelayProperties> & LeadRelayProperties & PublicProps;
  /** @deprecated For template type checking only; not a member of the element. */
  $emit: EmitFn<{ [K in keyof LeadRelayEventMap]: (event: LeadRelayEventMap[K]) => void }>;
};

declare module 'vue' {
  interface GlobalComponents {
    'lead-relay': LeadRelayVueComponent;
  }
}
