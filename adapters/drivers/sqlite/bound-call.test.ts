import test from 'ava';
import type { DriverConnection, Params } from '../../../core/driver.js';
import { nodeSqliteDriver, sqliteDriver, type Driver } from '../../../index.js';
import { tempDir } from '../../../test/helpers.js';
import { nodeSqliteAvailable } from '../node-sqlite/node-sqlite-module.js';

// The drivers bind a statement's parameters without spreading them (bound-call.ts). The outcome must
// be the library's own for every shape a caller may pass: checked against the library's prepared
// statement called with the spread, on a real file, for both SQLite libraries.

interface Spreadable {
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}
type Connection = DriverConnection & {
  raw: { prepare(sql: string): Spreadable };
  sync: NonNullable<DriverConnection['sync']>;
};

const POSITIONAL = 'SELECT ? AS a, ? AS b, ? AS c, ? AS d, ? AS e';
const NAMED = 'SELECT :a AS a, :b AS b';
const cases: [string, string, Params | undefined][] = [
  ['no parameters', 'SELECT 1 AS one', undefined],
  ['an empty array', 'SELECT 1 AS one', []],
  ...[1, 2, 3, 4, 5].map((n): [string, string, Params] => [
    `${n} positional`,
    `SELECT ${['a', 'b', 'c', 'd', 'e']
      .slice(0, n)
      .map((c) => `? AS ${c}`)
      .join(', ')}`,
    [10, 'two', null, 4.5, 5n].slice(0, n),
  ]),
  ['named, as an object', NAMED, { a: 1, b: 'x' }],
  ['named, as an object in an array', NAMED, [{ a: 1, b: 'x' }]],
  ['an array in an array', POSITIONAL, [[1, 2, 3, 4, 5]]],
  ['too many', 'SELECT ? AS a', [1, 2]],
  ['an unbindable value', 'SELECT ? AS a', [{ toString: () => 'x' }, 2]],
];

/** What a call gave: its value, or its error's message. */
function outcome(call: () => unknown): unknown {
  try {
    return { value: call() };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

function spread(params: Params | undefined): unknown[] {
  if (params === undefined) return [];
  return Array.isArray(params) ? (params as unknown[]) : [params];
}

function bindsAsTheLibrary(name: string, driver: (filename: string) => Driver, available: boolean): void {
  (available ? test : test.skip)(
    `${name}: statements bind every shape of parameters as the library's spread call does`,
    async (t) => {
      const tmp = tempDir();
      const d = driver(tmp.file());
      const conn = (await d.open('writer')) as Connection;
      for (const [label, sql, params] of cases) {
        const own = conn.raw.prepare(sql);
        const expected = outcome(() => own.get(...spread(params)));
        t.deepEqual(
          outcome(() => conn.sync.get(sql, params)),
          expected,
          `get, ${label}`,
        );
        t.deepEqual(
          outcome(() => conn.sync.all(sql, params)),
          outcome(() => own.all(...spread(params))),
          `all, ${label}`,
        );
        const got = await conn.get(sql, params).then(
          (value) => ({ value }),
          (err: unknown) => ({ error: (err as Error).message }),
        );
        t.deepEqual(got, expected, `async get, ${label}`);
      }
      await conn.exec('CREATE TABLE t (a, b, c, d, e)');
      for (const n of [0, 1, 2, 3, 4, 5]) {
        const columns = ['a', 'b', 'c', 'd', 'e'].slice(0, n);
        const sql =
          n === 0
            ? 'INSERT INTO t DEFAULT VALUES'
            : `INSERT INTO t (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
        await conn.run(sql, [1, 2, 3, 4, 5].slice(0, n));
      }
      await conn.run('INSERT INTO t (a, b) VALUES (:a, :b)', { a: 'n', b: 'm' });
      t.deepEqual(await conn.all('SELECT a, b, c, d, e FROM t ORDER BY rowid'), [
        { a: null, b: null, c: null, d: null, e: null },
        { a: 1, b: null, c: null, d: null, e: null },
        { a: 1, b: 2, c: null, d: null, e: null },
        { a: 1, b: 2, c: 3, d: null, e: null },
        { a: 1, b: 2, c: 3, d: 4, e: null },
        { a: 1, b: 2, c: 3, d: 4, e: 5 },
        { a: 'n', b: 'm', c: null, d: null, e: null },
      ]);
      await conn.close();
      await d.dispose?.();
      tmp.cleanup();
    },
  );
}

bindsAsTheLibrary('better-sqlite3', (filename) => sqliteDriver({ filename, lane: false }), true);
bindsAsTheLibrary(
  'node:sqlite',
  (filename) => nodeSqliteDriver({ filename, lane: false }),
  nodeSqliteAvailable(),
);
