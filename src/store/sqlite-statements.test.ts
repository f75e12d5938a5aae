import { test } from 'node:test';
import assert from 'node:assert/strict';
import SqliteDatabase from 'better-sqlite3';
import { withStatementCache } from './sqlite-statements.ts';

function database() {
  const native = new SqliteDatabase(':memory:');
  native.exec(`create table t (id text primary key, n integer, note text); insert into t values ('a', 1, null), ('b', 2, 'x')`);
  return { native, cached: withStatementCache(native) };
}

test('rows read through the cache are the objects better-sqlite3 itself returns', () => {
  const { native, cached } = database();
  const text = 'select * from t where n >= ? order by id';
  assert.deepEqual(cached.prepare(text).all([1]), native.prepare(text).all(1));
  assert.deepEqual([...cached.prepare(text).iterate([2])], native.prepare(text).all(2));
  // Duplicate names keep the last column's value, as the driver's objects do.
  const twice = "select id, 'first' as v, 'last' as v from t where id = ?";
  assert.deepEqual(cached.prepare(twice).all(['a']), native.prepare(twice).all('a'));
  cached.close();
});

test('a text is compiled once and writes report their changes', () => {
  const { cached } = database();
  const select = 'select id from t';
  assert.equal(cached.prepare(select), cached.prepare(select));
  const insert = cached.prepare('insert into t (id, n) values (?, ?)');
  assert.equal(insert.reader, false);
  assert.equal(insert.run(['c', 3]).changes, 1);
  const returning = cached.prepare('insert into t (id, n) values (?, ?) returning id, n');
  assert.equal(returning.reader, true);
  assert.deepEqual(returning.all(['d', 4]), [{ id: 'd', n: 4 }]);
  cached.close();
});

test('after a schema change, select * reads the columns the table has now', () => {
  const { cached } = database();
  const text = "select * from t where id = 'a'";
  assert.deepEqual(cached.prepare(text).all([]), [{ id: 'a', n: 1, note: null }]);
  cached.prepare('alter table t add column extra integer default 7').run([]);
  assert.deepEqual(cached.prepare(text).all([]), [{ id: 'a', n: 1, note: null, extra: 7 }]);
  cached.close();
});
