// Attacker's tests: page context the visitor never typed (UTM parameters of a crafted link, the page's title, the
// phone country the widget reads from `<html lang>`) used to answer every submission from that page with 400 on a
// field the visitor never sees. Each crafted value is sent as a widget on such a page sends it, and the lead must
// arrive in the emulator with the typed fields intact and the context cleaned or dropped.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { UTM_KEYS } from '../../src/protocol/wire.js';
import { buildLead, startInProcessStack, type Stack } from './harness.js';

const SITE = 'https://shop.example';
/** What the visitor typed; nothing about the page may change it or block it. */
const TYPED = {
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  phone: '020 7946 0958',
  message: 'Please call me about the analytical engine.',
};

let stack: Stack;
before(async () => {
  stack = await startInProcessStack({ origins: { allowed: [SITE] } });
});
beforeEach(() => stack.reset());
after(() => stack.close());

/** Post a submission as the widget on a crafted page would, and return the one lead and conversation it made. */
async function submitFromCraftedPage(overrides: Record<string, unknown> | string) {
  const body = typeof overrides === 'string' ? overrides : buildLead({ ...TYPED, ...overrides });
  const response = await stack.post('/leads', body, { headers: { origin: SITE } });
  assert.equal(response.status, 201, `the lead is accepted: ${response.text.slice(0, 300)}`);
  const { contacts, conversations } = await stack.emulatorState();
  assert.equal(contacts.length, 1, 'one lead arrived');
  const [lead] = contacts;
  assert.equal(lead.name, TYPED.name);
  assert.equal(lead.email, TYPED.email);
  assert.equal(lead.phone, '+442079460958');
  assert.equal(conversations.length, 1);
  assert.equal(conversations[0].source.body, TYPED.message);
  const line = stack.logs.at(-1)!;
  assert.equal(line.route, '/leads');
  return { attributes: lead.custom_attributes as Record<string, unknown>, line };
}

/** No control, bidi override or lone surrogate in anything recorded on the lead. */
function assertClean(attributes: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value !== 'string') continue;
    assert.doesNotMatch(value, /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\uD800-\uDFFF]/u, `${name} holds no control`);
  }
}

describe('a crafted link: utm_* values nobody typed', () => {
  // `?utm_source=%0A`, `%E2%80%AE` (U+202E) and `%C2%85` (U+0085, NEL), as URLSearchParams decodes them.
  const crafted: [string, string][] = [
    ['a line feed (%0A)', '\n'],
    ['a right-to-left override (U+202E)', '\u202E'],
    ['a next-line control (U+0085)', '\u0085'],
  ];
  for (const key of UTM_KEYS) {
    for (const [label, value] of crafted) {
      test(`${key} that is only ${label}: accepted, the value dropped and logged by name only`, async () => {
        const { attributes, line } = await submitFromCraftedPage({ utm: { [key]: value, ...(key === 'utm_campaign' ? {} : { utm_campaign: 'spring' }) } });
        assert.equal(attributes[`leadrelay_${key}`], undefined);
        if (key !== 'utm_campaign') assert.equal(attributes.leadrelay_utm_campaign, 'spring', 'the other UTM values are kept');
        assert.deepEqual(line.contextDropped, [`utm.${key}`]);
        assert.ok(!JSON.stringify(line).includes(value), 'the log line holds no value');
      });
    }
  }

  test('a value with the characters inside real text is cleaned, not dropped', async () => {
    const { attributes, line } = await submitFromCraftedPage({
      utm: { utm_source: 'news\nletter', utm_medium: '\u202Eliame', utm_campaign: 'spring\u0085', utm_term: ' \u0000intercom\u0007 ' },
    });
    assert.equal(attributes.leadrelay_utm_source, 'news letter');
    assert.equal(attributes.leadrelay_utm_medium, 'liame');
    assert.equal(attributes.leadrelay_utm_campaign, 'spring');
    assert.equal(attributes.leadrelay_utm_term, 'intercom');
    assert.equal(line.contextDropped, undefined, 'nothing was dropped');
    assertClean(attributes);
  });

  test('a UTM value cut inside a surrogate pair (the old widget sliced 200 UTF-16 units) keeps its whole characters', async () => {
    // 199 letters and an emoji are 201 UTF-16 units: the cut at 200 left the emoji's high surrogate alone.
    const raw = JSON.stringify(buildLead({ ...TYPED, utm: { utm_content: '__X__' } })).replace('"__X__"', `"${'a'.repeat(199)}\\ud83d"`);
    const { attributes } = await submitFromCraftedPage(raw);
    assert.equal(attributes.leadrelay_utm_content, 'a'.repeat(199));
  });

  test('a UTM value far over its limit is cut to it', async () => {
    const { attributes } = await submitFromCraftedPage({ utm: { utm_term: 'x'.repeat(5000) } });
    assert.equal(attributes.leadrelay_utm_term, 'x'.repeat(200));
  });
});

