import { performance } from 'node:perf_hooks';
import type { LaneGate } from './lane-gate.js';

/**
 * The writer's `wal_autocheckpoint` (frames) while its process takes turns on the lane: SQLite's
 * own checkpoint, inside a COMMIT, then comes a quarter as often as at SQLite's default (1000), and
 * finds most frames copied already. It stays a bound: the WAL still restarts within about this
 * many frames (16 MB with 4 KB pages), below the pool's `walCheckpointThresholdFrames` alert
 * (10,000 by default).
 */
export const CONTENDED_AUTOCHECKPOINT_FRAMES = 4000;

/** SQLite's default `wal_autocheckpoint`, which the writer gets back once the turns stop. */
const DEFAULT_AUTOCHECKPOINT_FRAMES = 1000;

/** How long after its last hand-over (ms) a writer gets SQLite's default threshold back. */
export const RESTORE_AFTER_MS = 1000;

/** The write connection of a process on the lane, as the checkpoints use it: synchronous. */
export interface CheckpointWriter {
  /** Runs one statement now; throws as the driver does. */
  exec(sql: string): void;
  /** False once the connection is closed (the pool closed it, or replaced it). */
  isOpen(): boolean;
}

/**
 * WAL checkpoints off the lane's critical path (docs/shards.md). SQLite checkpoints the WAL inside
 * the COMMIT that takes it past `wal_autocheckpoint` frames: a copy and two fsyncs, a few
 * milliseconds in which the committing process still holds the lane and every other process
 * waits. While processes take turns, the one that has just handed the lane over checkpoints
 * instead (PASSIVE: it never waits for, nor stops, the next holder's writes), and its writer's own
 * threshold is raised to {@link CONTENDED_AUTOCHECKPOINT_FRAMES}; {@link RESTORE_AFTER_MS} after
 * its last hand-over it is SQLite's default again, so that a process that writes alone keeps
 * SQLite's checkpoints (and, with `synchronous = NORMAL`, its fsyncs) as often as without a lane.
 * A process alone on its file never hands over: nothing changes for it.
 *
 * The lane calls the listener as it hands over; the checkpoint runs after that turn of the event
 * loop's work, while the pool lends the write connection to nobody (the lane is not held). A user
 * who sets `wal_autocheckpoint` in `pragmas` keeps it: nothing is done then. A failure (another
 * process checkpoints, the connection closed) is left to SQLite's own checkpoint, which still
 * bounds the WAL. @internal
 *
 * @example
 * ```ts
 * checkpointOnLeave(gate, options.pragmas, { exec: (sql) => db.exec(sql), isOpen: () => db.open });
 * ```
 */
export function checkpointOnLeave(
  gate: LaneGate | undefined,
  pragmas: Readonly<Record<string, unknown>> | undefined,
  writer: CheckpointWriter,
  restoreAfterMs = RESTORE_AFTER_MS,
): void {
  if (gate === undefined) return;
  if (Object.keys(pragmas ?? {}).some((name) => name.toLowerCase() === 'wal_autocheckpoint')) return;
  let leftAt = 0;
  let restore: NodeJS.Timeout | undefined;
  let pending = false;
  // After the hand-over's own work: the transaction whose release handed the lane over resolves
  // first. Skipped if the lane came back meanwhile: the pool may have lent the writer again.
  const checkpoint = (): void => {
    pending = false;
    if (gate.holding) return;
    try {
      writer.exec('PRAGMA wal_checkpoint(PASSIVE)');
    } catch {
      // Another process checkpoints, or the connection closed: SQLite's own checkpoint remains.
    }
  };
  const restoreIfQuiet = (): void => {
    if (performance.now() - leftAt < restoreAfterMs) return;
    try {
      writer.exec(`PRAGMA wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_FRAMES}`);
    } catch {
      // Busy with an iterate() cursor: again at the next look. Closed: nothing left to restore.
      if (writer.isOpen()) return;
    }
    clearInterval(restore);
    restore = undefined;
  };
  // One writer at a time: a replacement writer's listener replaces its predecessor's.
  gate.onLeave(() => {
    leftAt = performance.now();
    if (restore === undefined) {
      writer.exec(`PRAGMA wal_autocheckpoint = ${CONTENDED_AUTOCHECKPOINT_FRAMES}`);
      restore = setInterval(restoreIfQuiet, restoreAfterMs);
      restore.unref();
    }
    if (!pending) {
      pending = true;
      setImmediate(checkpoint);
    }
  });
}
