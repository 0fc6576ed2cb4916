// npm entry and script-tag entry: registers <lead-relay> and exports the element, the lead session API and the types.
export { LeadRelay, type LeadState, type PreviewState } from './widget/lead-relay.js';
export type { LeadSubmitDetail, LeadSuccessDetail, LeadErrorDetail, LeadQueuedDetail, LeadRelayEventMap } from './widget/events.js';
export type { LeadValues } from './widget/fields.js';
export type { Messages, MessageKey } from './widget/messages.js';
export { readLeadToken, storeLeadToken, resetLead, convertLead } from './client/lead-session.js';
export type { ConvertLeadOptions, ConvertLeadResult, ConvertLeadError, ConvertLeadErrorDetail } from './client/lead-session.js';
export type { LeadRequest, LeadResponse, WireError, FieldErrorCode, ErrorCode, Identity, ConvertResponse } from './protocol/wire.js';
