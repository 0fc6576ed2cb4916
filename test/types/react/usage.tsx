// React 19 usage of <lead-relay> that must type-check (and the mistakes that must not), through the shipped types.
// #region readme
import 'leadrelay'; // registers <lead-relay>
import 'leadrelay/react'; // its JSX types (an empty module at run time)
import type { LeadSuccessDetail } from 'leadrelay';

export function ContactForm({ onLead }: { onLead: (detail: LeadSuccessDetail) => void }) {
  return (
    <lead-relay
      proxy="/api/leadrelay"
      fields="name email message"
      phone-country="DE"
      mode="launcher"
      theme="dark"
      strings={{ submit: 'Book a demo' }}
      className="contact"
      onlr-success={(event) => onLead(event.detail)}
      onlr-error={(event) => console.warn(event.detail.code, event.detail.fields)}
      onlr-submit={(event) => event.detail.email?.toLowerCase()}
      onlr-queued={(event) => console.info(event.detail.idempotencyKey)}
    />
  );
}
// #endregion

export function Mistakes() {
  return (
    <>
      {/* @ts-expect-error mode is 'inline' or 'launcher' */}
      <lead-relay proxy="/api/leadrelay" mode="sideways" />
      {/* @ts-expect-error proxy is required */}
      <lead-relay mode="inline" />
      {/* @ts-expect-error strings is an object of messages, not a number */}
      <lead-relay proxy="/api/leadrelay" strings={42} />
      {/* @ts-expect-error lr-success's detail has status and conversationId, no leadToken */}
      <lead-relay proxy="/api/leadrelay" onlr-success={(event) => event.detail.leadToken} />
      {/* @ts-expect-error a handler for another detail type does not fit lr-error */}
      <lead-relay proxy="/api/leadrelay" onlr-error={(event: CustomEvent<{ status: number }>) => event.detail.status} />
    </>
  );
}
