import type { ThreadHost } from '../adapters/drivers/threads/thread-host.js';
import type { ThreadLink } from '../adapters/drivers/threads/thread-link.js';

/**
 * The live threads of a driver's host, in slot order; none are started. Tests and properties stop
 * them for real or look at what they hold; the package itself never asks, so the host offers no
 * such method and this reads its slots.
 */
export function liveThreads(host: ThreadHost): ThreadLink[] {
  const slots = host['slots'];
  return slots.filter((l): l is ThreadLink => l !== undefined && l.dead === undefined);
}
