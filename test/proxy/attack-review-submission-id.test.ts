// Attack: someone who reads Intercom (a webhook receiver, an app with read access, a teammate's screenshot) learns a
// lead's leadrelay_submission_id, which is the widget's Idempotency-Key. Sent again with a body rebuilt from what
// Intercom holds, it replays the first answer, lead token included; the token then merges the visitor's lead, and
// their conversation with the agent's replies, into the attacker's account. SECURITY.md: ids seen in Intercom are
// never proof.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { computeUserHash } from '../../src/proxy/guards/identity.js';
import { ACCESS_TOKEN, buildLead, startInProcessStack, type Stack, testSecret } from './harness.js';

const IDENTITY_SECRET = testSecret('identity-secret-for-submission-id-attack');
let stack: Stack;
before(async () => {
  stack = await startInProcessStack({ identity: { secret: IDENTITY_SECRET } });
});
after(() => stack.close());

async function intercom(path: string) {
  const response = await stack.emulatorFetch(path, { headers: { authorization: `Bearer ${ACCESS_TOKEN}`, 'intercom-version': '2.14' } });
  assert.equal(response.status, 200);
  return (await response.json()) as any;
}

test('an Idempotency-Key read from Intercom, with a body rebuilt from Intercom, does not hand out the visitor\'s lead token', async () => {
  const victim = buildLead({ name: 'Vera Victim', email: 'vera@corp.example', message: 'My account number is 1234; please call me.' });
  const sent = await stack.post('/leads', victim);
  assert.equal(sent.status, 201, sent.text);
  const conversationId = sent.json.conversationId as string;

  // What a webhook or a read-only app sees in Intercom.
  const conversation = await intercom(`/conversations/${conversationId}`);
  const lead = await intercom(`/contacts/${conversation.contacts.contacts[0].id}`);
  const attributes = lead.custom_attributes;
  const rebuilt = {
    name: lead.name,
    email: lead.email,
    phone: lead.phone,
    message: String(conversation.source.body).replace(/<[^>]+>/g, ''),
    consent: { given: attributes.leadrelay_consent, text: attributes.leadrelay_consent_text },
    page: { url: attributes.leadrelay_page_url, referrer: attributes.leadrelay_page_referrer, title: attributes.leadrelay_page_title },
    utm: { utm_source: attributes.leadrelay_utm_source, utm_campaign: attributes.leadrelay_utm_campaign },
    hp: '',
    elapsedMs: 9000,
  };
  const replay = await stack.post('/leads', rebuilt, { key: attributes.leadrelay_submission_id });

  if (replay.status === 201 && replay.json.leadToken === sent.json.leadToken) {
    // The attacker now holds the visitor's token: signing in as themselves takes the visitor's lead.
    const attackerId = 'attacker-from-webhooks';
    const convert = await stack.post('/convert', { leadToken: replay.json.leadToken, identity: { userId: attackerId, userHash: computeUserHash(IDENTITY_SECRET, attackerId) } }, { key: null });
    const owner = (await intercom(`/conversations/${conversationId}`)).contacts.contacts[0].id;
    const attacker = (await stack.emulatorState()).contacts.find((contact) => contact.external_id === attackerId);
    assert.fail(`the replay handed out the visitor's lead token; /convert answered ${convert.status} and the conversation now belongs to ${owner === attacker?.id ? 'the attacker' : owner}`);
  }
  assert.notEqual(replay.json?.leadToken, sent.json.leadToken);
});
