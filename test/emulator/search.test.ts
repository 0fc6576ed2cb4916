// Contact search: operators, nested AND/OR, pagination, 2.16 sort, and the index lag a new contact goes through.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { build, useEmulator } from './harness.js';
import { waitUntil } from '../support/wait.js';

const emulator = useEmulator();

async function search(query: unknown, extra: Record<string, unknown> = {}, version?: '2.14' | '2.16') {
  return emulator.api('POST', '/contacts/search', { query, ...extra }, { version });
}
const ids = (answer: { body: { data: Array<{ id: string }> } }) => answer.body.data.map((contact) => contact.id).sort();

describe('filters', () => {
  test('each operator selects the contacts it should', async () => {
    await emulator.api('POST', '/data_attributes', { name: 'score', model: 'contact', data_type: 'integer' });
    const ann = (await emulator.api('POST', '/contacts', build.lead({ name: 'Ann Smith', email: 'ann@alpha.com', phone: '+111', custom_attributes: { score: 5 } }))).body;
    const bob = (await emulator.api('POST', '/contacts', build.lead({ name: 'Bob Jones', email: 'bob@beta.org', custom_attributes: { score: 9 } }))).body;
    const cat = (await emulator.api('POST', '/contacts', build.user({ name: 'Cat Smith', email: 'cat@alpha.com', external_id: 'c-1' }))).body;
    const cases: Array<[unknown, string[]]> = [
      [{ field: 'email', operator: '=', value: 'ANN@alpha.com' }, [ann.id]],
      [{ field: 'role', operator: '!=', value: 'lead' }, [cat.id]],
      [{ field: 'id', operator: 'IN', value: [ann.id, bob.id] }, [ann.id, bob.id]],
      [{ field: 'email_domain', operator: 'NIN', value: ['alpha.com'] }, [bob.id]],
      [{ field: 'name', operator: '~', value: 'smith' }, [ann.id, cat.id]],
      [{ field: 'name', operator: '!~', value: 'smith' }, [bob.id]],
      [{ field: 'email', operator: '^', value: 'bo' }, [bob.id]],
      [{ field: 'email', operator: '$', value: '.org' }, [bob.id]],
      [{ field: 'custom_attributes.score', operator: '>', value: 6 }, [bob.id]],
      [{ field: 'custom_attributes.score', operator: '<', value: 6 }, [ann.id]],
      [{ field: 'custom_attributes.score', operator: '>=', value: 5 }, [ann.id, bob.id]],
      [{ field: 'external_id', operator: '=', value: 'c-1' }, [cat.id]],
      [{ field: 'phone', operator: '=', value: '+111' }, [ann.id]],
      [{ field: 'created_at', operator: '=', value: ann.created_at }, [ann.id, bob.id, cat.id]],
      [{ field: 'created_at', operator: '>', value: ann.created_at }, []],
      [{ field: 'created_at', operator: '<', value: ann.created_at + 86_400 }, [ann.id, bob.id, cat.id]],
    ];
    for (const [query, expected] of cases) {
      const answer = await search(query);
      assert.equal(answer.status, 200, JSON.stringify(query));
      assert.deepEqual(ids(answer), [...expected].sort(), JSON.stringify(query));
    }
  });

  test('AND and OR combine, nested one level', async () => {
    const lead = (await emulator.api('POST', '/contacts', build.lead({ email: 'x@same.com' }))).body;
    const user = (await emulator.api('POST', '/contacts', build.user({ email: 'x@same.com' }))).body;
    const other = (await emulator.api('POST', '/contacts', build.lead({ email: 'y@else.com' }))).body;
    const and = await search({ operator: 'AND', value: [{ field: 'email', operator: '=', value: 'x@same.com' }, { field: 'role', operator: '=', value: 'lead' }] });
    assert.deepEqual(ids(and), [lead.id]);
    const nested = await search({
      operator: 'OR',
      value: [
        { operator: 'AND', value: [{ field: 'email', operator: '=', value: 'x@same.com' }, { field: 'role', operator: '=', value: 'user' }] },
        { field: 'email', operator: '=', value: 'y@else.com' },
      ],
    });
    assert.deepEqual(ids(nested), [user.id, other.id].sort());
  });

  test('an unknown operator, an unknown field or too deep a nesting answers 400', async () => {
    const deep = { operator: 'AND', value: [{ operator: 'OR', value: [{ operator: 'AND', value: [{ field: 'id', operator: '=', value: 'x' }] }] }] };
    for (const query of [{ field: 'email', operator: 'LIKE', value: 'a' }, { field: 'password', operator: '=', value: 'a' }, deep]) {
      const answer = await search(query);
      assert.equal(answer.status, 400, JSON.stringify(query));
      assert.equal(answer.body.errors[0].code, 'parameter_invalid');
    }
    assert.equal((await emulator.api('POST', '/contacts/search', {})).status, 400);
  });
});

describe('pages and order', () => {
  test('pagination walks every match once with per_page and starting_after', async () => {
    const created: string[] = [];
    for (let index = 0; index < 5; index++) created.push((await emulator.api('POST', '/contacts', build.lead())).body.id);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pagesSeen = 0;
    do {
      const answer = await search({ field: 'role', operator: '=', value: 'lead' }, { pagination: { per_page: 2, starting_after: cursor } });
      assert.equal(answer.body.total_count, 5);
      assert.equal(answer.body.pages.total_pages, 3);
      seen.push(...answer.body.data.map((contact: { id: string }) => contact.id));
      cursor = answer.body.pages.next?.starting_after;
      pagesSeen++;
    } while (cursor);
    assert.equal(pagesSeen, 3);
    assert.deepEqual(seen, created);
  });

  test('2.16 sorts by the field asked, descending by default', async () => {
    const names = ['b', 'c', 'a'];
    for (const name of names) await emulator.api('POST', '/contacts', build.lead({ name }));
    const query = { field: 'role', operator: '=', value: 'lead' };
    const descending = await search(query, { sort: { field: 'name' } }, '2.16');
    assert.deepEqual(descending.body.data.map((c: { name: string }) => c.name), ['c', 'b', 'a']);
    const ascending = await search(query, { sort: { field: 'name', order: 'ascending' } }, '2.16');
    assert.deepEqual(ascending.body.data.map((c: { name: string }) => c.name), ['a', 'b', 'c']);
  });

  test('2.16 answers 400 invalid_sort_order for an order other than ascending or descending', async () => {
    const answer = await search({ field: 'role', operator: '=', value: 'lead' }, { sort: { field: 'name', order: 'sideways' } }, '2.16');
    assert.equal(answer.status, 400);
    assert.equal(answer.body.errors[0].code, 'invalid_sort_order');
  });
});

describe('index lag', () => {
  test('a new contact is missing from search until searchLagMs has passed, while GET finds it at once', async () => {
    await emulator.hook('POST', '/config', { searchLagMs: 300 });
    const lead = (await emulator.api('POST', '/contacts', build.lead({ email: 'lagging@example.com' }))).body;
    const query = { field: 'email', operator: '=', value: 'lagging@example.com' };
    assert.equal((await search(query)).body.total_count, 0);
    assert.equal((await emulator.api('GET', `/contacts/${lead.id}`)).status, 200);
    const found = await waitUntil(
      async () => {
        const answer = await search(query);
        return answer.body.total_count === 1 ? answer : undefined;
      },
      'the contact in search',
      { timeoutMs: 5000, intervalMs: 10 },
    );
    assert.equal(found.body.data[0].id, lead.id);
  });
});
