import type { Params } from '../../../core/driver.js';

/** A prepared statement's calls as better-sqlite3 and node:sqlite both have them. */
interface BoundStatement {
  run(...params: unknown[]): unknown;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

// What follows is `stmt.get(...bind(params))` and its kin, without the spread: an array's elements
// are the arguments, any other value is the one argument (named parameters), as with the spread.
// A call with a spread reaches the library's native function through V8's generic API call path;
// a call with a fixed count of arguments takes the fast one. A profile of point reads put the
// spread at about 80 ns a statement (docs/figures.md, eighth round). Four and more parameters
// still spread: such statements are rarer, and the cases have to stop somewhere.
// The three functions are alike on purpose: each call site names its method, so V8 sees one native
// function there and takes the fast path. One function with the method as a parameter would call
// `stmt[method]`, three targets at one site, which V8 may send down the generic path again (not
// measured: the profile measured the spread only).

/** `stmt.get` with `params` bound. */
export function getBound(stmt: BoundStatement, params: Params | undefined): unknown {
  if (params === undefined) return stmt.get();
  if (!Array.isArray(params)) return stmt.get(params);
  switch (params.length) {
    case 0:
      return stmt.get();
    case 1:
      return stmt.get(params[0]);
    case 2:
      return stmt.get(params[0], params[1]);
    case 3:
      return stmt.get(params[0], params[1], params[2]);
    default:
      return stmt.get(...(params as unknown[]));
  }
}

/** `stmt.all` with `params` bound. */
export function allBound(stmt: BoundStatement, params: Params | undefined): unknown[] {
  if (params === undefined) return stmt.all();
  if (!Array.isArray(params)) return stmt.all(params);
  switch (params.length) {
    case 0:
      return stmt.all();
    case 1:
      return stmt.all(params[0]);
    case 2:
      return stmt.all(params[0], params[1]);
    case 3:
      return stmt.all(params[0], params[1], params[2]);
    default:
      return stmt.all(...(params as unknown[]));
  }
}

/** `stmt.run` with `params` bound. */
export function runBound(stmt: BoundStatement, params: Params | undefined): unknown {
  if (params === undefined) return stmt.run();
  if (!Array.isArray(params)) return stmt.run(params);
  switch (params.length) {
    case 0:
      return stmt.run();
    case 1:
      return stmt.run(params[0]);
    case 2:
      return stmt.run(params[0], params[1]);
    case 3:
      return stmt.run(params[0], params[1], params[2]);
    default:
      return stmt.run(...(params as unknown[]));
  }
}
