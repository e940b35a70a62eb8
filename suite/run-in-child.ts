import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, ChildOrder } from './child-protocol.js';
import type { TestResult } from './types.js';

/** Runs from TypeScript source (tsx) or from the built `dist`; the child must run the same way. */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const CHILD = fileURLToPath(new URL(`./child-main.${FROM_SOURCE ? 'ts' : 'js'}`, import.meta.url));
/** How long a child may take to start (load modules, open connections) before it is given up. */
const START_TIMEOUT_MS = 60_000;

function execArgv(): string[] {
  if (!FROM_SOURCE || process.execArgv.some((a) => a.includes('tsx'))) return process.execArgv;
  return [...process.execArgv, '--import', import.meta.resolve('tsx')];
}

/** A child's run: its last result, and everything it streamed. */
export interface ChildOutcome {
  result: TestResult;
  acks: string[];
  wait: { read: number[]; write: number[] };
  op: number[];
}

/**
 * Runs one measured run in a child process, bounded in time: if the child has not finished
 * `graceMs` after its `durationMs`, it is killed (its event loop is frozen, typically inside a
 * synchronous SQLite busy wait) and the run is reported from its last snapshot, with `stopped`
 * set, the silence counted as event-loop delay, and one unfinished operation per worker counted
 * as an error of code `STOPPED` (an upper bound: a worker may have been between operations).
 */
export function runInChild(
  order: ChildOrder,
  graceMs: number,
  onProgress?: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<ChildOutcome> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const child = fork(CHILD, [], { execArgv: execArgv(), serialization: 'advanced', stdio: 'inherit' });
    const abort = (): void => void child.kill('SIGKILL');
    signal?.addEventListener('abort', abort, { once: true });
    const outcome = {
      acks: [] as string[],
      wait: { read: [] as number[], write: [] as number[] },
      op: [] as number[],
    };
    let last: TestResult | undefined;
    let lastAt = performance.now();
    let startedAt: number | undefined;
    let done = false;
    let killedAt: number | undefined;
    let failure: string | undefined;
    const watchdog = setInterval(() => {
      const now = performance.now();
      const limit =
        startedAt === undefined ? lastAt + START_TIMEOUT_MS : startedAt + order.durationMs + graceMs;
      if (now < limit || killedAt !== undefined) return;
      killedAt = now;
      child.kill('SIGKILL');
    }, 50);
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'error') failure = message.error;
      if (message.type === 'done') done = true;
      if (message.type !== 'snapshot') return;
      lastAt = performance.now();
      startedAt ??= lastAt;
      onProgress?.(Math.min(1, (lastAt - startedAt) / order.durationMs));
      last = message.result;
      outcome.acks.push(...message.acks);
      for (const ns of message.wait.read) outcome.wait.read.push(ns);
      for (const ns of message.wait.write) outcome.wait.write.push(ns);
      for (const ns of message.op) outcome.op.push(ns);
    });
    child.on('error', (err) => {
      clearInterval(watchdog);
      signal?.removeEventListener('abort', abort);
      reject(err);
    });
    child.on('exit', (code, exitSignal) => {
      clearInterval(watchdog);
      signal?.removeEventListener('abort', abort);
      if (signal?.aborted) return reject(signal.reason);
      if (done && last) return resolve({ result: last, ...outcome });
      if (killedAt !== undefined && startedAt !== undefined && last) {
        const silentMs = killedAt - lastAt;
        // Every worker was inside an operation or blocked from starting one: none finished.
        const ops = last.ops + order.workers;
        const errors = last.errors + order.workers;
        const frozen: TestResult = {
          ...last,
          ops,
          errors,
          errorRate: errors / ops,
          errorsByCode: { ...last.errorsByCode, STOPPED: order.workers },
          elapsedMs: killedAt - startedAt,
          stopped: { afterMs: killedAt - startedAt, silentMs },
          eventLoop: {
            p99Ms: last.eventLoop.p99Ms,
            maxMs: Math.max(last.eventLoop.maxMs, silentMs),
            heartbeatMaxMs: Math.max(last.eventLoop.heartbeatMaxMs, silentMs),
          },
          // Some operation was running all through the silence.
          opLatency: { ...last.opLatency, maxMs: Math.max(last.opLatency.maxMs, silentMs) },
        };
        frozen.opsPerSec = (frozen.okOps * 1000) / frozen.elapsedMs;
        return resolve({ result: frozen, ...outcome });
      }
      reject(
        new Error(`${order.contender} child failed (exit ${code ?? exitSignal}): ${failure ?? 'no result'}`),
      );
    });
    child.send(order);
  });
}
