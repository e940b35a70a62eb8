/**
 * Which statements leave state in a PostgreSQL session that the next holder of the connection
 * would inherit, and the statement that undoes it. The driver resets a session on release only
 * when one of them ran (or `lease.raw` was taken), so a clean lease costs no round trip.
 */

/**
 * At the start of a statement: `SET` (not `SET LOCAL` or `SET TRANSACTION`, which end with their
 * transaction), ...
 */
const LEADING =
  /(?:^|;)\s*(?:(?:--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)\s*)*(?:SET\b(?!\s+(?:LOCAL|TRANSACTION)\b)|RESET\b|LISTEN\b|PREPARE\b|LOAD\b)/i;
/** Anywhere: temporary objects, held cursors, session settings and advisory locks by function. */
const ANYWHERE =
  /\bTEMP(?:ORARY)?\s+(?:TABLE|VIEW|SEQUENCE)\b|\bINTO\s+(?:TEMP|TEMPORARY)\b|\bWITH\s+HOLD\b|\bset_config\s*\(|\bpg_advisory_lock(?:_shared)?\s*\(/i;

/**
 * Whether `sql` may change the session beyond its transaction. A heuristic over the text: a
 * function or `DO` block that runs `SET` inside is not seen; take `lease.raw` for such work,
 * which always resets.
 *
 * @example
 * ```ts
 * changesSession("SET statement_timeout = '50ms'"); // true
 * changesSession("SET LOCAL statement_timeout = '50ms'"); // false
 * changesSession('UPDATE xp SET points = 1'); // false
 * ```
 */
export function changesSession(sql: string): boolean {
  return LEADING.test(sql) || ANYWHERE.test(sql);
}

/**
 * What `DISCARD ALL` does, but `DEALLOCATE ALL`: node-postgres remembers the named statements it
 * prepared on a connection and would not prepare them again. `RESET ALL` goes back to the
 * session's defaults, which include the settings the driver sent when it connected
 * (`statement_timeout`, `application_name`, `options`).
 */
export const RESET_SESSION_SQL =
  'CLOSE ALL; SET SESSION AUTHORIZATION DEFAULT; RESET ALL; UNLISTEN *; SELECT pg_advisory_unlock_all(); DISCARD PLANS; DISCARD TEMP; DISCARD SEQUENCES';
