import type { LaneGate } from './lane-gate.js';

/**
 * The writer's `wal_autocheckpoint` (frames) once its process has handed the lane to another:
 * SQLite's own checkpoint, inside a COMMIT, then comes a quarter as often (the default is 1000),
 * and finds most frames copied already. It stays a bound: the WAL still restarts within about
 * this many frames (16 MB with 4 KB pages), below the pool's `walCheckpointThresholdFrames`
 * alert (10,000 by default).
 */
export const CONTENDED_AUTOCHECKPOINT_FRAMES = 4000;

/**
 * WAL checkpoints off the lane's critical path (docs/shards.md). SQLite checkpoints the WAL inside
 * the COMMIT that takes it past `wal_autocheckpoint` frames: a copy and two fsyncs, a few
 * milliseconds in which the committing process still holds the lane and every other process
 * waits. While processes take turns, the one that has just handed the lane over checkpoints
 * instead (PASSIVE: it never waits for, nor stops, the next holder's writes), and its writer's own
 * threshold is raised to {@link CONTENDED_AUTOCHECKPOINT_FRAMES}. A process alone on its file
 * never hands over: its checkpoints stay SQLite's own, as without a lane.
 *
 * `exec` runs one statement on the process's write connection, synchronously. The lane calls it
 * as it hands over, when that connection is lent to nobody (docs/shards.md). A user who sets
 * `wal_autocheckpoint` in `pragmas` keeps it: nothing is changed then. @internal
 *
 * @example
 * ```ts
 * checkpointOnLeave(gate, options.pragmas, (sql) => db.exec(sql)); // on opening the writer
 * ```
 */
export function checkpointOnLeave(
  gate: LaneGate | undefined,
  pragmas: Readonly<Record<string, unknown>> | undefined,
  exec: (sql: string) => void,
): void {
  if (gate === undefined) return;
  if (Object.keys(pragmas ?? {}).some((name) => name.toLowerCase() === 'wal_autocheckpoint')) return;
  let raised = false;
  // One writer at a time: a replacement writer's listener replaces its predecessor's.
  gate.onLeave(() => {
    if (!raised) {
      exec(`PRAGMA wal_autocheckpoint = ${CONTENDED_AUTOCHECKPOINT_FRAMES}`);
      raised = true;
    }
    exec('PRAGMA wal_checkpoint(PASSIVE)');
  });
}
