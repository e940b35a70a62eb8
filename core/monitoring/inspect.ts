import type { InspectionEvent } from 'xstate';

/** A one-line description of an actor: the connection's id (`c3`), or `pool` for the supervisor. */
function name(ref: { id?: string; sessionId: string } | undefined): string {
  if (!ref) return 'runtime';
  const id = (ref as { id?: string }).id;
  return id && !id.startsWith('x:') ? id : 'pool';
}

function state(snapshot: unknown): string {
  const s = snapshot as { value?: unknown; status?: string };
  return s.value === undefined ? String(s.status) : JSON.stringify(s.value);
}

/**
 * An `inspect` option for `createPool` that writes one line per machine event, for diagnosing a
 * stuck pool: every event the supervisor and the connections receive (with its sender), every
 * state they enter, and every connection spawned. Leases granted and released on the hot path are
 * not machine events and do not appear.
 *
 * @example
 * ```ts
 * const pool = createPool({ filename: 'bot.db', inspect: debugLog() });
 * // pool <- pool.demand (from runtime)
 * // spawned c1
 * // c1: "open"
 * ```
 */
export function debugLog(write: (line: string) => void = (line) => console.error(`[roas-pool] ${line}`)) {
  const last = new Map<string, string>();
  return (event: InspectionEvent): void => {
    if (event.type === '@xstate.event') {
      if (event.event.type.startsWith('xstate.')) return;
      write(`${name(event.actorRef)} <- ${event.event.type} (from ${name(event.sourceRef)})`);
    } else if (event.type === '@xstate.snapshot') {
      const now = state(event.snapshot);
      if (last.get(event.actorRef.sessionId) === now) return;
      // Forget finished actors, so a long debugging session does not grow the map.
      if ((event.snapshot as { status?: string }).status === 'active')
        last.set(event.actorRef.sessionId, now);
      else last.delete(event.actorRef.sessionId);
      write(`${name(event.actorRef)}: ${now}`);
    } else if (event.type === '@xstate.actor') {
      write(`spawned ${name(event.actorRef)}`);
    }
  };
}
