import { VirtualTimeScheduler } from 'rxjs';
import { tick } from './helpers.js';

/** A virtual clock for a pool's `scheduler` option, advanced by hand. */
export function virtualClock(): { scheduler: VirtualTimeScheduler; advance(ms: number): Promise<void> } {
  const scheduler = new VirtualTimeScheduler();
  return {
    scheduler,
    /**
     * Moves the clock `ms` forward, stopping at every timer due on the way and letting promises
     * and I/O settle after it, so real SQLite work a timer started finishes before the next fires.
     */
    async advance(ms: number) {
      const end = scheduler.now() + ms;
      for (;;) {
        const due = scheduler.actions[0]?.delay;
        const next = due === undefined || due > end ? end : due;
        if (next > scheduler.now() || due === next) {
          scheduler.schedule(() => undefined, next - scheduler.now());
          scheduler.maxFrames = next;
          scheduler.flush();
        }
        for (let i = 0; i < 5; i++) await tick();
        if (scheduler.now() >= end && !(scheduler.actions[0] && scheduler.actions[0].delay <= end)) return;
      }
    },
  };
}
