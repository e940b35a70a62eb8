import { statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

/**
 * Watches a database file's folder and tells its listeners when the file is deleted, replaced by
 * another file, or its folder removed. SQLite in WAL mode keeps writing to an unlinked file
 * without an error (the writes vanish when the last connection closes), so the pool needs this to
 * fail its connections instead of losing commits silently.
 *
 * @example
 * ```ts
 * const guard = fileGuard('bot.db');
 * const stop = guard.listen((cause) => pool.evictAll(cause));
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
export function fileGuard(filename: string, makeError: (message: string) => Error): FileGuard {
  const listeners = new Set<(cause: Error) => void>();
  const name = basename(filename);
  let identity: string | undefined;
  let watcher: FSWatcher | undefined;

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
      try {
        // persistent: false, so a watched pool never keeps the process alive on its own.
        watcher = watch(dirname(filename), { persistent: false }, (_event, file) => {
          if (file === null || !file.startsWith(`${name}-`)) check();
        });
        // The folder itself was removed: inotify ends the watch with an error on some kernels.
        watcher.on('error', () => {
          check();
          watcher?.close();
        });
      } catch {
        // No watch (exotic filesystem): idle validation still notices, later.
      }
    },
    listen(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      watcher?.close();
      watcher = undefined;
      listeners.clear();
    },
  };
}
