// React 19 at run time (bundled by react-runtime.test.ts): <lead-relay> gets its object property, and onlr-* props
// become listeners for the element's events, exactly as the typings promise.
import 'leadrelay';
import 'leadrelay/react';
import type { LeadErrorDetail, LeadSuccessDetail } from 'leadrelay';
import { flushSync } from 'react-dom';
import { createRoot } from 'react-dom/client';

export interface Received {
  success: LeadSuccessDetail[];
  error: LeadErrorDetail[];
}

const received: Received = { success: [], error: [] };
(window as unknown as { received: Received }).received = received;

const root = createRoot(document.getElementById('app')!);
flushSync(() =>
  root.render(
    <lead-relay
      id="form"
      proxy="/api/leadrelay"
      fields="email"
      strings={{ submit: 'Book a demo' }}
      onlr-success={(event) => received.success.push(event.detail)}
      onlr-error={(event) => received.error.push(event.detail)}
    />,
  ),
);
