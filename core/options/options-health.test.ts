import test from 'ava';
import { createPool, defaultWiring, PoolError } from '../../index.js';
import { resolveOptions } from './options.js';

const HEALTH = [
  'idleTimeoutMs',
  'leakDetectionThresholdMs',
  'closeTimeoutMs',
  'validateAfterIdleMs',
  'maxLifetimeMs',
  'walCheckpointThresholdFrames',
  'resizeCooldownMs',
  'reconnectBackoffMs',
  'reconnectBackoffMaxMs',
] as const;

test('fills in the documented defaults of the health options', (t) => {
  t.like(resolveOptions({ filename: 'x.db' }, defaultWiring.checks), {
    idleTimeoutMs: 60_000,
    leakDetectionThresholdMs: 60_000,
    leakStacks: false,
    closeTimeoutMs: 5000,
    validateAfterIdleMs: 30_000,
    maxLifetimeMs: 0,
    walCheckpointThresholdFrames: 10_000,
    resizeCooldownMs: 1000,
    reconnectBackoffMs: 100,
    reconnectBackoffMaxMs: 30_000,
  });
});

test('rejects a negative or fractional health option synchronously', (t) => {
  for (const key of HEALTH) {
    for (const value of [-1, 1.5]) {
      const err = t.throws<PoolError>(() => createPool({ filename: 'x.db', [key]: value }));
      t.is(err.code, 'INVALID_OPTION', key);
      t.regex(err.message, new RegExp(`"${key}" must be an integer >= 0`));
    }
  }
});

test('names the health option a misspelling meant', (t) => {
  const err = t.throws<PoolError>(() => createPool({ filename: 'x.db', idleTimeout: 5 } as never));
  t.regex(err.message, /did you mean "idleTimeoutMs"\?/);
  const leak = t.throws<PoolError>(() =>
    createPool({ filename: 'x.db', leakDetectionThreshold: 5 } as never),
  );
  t.regex(leak.message, /did you mean "leakDetectionThresholdMs"\?/);
});
