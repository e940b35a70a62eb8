/**
 * The body of one {@link threadDriver} worker thread: it opens a single connection with the inline
 * driver (so WAL, pragmas, `query_only` and the statement cache are exactly those of inline mode)
 * and serves batches of requests from the main thread, one at a time, in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { DriverConnection, Params } from '../../../core/driver.js';
import { sqliteDriver } from '../sqlite/sqlite.js';
import {
  toWire,
  type Batch,
  type Chunk,
  type FromWorker,
  type Op,
  type Replies,
  type WorkerInput,
} from './thread-protocol.js';

const port = parentPort;
if (port === null) throw new Error('adapters/sqlite-worker runs only as a worker thread (see threadDriver)');
const input = workerData as WorkerInput;
/** Statement texts by the number the main thread gave them. */
const texts = new Map<number, string>();
/** Open cursors by number; a cursor lives until its last chunk is taken or it is ended. */
const cursors = new Map<number, AsyncIterator<unknown[]>>();
let nextCursor = 1;

function post(message: FromWorker): void {
  port?.postMessage(message);
}

async function step(cursor: number, rows: AsyncIterator<unknown[]>): Promise<Chunk> {
  const next = await rows.next();
  if (next.done === true) {
    cursors.delete(cursor);
    return { cursor: 0, rows: [], done: true };
  }
  return { cursor, rows: next.value, done: false };
}

function iterate(conn: DriverConnection, sql: string, params: unknown, chunkRows: number): Promise<Chunk> {
  const rows = (conn.iterate as NonNullable<DriverConnection['iterate']>)(sql, params as Params, chunkRows);
  const cursor = nextCursor++;
  cursors.set(cursor, rows);
  return step(cursor, rows).catch((err: unknown) => {
    cursors.delete(cursor);
    throw err;
  });
}

async function cursorOp(op: 'next' | 'end', cursor: number): Promise<Chunk | undefined> {
  const rows = cursors.get(cursor);
  if (rows === undefined) throw new Error(`no open cursor ${cursor}: it was ended or ran out`);
  if (op === 'next') return step(cursor, rows);
  cursors.delete(cursor);
  await rows.return?.();
  return undefined;
}

function call(
  conn: DriverConnection,
  op: Op,
  sql: string,
  params: unknown,
  arg: number | undefined,
): Promise<unknown> {
  if (op === 'iterate') return iterate(conn, sql, params, arg as number);
  if (op === 'next' || op === 'end') return cursorOp(op, arg as number);
  if (op === 'exec') return conn.exec(sql);
  if (op === 'readonly') return conn.isReadonly(sql);
  if (op === 'values') return (conn.values as NonNullable<DriverConnection['values']>)(sql, params as Params);
  if (op === 'describe') return (conn.describe as NonNullable<DriverConnection['describe']>)(sql);
  if (op === 'getMany') {
    const list = params as readonly Params[];
    return conn.getMany ? conn.getMany(sql, list) : Promise.all(list.map((p) => conn.get(sql, p)));
  }
  return conn[op](sql, params as Params | undefined);
}

/**
 * Replies leave in chunks of this many, not once per batch: the main thread starts on the first
 * answers (and sends the next requests) while this thread still runs the rest of the batch.
 */
const CHUNK = 32;

async function serve(conn: DriverConnection, batch: Batch): Promise<void> {
  for (const [n, text] of batch.learn) texts.set(n, text);
  let replies = open(batch.first);
  for (let i = 0; i < batch.ops.length; i++) {
    const ref = batch.sql[i] as string | number;
    const sql = typeof ref === 'number' ? (texts.get(ref) as string) : ref;
    try {
      replies.values.push(await call(conn, batch.ops[i] as Op, sql, batch.params[i], batch.arg[i]));
    } catch (err) {
      replies.errors.push([replies.values.length, toWire(err)]);
      replies.values.push(undefined);
    }
    if (replies.values.length === CHUNK || i === batch.ops.length - 1) {
      replies.inTx = conn.inTransaction;
      post(replies);
      replies = open(batch.first + i + 1);
    }
  }
}

function open(first: number): Replies {
  return { type: 'replies', first, values: [], errors: [], inTx: false };
}

async function main(): Promise<void> {
  let conn: DriverConnection;
  try {
    conn = await sqliteDriver(input.options).open(input.role);
  } catch (err) {
    post({ type: 'open-failed', error: toWire(err) });
    port?.close();
    return;
  }
  // Batches must run strictly one after another: a transaction's statements span batches.
  let queue = Promise.resolve();
  port?.on('message', (message: Batch | { type: 'close' }) => {
    queue = queue.then(async () => {
      if (message.type === 'close') {
        await conn.close();
        port.close();
        return;
      }
      await serve(conn, message);
    });
  });
  post({ type: 'opened' });
}

void main();
