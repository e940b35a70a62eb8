import type { ThreadMode } from '../../../core/driver.js';
import { PoolError } from '../../../core/errors/errors.js';
import { MAX_DURATION_MS } from '../../../core/options/limits.js';
import { showValue } from '../../../core/errors/show-value.js';

function invalid(detail: string): PoolError {
  return new PoolError('INVALID_OPTION', detail);
}

/** The `threads` option, checked against `driver` and `readerThreads`. @internal */
export function threadMode(threads: unknown, withDriver: boolean, readerThreads: unknown): ThreadMode {
  if (threads !== undefined && typeof threads !== 'boolean' && threads !== 'hybrid' && threads !== 'all') {
    throw invalid(`option "threads" must be true, false, 'hybrid' or 'all', got ${showValue(threads)}`);
  }
  if (threads && withDriver) {
    throw invalid(
      'option "threads" applies to "filename"; with "driver", pass hybridDriver({ filename }) or threadDriver({ filename })',
    );
  }
  const mode: ThreadMode = threads === true ? 'hybrid' : (threads ?? false);
  if (mode === false && readerThreads !== undefined)
    throw invalid('option "readerThreads" applies to worker threads: add threads: true');
  return mode;
}

/** The `offloadThresholdMs` option (ms, fractions allowed): hybrid mode only. @internal */
export function offloadThreshold(value: unknown, mode: ThreadMode): number {
  if (value === undefined) return 1;
  if (mode !== 'hybrid')
    throw invalid(
      'option "offloadThresholdMs" applies to threads: true (hybrid), where cheap reads stay inline',
    );
  if (typeof value !== 'number' || !(value >= 0) || value > MAX_DURATION_MS)
    throw invalid(
      `option "offloadThresholdMs" must be a number >= 0 and <= ${MAX_DURATION_MS}, got ${showValue(value)}`,
    );
  return value;
}