describe('a crafted page: a title nobody typed', () => {
  test('control and bidi characters in document.title are removed, the title kept', async () => {
    const title = 'Pricing\u202E gnirts\u0007\tplans\u2066\n';
    const { attributes } = await submitFromCraftedPage({ page: { url: 'https://shop.example/pricing', title } });
    assert.equal(attributes.leadrelay_page_title, 'Pricing gnirts plans');
    assert.equal(attributes.leadrelay_page_url, 'https://shop.example/pricing');
    assertClean(attributes);
  });

  test('a title of controls only is dropped', async () => {
    const { attributes, line } = await submitFromCraftedPage({ page: { url: 'https://shop.example/pricing', title: '\u0001\u202E\n' } });
    assert.equal(attributes.leadrelay_page_title, undefined);
    assert.deepEqual(line.contextDropped, ['page.title']);
  });

  test('a title cut inside a surrogate pair loses only the half character', async () => {
    const raw = JSON.stringify(buildLead({ ...TYPED, page: '__X__' })).replace('"__X__"', `{"url": "https://shop.example/", "title": "${'t'.repeat(299)}\\ud83d"}`);
    const { attributes } = await submitFromCraftedPage(raw);
    assert.equal(attributes.leadrelay_page_title, 't'.repeat(299));
  });

  test('a page in a srcdoc frame and a referrer from an app are no http(s) URLs: dropped', async () => {
    const { attributes, line } = await submitFromCraftedPage({ page: { url: 'about:srcdoc', referrer: 'android-app://com.google.android.gm/', title: 'Contact' } });
    assert.equal(attributes.leadrelay_page_url, undefined);
    assert.equal(attributes.leadrelay_page_referrer, undefined);
    assert.equal(attributes.leadrelay_page_title, 'Contact');
    assert.deepEqual(line.contextDropped, ['page.url', 'page.referrer']);
  });
});

describe('a crafted page: the phone country read from <html lang>', () => {
  test('lang="en-UK" makes phoneCountry UK: read as GB, the national number typed is kept', async () => {
    const { line } = await submitFromCraftedPage({ phoneCountry: 'UK' });
    assert.equal(line.contextDropped, undefined);
  });

  for (const country of ['ZZ', 'GBR', 'g\u202Eb', '\n']) {
    test(`phoneCountry ${JSON.stringify(country)} is dropped: an international number typed is accepted`, async () => {
      const { line } = await submitFromCraftedPage({ phoneCountry: country, phone: '+44 20 7946 0958' });
      assert.deepEqual(line.contextDropped, ['phoneCountry']);
    });
  }

  test('a form posted without JavaScript with phoneCountry UK is accepted, the national number read as GB', async () => {
    const response = await stack.send('/leads', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: SITE },
      body: new URLSearchParams({ ...TYPED, hp: '', locale: 'en', phoneCountry: 'UK' }).toString(),
      redirect: 'manual',
    });
    assert.ok([201, 202, 303].includes(response.status), response.text.slice(0, 300));
    const { contacts } = await stack.emulatorState();
    assert.equal(contacts.length, 1);
    assert.equal(contacts[0].phone, '+442079460958');
    assert.equal(contacts[0].email, TYPED.email);
  });
});
