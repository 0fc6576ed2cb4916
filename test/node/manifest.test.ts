// custom-elements.json (made by `npm run build`) describes the public API of <lead-relay>, and only that.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

interface Named {
  name: string;
}
interface Declaration {
  tagName?: string;
  attributes?: (Named & { fieldName?: string })[];
  members?: (Named & { privacy?: string })[];
  slots?: Named[];
  events?: Named[];
  cssParts?: Named[];
  cssProperties?: Named[];
}

const manifest = JSON.parse(readFileSync(new URL('../../custom-elements.json', import.meta.url), 'utf8')) as {
  modules: { declarations?: Declaration[] }[];
};
const element = manifest.modules.flatMap((module) => module.declarations ?? []).find((d) => d.tagName === 'lead-relay');
const names = (list?: Named[]) => (list ?? []).map((item) => item.name).sort();

test('the manifest lists every attribute of <lead-relay> and no internal state', () => {
  assert.ok(element, 'lead-relay is in custom-elements.json');
  assert.deepEqual(
    names(element.attributes),
    ['captcha', 'consent', 'fields', 'form', 'heading', 'locale', 'mode', 'phone-country', 'preview-state', 'proxy', 'required', 'strings', 'submit-label', 'success-message', 'success-url', 'theme', 'turnstile-site-key'],
  );
  assert.equal(element.members?.some((member) => member.name.startsWith('_') || member.privacy === 'private'), false);
});

test('the manifest documents the slots, events, parts and custom properties from the JSDoc', () => {
  assert.deepEqual(names(element!.slots), ['consent', 'description', 'heading', 'success']);
  assert.deepEqual(names(element!.events), ['lr-error', 'lr-queued', 'lr-submit', 'lr-success']);
  assert.ok(names(element!.cssParts).includes('input') && names(element!.cssParts).includes('launcher'));
  assert.ok(names(element!.cssProperties).includes('--lr-accent') && names(element!.cssProperties).includes('--lr-focus-ring'));
});
