import type { IsolationLevel } from 'kysely';
import { PoolError } from '../../core/errors/errors.js';
import type { LeaseMode } from '../../core/lease/lease.js';
import { showValue } from '../../core/errors/show-value.js';

const PG_ISOLATION = ['read uncommitted', 'read committed', 'repeatable read', 'serializable'];

/**
 * PostgreSQL's BEGIN at `isolation` (Kysely's own PostgresDriver says `start transaction`);
 * NOT_SUPPORTED for a level PostgreSQL lacks (Kysely also offers `snapshot`).
 *
 * @example
 * ```ts
 * pgBegin('write', 'serializable'); // 'start transaction isolation level serializable'
 * ```
 */
export function pgBegin(mode: LeaseMode, isolation: IsolationLevel): string {
  if (!PG_ISOLATION.includes(isolation))
    throw new PoolError(
      'NOT_SUPPORTED',
      `PostgreSQL has no isolation level ${showValue(isolation)}: use one of ${PG_ISOLATION.join(', ')}`,
    );
  return `start transaction isolation level ${isolation}${mode === 'read' ? ', read only' : ''}`;
}
