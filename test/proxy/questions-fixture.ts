// A questions file with one question of every type, and answers to it, shared by the questions tests.
import { waitUntil } from '../support/wait.js';
import type { Stack } from './harness.js';
import type { InProcessProxy } from './in-process.js';

export const EVERY_TYPE = {
  defaultLocale: 'en',
  questions: [
    { name: 'company_name', type: 'text', label: { en: 'Company', de: 'Firma' }, required: true, company: true },
    { name: 'about', type: 'textarea', label: 'About you', maxLength: 100 },
    { name: 'work_email', type: 'email', label: 'Work email' },
    { name: 'website', type: 'url', label: 'Website' },
    { name: 'office_phone', type: 'tel', label: 'Office phone' },
    { name: 'team_size', type: 'number', label: { en: 'Team size', de: 'Teamgröße' }, min: 1, max: 10000, integer: true, attribute: 'team_size_n' },
    { name: 'budget', type: 'number', label: 'Budget', min: 0 },
    {
      name: 'plan',
      type: 'select',
      label: 'Plan',
      required: true,
      options: [{ value: 'starter', label: { en: 'Starter', de: 'Einstieg' } }, { value: 'pro', label: 'Pro' }, 'enterprise'],
    },
    { name: 'interests', type: 'checkboxes', label: 'Interests', options: ['api', 'widget', 'inbox'] },
    { name: 'subscribe', type: 'checkbox', label: { en: 'Subscribe me', de: 'Abonnieren' } },
    { name: 'start', type: 'date', label: 'Start date', min: '2026-01-01', max: '2027-12-31' },
    { name: 'campaign', type: 'hidden', param: 'cid' },
    { name: 'source_site', type: 'hidden', value: 'docs-site', attribute: 'source site' },
  ],
};

/** Valid answers to EVERY_TYPE, as the widget sends them. */
export const ANSWERS = {
  company_name: 'Acme  Inc',
  about: 'We build engines.',
  work_email: 'ada@acme.example',
  website: 'https://acme.example',
  office_phone: '+44 20 7946 0958',
  team_size: 42,
  budget: 1500.5,
  plan: 'pro',
  interests: ['inbox', 'api'],
  subscribe: true,
  start: '2026-03-01',
  campaign: 'spring-26',
};

/** The custom attributes those answers become on the lead (typed as Intercom stores them). */
export const EXPECTED_ATTRIBUTES = {
  company_name: 'Acme  Inc',
  about: 'We build engines.',
  work_email: 'ada@acme.example',
  website: 'https://acme.example',
  office_phone: '+44 20 7946 0958',
  team_size_n: 42,
  budget: 1500.5,
  plan: 'pro',
  interests: 'api, inbox',
  subscribe: true,
  start: Date.UTC(2026, 2, 1) / 1000,
  campaign: 'spring-26',
  'source site': 'docs-site',
};

/** The data type each attribute is created with. */
export const EXPECTED_TYPES: Record<string, string> = {
  company_name: 'string',
  about: 'string',
  work_email: 'string',
  website: 'string',
  office_phone: 'string',
  team_size_n: 'integer',
  budget: 'float',
  plan: 'string',
  interests: 'string',
  subscribe: 'boolean',
  start: 'date',
  campaign: 'string',
  'source site': 'string',
};

/**
 * Waits until the proxy (its URL, a stack, or an in-process proxy) has created its data attributes (GET /health/ready says `done`), so a test's first lead does
 * not spend its inline budget on the set-up (on a loaded machine it would be queued, 202, instead of created).
 */
export async function setupDone(proxy: string | Pick<Stack, 'send'> | Pick<InProcessProxy, 'request'>): Promise<void> {
  const ready = async (): Promise<{ intercomSetup?: string }> =>
    typeof proxy === 'string'
      ? (await fetch(`${proxy}/health/ready`)).json()
      : 'send' in proxy
        ? (await proxy.send('/health/ready', {})).json
        : (await proxy.request('/health/ready')).json();
  await waitUntil(async () => (await ready()).intercomSetup === 'done', "the data attributes' set-up to finish (GET /health/ready intercomSetup: done)");
}

/** An inline budget no loaded test machine runs out of: a test that asserts 201 must not get a queued 202. */
export const INLINE = { delivery: { recoveryWaitMs: 15_000 } };
