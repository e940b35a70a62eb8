import { performance } from 'node:perf_hooks';
import type { WriteGate } from '../driver.js';

/**
 * The shortest turn on the lane while another process waits (ms). One hand-over costs a round
 * trip through the coordinator and a wake-up of the next process; a few local grants between
 * hand-overs pay for it (bench/shards.ts).
 */
export const GATE_TURN_MS = 4;

/** The longest turn (ms): two processes on a file take turns of this. */
export const GATE_TURN_MAX_MS = 16;

/**
 * What one round of the lane may take (ms): a writer waits for every other process's turn and
 * hand-over, so each turn is this shared by the others, less {@link GATE_GAP_MS}. Two processes
 * take turns of 16 ms, three of 14.5 ms, four of 8.7 ms, six or more of 4 ms: where few processes
 * share the file, longer turns mean fewer hand-overs and fewer gaps between them (bench/shards.ts);
 * where many do, a writer's wait stays within about one round.
 */
export const GATE_ROUND_MS = 35;

/**
 * A hand-over's gap allowed for in a round (ms): the lane unused while it passes, its mean in
 * bench/shards.ts on a shared 2-core machine (load 6 to 9).
 */
const GATE_GAP_MS = 3;

/** The turn (ms) of a process on a lane shared by `processes`: see {@link GATE_ROUND_MS}. */
export function gateTurnMs(processes: number): number {
  const turn = GATE_ROUND_MS / Math.max(1, processes - 1) - GATE_GAP_MS;
  return Math.min(GATE_TURN_MAX_MS, Math.max(GATE_TURN_MS, turn));
}

/** Local grants in a row before the event loop is given a turn (to read the coordinator's socket). */
const STREAK = 8;

/**
 * The pool's side of a driver's cross-process {@link WriteGate}: whether this process holds the
 * lane, how many grants it made since another process started waiting, and when to ask for the
 * lane or hand it over. Lending consults it before lending the write connection. The lane is kept
 * while nobody else waits, so a process alone on its file pays nothing per write. @internal
 */
export class GateTurns {
  private held = false;
  private asking = false;
  protected contendedAt = 0;
  /** Whether this turn's clock runs: another process was heard waiting since the lane was entered. */
  protected timed = false;
  /** Local grants made since the event loop last turned; see {@link GateTurns.pass}. */
  private streak = 0;
  private probing = false;
  private readonly turned = (): void => {
    this.probing = false;
    this.streak = 0;
  };

  constructor(
    private readonly gate: WriteGate,
    /** Entered: lend the write connection, if free, to the next local writer. */
    private readonly entered: () => void,
    /** Whether the write connection is free now (not lent, not being made clean). */
    private readonly free: () => boolean,
  ) {
    gate.onYield(() => {
      this.heard();
      // Asked to hand over while no local writer holds the connection: hand over now.
      if (this.held && this.free()) this.handOver(false);
    });
  }

  /**
   * The coordinator says another process waits. The first word starts the turn's clock. Each
   * process that queues after it says so again: restarting the clock then let a holder keep the
   * lane as long as others kept arriving (writers waited up to 1.2 s in bench/shards.ts). Protected
   * for properties/gate-turns.ts's broken variant.
   */
  protected heard(): void {
    if (this.timed) return;
    this.timed = true;
    this.contendedAt = performance.now();
  }

  /** Whether a writer that finds the connection free may take it at once. */
  mayGrant(): boolean {
    return this.held && !this.turnOver();
  }

  /**
   * The write connection came back with `waiting` local writers: `lend` it to the next one, `put`
   * it back (the lane is asked for, or handed to another process first), or lend it `later`, after
   * a turn of the event loop. Writers handed the connection one after another resolve in one chain
   * of microtasks that never lets the loop read a socket: without a turn now and then, this
   * process would never hear that another one waits.
   */
  pass(waiting: boolean): 'lend' | 'put' | 'later' {
    if (!this.held) {
      if (waiting) this.ask();
      return 'put';
    }
    if (!waiting) {
      if (!this.gate.contended) return 'lend';
    } else if (!this.turnOver()) {
      // Alone on the file, nobody is to be heard: no turn is spent.
      if (this.gate.processes < 2) return 'lend';
      if (!this.probing) {
        this.probing = true;
        setImmediate(this.turned);
      } else if (++this.streak >= STREAK) return 'later';
      return 'lend';
    }
    this.handOver(waiting);
    return 'put';
  }

  /** A local writer is waiting: ask for the lane unless it is held or asked for. */
  ask(): void {
    // Held, free, yet a writer waits: the turn is over. Hand over, and queue for the next one.
    if (this.held) {
      if (this.free()) this.handOver(true);
      return;
    }
    if (this.asking) return;
    this.asking = true;
    void this.gate.enter().then(() => {
      this.asking = false;
      this.held = true;
      // Entered while contended (others already wait): this turn starts now.
      if (this.gate.contended) {
        this.timed = true;
        this.contendedAt = performance.now();
      }
      this.entered();
    });
  }

  /** Another process waits, and this one has had its turn since it heard so. */
  private turnOver(): boolean {
    return this.gate.contended && performance.now() - this.contendedAt >= gateTurnMs(this.gate.processes);
  }

  private handOver(again: boolean): void {
    this.held = false;
    this.timed = false;
    this.gate.leave();
    if (again) this.ask();
  }
}
