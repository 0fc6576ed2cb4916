// Importing `leadrelay` in Node (server rendering, build tools) must not throw, though there is no DOM.
import { test } from 'node:test';
import assert from 'node:assert/strict';

test('importing the built leadrelay entry in Node without a DOM works and exposes the element and the session API', async () => {
  assert.equal(typeof (globalThis as { document?: unknown }).document, 'undefined');
  const module = await import('leadrelay');
  assert.equal(typeof module.LeadRelay, 'function');
  assert.equal(module.readLeadToken(), undefined); // no localStorage in Node: nothing stored, nothing thrown
  assert.doesNotThrow(() => module.resetLead());
  assert.doesNotThrow(() => module.storeLeadToken('t'));
});
