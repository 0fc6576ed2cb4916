// The company_id derived for a visitor's company name: stable per name, keyed by the secret, never the visitor's text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { companyReference } from '../../src/proxy/intercom/company-reference.js';

const secret = 'k3VJ8m1Qx0pZr5Tn7bWc2yHd9LfA4sGe6uNo0iXv3Ea';

test('one company per normalised name: case, width and spacing do not make a second one', () => {
  const id = companyReference(secret, 'Acme GmbH');
  assert.match(id, /^leadrelay-[A-Za-z0-9_-]{32}$/);
  assert.equal(companyReference(secret, '  ACME   gmbh '), id);
  assert.equal(companyReference(secret, 'ＡＣＭＥ GmbH'), id);
  assert.notEqual(companyReference(secret, 'Acme AG'), id);
});

test('attack: a visitor cannot name a company_id the site uses, nor predict ours without the secret', () => {
  for (const typed of ['acme', '12345', 'leadrelay-x', companyReference('another-secret-of-32-characters!!', 'Acme')]) {
    const id = companyReference(secret, typed);
    assert.notEqual(id, typed);
    assert.ok(id.startsWith('leadrelay-'));
  }
  assert.notEqual(companyReference(secret, 'Acme'), companyReference('another-secret-of-32-characters!!', 'Acme'));
});
