import { VirtualTimeScheduler } from 'rxjs';

/**
 * The pool's clock in properties: an RxJS VirtualTimeScheduler that only moves when told, so
 * deadlines fire at chosen points and the timers still armed can be counted.
 */
export class VirtualClock {
  readonly scheduler = new VirtualTimeScheduler();

  /** Virtual time now, in ms. */
  now(): number {
    return this.scheduler.now();
  }

  /** Runs every timer due within `ms` from now (0: only those due now), then sets the time. */
  advance(ms: number): void {
    const target = this.scheduler.frame + ms;
    this.scheduler.maxFrames = target;
    try {
      this.scheduler.flush();
    } finally {
      this.scheduler.maxFrames = Infinity;
    }
    this.scheduler.frame = target;
  }

  /** Timers armed and not yet run or cancelled. */
  pending(): number {
    return this.scheduler.actions.length;
  }

  /** Timers armed for a time after now. */
  future(): number {
    const now = this.now();
    return this.scheduler.actions.filter((a) => (a as unknown as { delay: number }).delay > now).length;
  }
}
