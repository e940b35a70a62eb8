/**
 * The longest delay a Node.js timer can wait (2^31 - 1 ms, about 24.8 days). A longer one fires
 * at once, with a TimeoutOverflowWarning: every duration the pool arms a timer for is bounded by it.
 */
export const MAX_DURATION_MS = 2 ** 31 - 1;

/**
 * The most connections a pool may have. Each is a file handle (and, on worker threads, a thread
 * with its own heap); SQLite serves one writer at a time, so past a few dozen readers more add
 * memory, not throughput.
 */
export const MAX_CONNECTIONS = 1000;

/** The longest acquire queue (`maxWaiting`): each waiter holds a promise and its callbacks. */
export const MAX_WAITING = 10_000_000;

export const DURATION_NOTE = `(ms; at most ${MAX_DURATION_MS}, about 24.8 days, the longest delay a Node.js timer can wait: a longer one would fire at once)`;
