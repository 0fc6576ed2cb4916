// Attack: replay a no-JavaScript form post's derived submission id through the JSON route to obtain that lead's token.
// A form post sends no Idempotency-Key; the proxy derives one from the fields and the client address. If anyone can
// compute that id (the algorithm is public), someone who knows a victim's fields and shares their address (one NAT,
// one café) replays the record with a JSON post and is handed the victim's lead token, which merges the victim's
// lead, and the agent's replies, into the attacker's account.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { checkLeadRequest, fingerprintSubmission } from '../../src/proxy/guards/lead-request.js';
import { verifyLeadToken } from '../../src/proxy/guards/lead-token.js';
import { ACCESS_TOKEN, SECRET, startInProcessStack, type Stack } from './harness.js';

const SITE = 'https://shop.example';

let stack: Stack;
before(async () => {
  stack = await startInProcessStack({ origins: { allowed: [SITE] } });
});
after(() => stack.close());

/** The id as the public source derives it without any secret: sha256 shaped as a UUID (version 8). */
function publicDerivation(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

test('a JSON post with the id derived from a victim\'s form post gets no replay of the victim\'s lead token', async () => {
  // The victim posts the prerendered form with JavaScript off. Their browser sends the site's origin as Referer.
  const victim = { name: 'Vera Victim', email: 'vera@corp.example', phone: '', message: 'Please call me about my invoice.', hp: '', locale: 'en' };
  const posted = await stack.send('/leads', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: SITE, referer: `${SITE}/` },
    body: new URLSearchParams(victim).toString(),
    redirect: 'manual',
  });
  assert.equal(posted.status, 201, posted.text);
  const state = await stack.emulatorState();
  const victimLead = state.contacts.find((contact) => contact.email === victim.email);
  assert.ok(victimLead, 'the victim\'s lead exists');

  // The attacker knows the fields and shares the victim's address (loopback here, as the proxy sees it).
  const submission = checkLeadRequest({ name: victim.name, email: victim.email, message: victim.message, page: { url: `${SITE}/` }, hp: '', elapsedMs: 0 }).submission;
  const fingerprint = fingerprintSubmission(submission);
  const stolen: string[] = [];
  for (const address of ['127.0.0.1', '::ffff:127.0.0.1', '::1', '']) {
    const key = publicDerivation(`form-post\n${fingerprint}\n${address}\n0`);
    const replay = await stack.post(
      '/leads',
      { name: victim.name, email: victim.email, message: victim.message, page: { url: `${SITE}/` }, hp: '', elapsedMs: 9000 },
      { key, headers: { origin: SITE } },
    );
    assert.ok(replay.status === 201 || replay.status === 202, replay.text);
    const claims = await verifyLeadToken(replay.json.leadToken, SECRET);
    if (claims.contactId === victimLead.id) stolen.push(address);
  }
  assert.deepEqual(stolen, [], 'no derived id hands out the victim\'s lead token');

  // The victim's lead is untouched: still a lead.
  const after = await stack.emulatorState();
  assert.equal(after.contacts.find((contact) => contact.id === victimLead.id)?.role, 'lead');
  assert.ok(!JSON.stringify(after).includes(ACCESS_TOKEN));
});
