import type { LeakReport } from './leak-detector.js';

/** What `close()` waits for: one held lease, where it was acquired when the pool recorded it. */
export interface LeaseHeldAtClose {
  mode: string;
  heldMs: number;
  stack: string | undefined;
}

const HANDLE = 'subscribe to pool.events$ to handle these events yourself (no warning is printed then)';

/**
 * A lease held past `leakDetectionThresholdMs`, told as a Node warning: printed once to stderr by
 * default, and visible to `process.on('warning')`, `--no-warnings` and `--throw-deprecation`'s kin.
 */
export function warnLeak(report: LeakReport, thresholdMs: number): void {
  const where = report.reclaimed
    ? 'it was garbage-collected without release(), and the pool took its connection back'
    : `it has not been released after ${Math.round(report.heldMs)} ms (leakDetectionThresholdMs ${thresholdMs})`;
  const stack =
    report.stack === undefined
      ? 'Acquired at: not recorded. The pool records acquire stacks from now on: the next report shows where.'
      : `Acquired here:\n${frames(report.stack)}`;
  process.emitWarning(`roas-pool: a ${report.mode} lease leaked: ${where}.`, {
    type: 'RoasPoolWarning',
    code: 'ROAS_POOL_LEASE_LEAKED',
    detail:
      `${stack}\nFix: release every lease (call release() in a finally block, or use pool.read/write/` +
      `transaction, which release for you); or ${HANDLE}.`,
  });
}

/** `close()` starts while leases are out: say which it waits for, and where they were acquired. */
export function warnCloseWaiting(held: readonly LeaseHeldAtClose[], closeTimeoutMs: number): void {
  const list = held
    .map(
      (h, i) =>
        `${i + 1}. ${h.mode} lease held ${Math.round(h.heldMs)} ms, acquired ${
          h.stack === undefined
            ? 'at an unrecorded place (set leakDetectionThresholdMs to record it)'
            : `here:\n${frames(h.stack)}`
        }`,
    )
    .join('\n');
  process.emitWarning(
    `roas-pool: close() waits up to ${closeTimeoutMs} ms for ${held.length} lease${held.length === 1 ? '' : 's'} still held; past that it rolls back what they left open.`,
    {
      type: 'RoasPoolWarning',
      code: 'ROAS_POOL_CLOSE_WAITING',
      detail: `${list}\nFix: finish or abort the work holding them before close(); or ${HANDLE} (pool.closing lists them).`,
    },
  );
}

/** A listener threw, and nobody listens on `events$` to be told: say it once a pool. */
export function warnListenerFailed(error: Error): void {
  process.emitWarning(`roas-pool: ${error.message}`, {
    type: 'RoasPoolWarning',
    code: 'ROAS_POOL_LISTENER_FAILED',
    detail: `It threw: ${error.cause instanceof Error ? (error.cause.stack ?? error.cause.message) : String(error.cause)}\nFix: catch errors inside the listener; or ${HANDLE} (listener.failed carries each one).`,
  });
}

const CORE = new URL('..', import.meta.url).href;
const CORE_PATH = new URL('..', import.meta.url).pathname;

/** The caller's frames of an acquire stack: without its first line and the pool's own frames. */
function frames(stack: string): string {
  return stack
    .split('\n')
    .slice(1)
    .filter((line) => !line.includes(CORE) && !line.includes(CORE_PATH))
    .map((line) => `   ${line.trim()}`)
    .join('\n');
}
