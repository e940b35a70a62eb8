/**
 * The body of one worker thread of a {@link threadDriver} or {@link hybridDriver}: it opens the
 * connections the main thread asks for with the inline driver (so WAL, pragmas, `query_only` and
 * the statement cache are exactly those of inline mode) and serves batches of requests for them,
 * one at a time, in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { DriverConnection, Params } from '../../../core/driver.js';
import { sqliteDriver } from '../sqlite/sqlite.js';
import { toldNetworkFilesystem } from '../sqlite/network-filesystem.js';
import {
  toWire,
  type Batch,
  type Chunk,
  type FromWorker,
  type Op,
  type Replies,
  type ToWorker,
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
  op: Exclude<Op, 'skip'>,
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

// The main thread's driver told of a network filesystem already: not once more a thread.
toldNetworkFilesystem(input.options.filename);
const driver = sqliteDriver(input.options);
/** This worker's connections, by the number the main thread gave them. */
const conns = new Map<number, DriverConnection>();

async function serve(batch: Batch): Promise<void> {
  for (const [n, text] of batch.learn) texts.set(n, text);
  let replies = open(batch.first);
  for (let i = 0; i < batch.ops.length; i++) {
    const ref = batch.sql[i] as string | number;
    const sql = typeof ref === 'number' ? (texts.get(ref) as string) : ref;
    const conn = conns.get(batch.conns[i] as number);
    const t0 = performance.now();
    if (batch.ops[i] === 'skip') replies.values.push(undefined);
    else
      try {
        if (conn === undefined) throw new Error('the connection is closed');
        replies.values.push(
          await call(conn, batch.ops[i] as Exclude<Op, 'skip'>, sql, batch.params[i], batch.arg[i]),
        );
      } catch (err) {
        replies.errors.push([replies.values.length, toWire(err)]);
        replies.values.push(undefined);
      }
    replies.ms.push(performance.now() - t0);
    replies.inTx.push(conn?.inTransaction ?? false);
    if (replies.values.length === CHUNK || i === batch.ops.length - 1) {
      post(replies);
      replies = open(batch.first + i + 1);
    }
  }
}

function open(first: number): Replies {
  return { type: 'replies', first, values: [], errors: [], inTx: [], ms: [] };
}

async function handle(message: ToWorker): Promise<void> {
  if (message.type === 'batch') return serve(message);
  if (message.type === 'open') {
    try {
      conns.set(message.conn, await driver.open(message.role));
      post({ type: 'opened', conn: message.conn });
    } catch (err) {
      post({ type: 'open-failed', conn: message.conn, error: toWire(err) });
    }
    return;
  }
  if (message.type === 'close') {
    try {
      await conns.get(message.conn)?.close();
    } finally {
      // The main thread waits for this answer whatever became of the close.
      conns.delete(message.conn);
      post({ type: 'closed', conn: message.conn });
    }
    return;
  }
  if (message.type !== 'exit') throw new Error(`unknown message ${JSON.stringify(message)}`);
  try {
    for (const conn of conns.values()) await conn.close().catch(() => undefined);
    conns.clear();
    await driver.dispose?.();
  } finally {
    port?.close();
  }
}

// Messages run strictly one after another: a transaction's statements span batches, and a
// connection must be open before its first batch runs. A message that fails is reported and the
// queue goes on: left rejected, it would refuse every later message, and the thread would hang.
let queue = Promise.resolve();
port.on('message', (message: ToWorker) => {
  queue = queue
    .then(() => handle(message))
    .catch((err: unknown) => post({ type: 'fault', error: toWire(err) }));
});
post({ type: 'ready' });
