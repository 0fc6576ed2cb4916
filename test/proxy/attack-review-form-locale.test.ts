// Attack: name a language that is a property of every JavaScript object (`constructor`) in the form's hidden
// `locale` field or in Accept-Language. The page must still come in a language we have, never a 500 after the lead
// was already created (the visitor would send it again, or think it lost).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startInProcessStack, type CapturedResponse, type Stack } from './harness.js';

const SITE = 'https://shop.example';
let stack: Stack;
let sent = 0;

before(async () => {
  stack = await startInProcessStack({ origins: { allowed: [SITE] } });
});
after(() => stack.close());

function postForm(fields: Record<string, string>, headers: Record<string, string> = {}): Promise<CapturedResponse> {
  return stack.send('/leads', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: SITE, ...headers },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
}

const uniqueEmail = () => `locale.attack${(sent += 1)}.${Date.now().toString(36)}@example.com`;

for (const locale of ['constructor', 'Constructor-US', 'toString', '__proto__', 'hasOwnProperty']) {
  test(`locale=${locale} gets the English thank-you page (201) and one lead`, async () => {
    const email = uniqueEmail();
    const response = await postForm({ name: 'Ada', email, message: 'Hello', hp: '', locale });
    assert.equal(response.status, 201, response.text);
    assert.match(response.text, /<html lang="en" dir="ltr">/);
    assert.match(response.text, /<main data-code="created">/);
    const leads = (await stack.emulatorState()).contacts.filter((contact) => contact.email === email);
    assert.equal(leads.length, 1);
  });
}

test('Accept-Language: constructor on a refused post gets the English what-to-fix page (400), not a 500', async () => {
  const response = await postForm({ name: 'Ada', email: 'not-an-email', message: 'Hello', hp: '' }, { 'accept-language': 'constructor, valueOf;q=0.9' });
  assert.equal(response.status, 400, response.text);
  assert.match(response.text, /<html lang="en" dir="ltr">/);
  assert.match(response.text, /<main data-code="invalid_field">/);
});
