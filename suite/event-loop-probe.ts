import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { EventLoopReport } from './types.js';

const NS_PER_MS = 1e6;

/** A running probe: read it any time, stop it once. */
export interface EventLoopProbe {
  peek(): EventLoopReport;
  stop(): EventLoopReport;
}

/**
 * Starts measuring event-loop delay two ways: `monitorEventLoopDelay` (which records nothing
 * before its second tick, so a stall in the first few milliseconds escapes it) and a heartbeat
 * timer that notes how late it fires. Call the returned function to stop and read both.
 *
 * @example
 * ```ts
 * const probe = startEventLoopProbe();
 * await work();
 * const { p99Ms, maxMs } = probe.stop();
 * ```
 */
export function startEventLoopProbe(resolutionMs = 10): EventLoopProbe {
  const monitor = monitorEventLoopDelay({ resolution: resolutionMs });
  monitor.enable();
  let last = performance.now();
  let worst = 0;
  const beat = (): void => {
    const now = performance.now();
    worst = Math.max(worst, now - last - resolutionMs);
    last = now;
  };
  const timer = setInterval(beat, resolutionMs);
  const read = (): EventLoopReport => {
    const heartbeatMaxMs = Math.max(0, worst);
    const monitorMaxMs = monitor.count > 0 ? monitor.max / NS_PER_MS : 0;
    return {
      p99Ms: monitor.count > 0 ? monitor.percentile(99) / NS_PER_MS : 0,
      maxMs: Math.max(monitorMaxMs, heartbeatMaxMs),
      heartbeatMaxMs,
    };
  };
  return {
    peek: read,
    stop() {
      beat();
      clearInterval(timer);
      monitor.disable();
      return read();
    },
  };
}
