import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

/**
 * Names of the pool's internals that must not reach a consumer's types: the bag and its entries,
 * the parts, and the lending steps the broken variants in properties/ used to override.
 */
export const INTERNAL_NAMES = [
  'Entry',
  'EntryState',
  'Lane',
  'Waiting',
  'Bag',
  'BagHost',
  'Lending',
  'Lifecycle',
  'Housekeeping',
  'Shutdown',
  'PoolRuntime',
  'PoolParts',
  'runtimeOf',
  'composePool',
  'wiringWithParts',
  'ComposedPool',
  'PoolFace',
  'LeaseHost',
  'LeasedConnection',
  'grant',
  'handOff',
  'checkin',
  'reclaim',
  'SizingHost',
  'LendingHost',
  'LifecycleHost',
  'StatsHost',
  'PoolMetrics',
  'StatementErrorContext',
  'Nesting',
  'NestingPart',
  'HeldLease',
] as const;

/** A declaration file without its comments: names in prose are not types. */
function code(dts: string): string {
  return dts.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
}

/** The internal names that `dts` declares or mentions outside its comments. */
export function internalNamesIn(dts: string): string[] {
  const text = code(dts);
  return INTERNAL_NAMES.filter((name) => new RegExp(`\\b${name}\\b`).test(text));
}

/**
 * Every declaration file a consumer can reach from `entries` (paths of .d.ts files): the entries,
 * then whatever they import or re-export by relative path, transitively.
 */
export function reachableDeclarations(entries: readonly string[]): string[] {
  const seen = new Set<string>();
  const queue = entries.map((e) => normalize(e));
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file) || !existsSync(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from\s+|import\()\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const spec = (m[1] as string).replace(/\.js$/, '.d.ts');
      queue.push(normalize(join(dirname(file), spec)));
    }
  }
  return [...seen].sort();
}
