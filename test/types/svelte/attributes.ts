// Svelte 5's element typings (what svelte-check reads for markup) for <lead-relay>: accepted values and refused ones.
import 'leadrelay/svelte';
import type { SvelteHTMLElements } from 'svelte/elements';

type LeadRelayInSvelte = SvelteHTMLElements['lead-relay'];

export const accepted: LeadRelayInSvelte = {
  proxy: '/api/leadrelay',
  mode: 'inline',
  'phone-country': 'FR',
  strings: { submit: 'Envoyer' },
  'onlr-success': (event) => console.info(event.detail.status, event.detail.conversationId),
  'onlr-submit': (event) => event.detail.email,
};

// @ts-expect-error mode is 'inline' or 'launcher'
export const wrongMode: LeadRelayInSvelte = { proxy: '/api/leadrelay', mode: 'sideways' };
// @ts-expect-error proxy is required
export const noProxy: LeadRelayInSvelte = { mode: 'inline' };
export const wrongDetail: LeadRelayInSvelte = {
  proxy: '/api/leadrelay',
  // @ts-expect-error lr-queued's detail has idempotencyKey, no status
  'onlr-queued': (event) => event.detail.status,
};
