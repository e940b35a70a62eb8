import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Thrown for a bad command line; `main` prints it with the usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * `util.parseArgs`, with an unknown flag or a missing value turned into a UsageError whose
 * message names it. Pass `strict: true`.
 */
export function parse<T extends ParseArgsConfig & { strict: true }>(
  config: T,
): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/** `"10,20,50"` as numbers; every item a positive integer. */
export function intList(flag: string, value: string): number[] {
  const items = value.split(',').map((s) => s.trim());
  const numbers = items.map(Number);
  if (items.some((s) => s === '') || numbers.some((n) => !Number.isInteger(n) || n < 1))
    throw new UsageError(`--${flag} takes positive integers separated by commas, got "${value}"`);
  return numbers;
}

/** A duration: milliseconds, or with a unit (`500ms`, `3s`, `2m`). */
export function duration(flag: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (!m) throw new UsageError(`--${flag} takes a duration such as 3000, 3s or 2m, got "${value}"`);
  const n = Number(m[1]);
  return Math.round(m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n);
}

/** Runs a command body; a UsageError becomes its message, the usage text and exit code 2. */
export async function withUsage(usage: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n\n${usage}`);
    return 2;
  }
}
