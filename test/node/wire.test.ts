// The shared validators: what a person can type passes, what nobody types is refused with the code both sides show.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIELD_VALIDATORS, validateText } from '../../src/protocol/wire.js';

test('names in any script pass, with the joiners and marks real text uses', () => {
  for (const name of ['Ada Lovelace', 'محمد بن موسى', 'Zoë O’Brien', 'שרה\u200F כהן', 'می\u200Cخواهم', '👩\u200D💻 Grace', '山田太郎']) {
    assert.equal(FIELD_VALIDATORS.name(name), undefined, name);
  }
});

test('control characters, bidi overrides and lone surrogates are invalid_characters', () => {
  for (const value of ['Ada\u0000', 'Ada\u0007', 'Ada\u202Eecalevol', 'Ada\u2066x\u2069', 'Ada \uD800', '\uDC00 Ada', 'Ada\u0085']) {
    assert.equal(FIELD_VALIDATORS.name(value), 'invalid_characters', JSON.stringify(value));
    assert.equal(FIELD_VALIDATORS.message(value), 'invalid_characters', JSON.stringify(value));
  }
});

test('line breaks and tabs are text in a message but not in a name', () => {
  assert.equal(FIELD_VALIDATORS.message('Hello,\r\n\tI would like a demo.'), undefined);
  assert.equal(FIELD_VALIDATORS.name('Ada\nLovelace'), 'invalid_characters');
});

test('length counts code points, so an emoji is one character', () => {
  assert.equal(validateText('😀'.repeat(10), 10), undefined);
  assert.equal(validateText('😀'.repeat(11), 10), 'too_long');
  assert.equal(validateText(42, 10), 'invalid_type');
});
