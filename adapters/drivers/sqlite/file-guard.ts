import { statSync, unwatchFile, watchFile } from 'node:fs';
import { resolve } from 'node:path';

/**
 * One poll per file per process, however many pools or drivers watch it: Node gives every
 * `watchFile` call a listener on one shared watcher, and warns past ten.
 */
const polls = new Map<string, Set<() => void>>();

function poll(filename: string, intervalMs: number, check: () => void): () => void {
  const key = resolve(filename);
  let checks = polls.get(key);
  if (!checks) {
    const group = (checks = new Set());
    polls.set(key, group);
    watchFile(key, { persistent: false, interval: intervalMs }, () => {
      for (const c of [...group]) c();
    });
  }
  checks.add(check);
  return () => {
    checks.delete(check);
    if (checks.size === 0) {
      polls.delete(key);
      unwatchFile(key);
    }
  };
}

/**
 * Watches a database file and tells its listeners when the file is deleted, replaced by another
 * file, or its folder removed. SQLite in WAL mode keeps writing to an unlinked file without an
 * error (the writes vanish when the last connection closes), so the pool needs this to fail its
 * connections instead of losing commits silently.
 *
 * It polls the file's identity (`fs.watchFile`, one `stat` per interval, never keeping the process
 * alive) rather than subscribing to the folder's change events: those fire on every write to the
 * WAL, and would cost the write path a callback per commit.
 *
 * @example
 * ```ts
 * const guard = fileGuard('bot.db', (msg) => new Error(msg));
 * guard.arm();
 * const stop = guard.listen((cause) => failEveryConnection(cause));
 * ```
 */
export interface FileGuard {
  /** Remembers the file's identity (after the first successful open) and starts watching. */
  arm(): void;
  /** Adds a listener; returns a function that removes it. */
  listen(listener: (cause: Error) => void): () => void;
  /** Stops watching. */
  close(): void;
}

/** `makeError` builds the error listeners get (the driver makes it a SqliteError with a code). */
export function fileGuard(
  filename: string,
  makeError: (message: string) => Error,
  intervalMs = 1000,
): FileGuard {
  const listeners = new Set<(cause: Error) => void>();
  let identity: string | undefined;
  let unwatch: (() => void) | undefined;

  const current = (): string | undefined => {
    try {
      const s = statSync(filename);
      return `${s.dev}:${s.ino}`;
    } catch {
      return undefined;
    }
  };

  const check = (): void => {
    if (identity === undefined || current() === identity) return;
    const cause = makeError(
      `the database file ${filename} was deleted, moved or replaced while the pool had it open`,
    );
    for (const listener of [...listeners]) listener(cause);
  };

  return {
    arm() {
      if (identity !== undefined) return;
      identity = current();
      unwatch = poll(filename, intervalMs, check);
    },
    listen(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      unwatch?.();
      unwatch = undefined;
      listeners.clear();
    },
  };
}
