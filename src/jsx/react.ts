// React 19 JSX types for <lead-relay>: `import 'leadrelay/react'` once (an empty module at run time).
import type { DetailedHTMLProps, HTMLAttributes } from 'react';
import type { LeadRelay } from '../widget/lead-relay.js';
import type { LeadRelayAttributes, LeadRelayEventHandlers } from './attributes.js';

export type { LeadRelayAttributes, LeadRelayEventHandlers, LeadRelayEventMap } from './attributes.js';

/** What `<lead-relay>` takes in React 19 JSX: React's HTML props, the element's attributes, `onlr-*` event handlers. */
export type LeadRelayReactProps = Omit<DetailedHTMLProps<HTMLAttributes<LeadRelay>, LeadRelay>, keyof LeadRelayAttributes> &
  LeadRelayAttributes &
  LeadRelayEventHandlers;

declare module 'react' {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace JSX {
    interface IntrinsicElements {
      'lead-relay': LeadRelayReactProps;
    }
  }
}
