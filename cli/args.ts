import { accessSync, constants, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError, EXIT, UsageError } from './errors.js';

export { UsageError } from './errors.js';

/**
 * `util.parseArgs` in strict mode, with an unknown flag or a missing value turned into a
 * UsageError whose message names it and points at `roas-pool <command> --help`.
 */
export function parse<T extends ParseArgsConfig & { strict: true }>(
  config: T,
  command = '<command>',
): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    const message = (err instanceof Error ? err.message : String(err)).replace(/\.$/, '');
    throw new UsageError(message.split('. ')[0] ?? message, command);
  }
}

/** `"10,20,50"` as numbers; every item an integer from `min` to `max`. */
export function intList(flag: string, value: string, command: string, min = 1, max = 100_000): number[] {
  const items = value.split(',').map((s) => s.trim());
  const numbers = items.map(Number);
  if (items.some((s) => s === '') || numbers.some((n) => !Number.isInteger(n) || n < min || n > max))
    throw new UsageError(
      `--${flag} takes integers from ${min} to ${max}${items.length > 1 ? ' separated by commas' : ''}, got "${value}"`,
      command,
    );
  return numbers;
}

/** A duration: milliseconds, or with a unit (`500ms`, `3s`, `2m`); at least `minMs`. */
export function duration(flag: string, value: string, command: string, minMs = 1): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (!m) throw new UsageError(`--${flag} takes a duration such as 3000, 3s or 2m, got "${value}"`, command);
  const n = Number(m[1]);
  const ms = Math.round(m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n);
  if (ms < minMs)
    throw new UsageError(`--${flag} must be at least ${minMs} ms, got "${value}" (${ms} ms)`, command);
  return ms;
}

/** A comma-separated list of names, each one of `known`. */
export function names(flag: string, value: string, known: readonly string[], command: string): string[] {
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = list.find((n) => !known.includes(n));
  if (bad !== undefined || list.length === 0)
    throw new UsageError(`--${flag}: unknown "${bad ?? value}"; valid: ${known.join(', ')}`, command);
  return list;
}

/**
 * Checks, before any work, that `dir` is (or can be made) a folder this process can write in:
 * creates it, writes and removes a probe file. Returns its absolute path.
 */
export function writableDir(flag: string, dir: string): string {
  const path = resolve(dir);
  const fix = `pass --${flag} a folder you can write to`;
  if (existsSync(path) && !statSync(path).isDirectory())
    throw new CliError('OUT_NOT_WRITABLE', `--${flag} ${dir} is a file, not a folder`, fix);
  try {
    mkdirSync(path, { recursive: true });
    accessSync(path, constants.W_OK);
    const probe = join(path, `.roas-pool-write-check-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (err) {
    const reason = (err as { code?: string }).code ?? (err as Error).message;
    throw new CliError('OUT_NOT_WRITABLE', `cannot write in --${flag} ${dir} (${reason})`, fix, EXIT.USAGE, {
      cause: err,
    });
  }
  return path;
}

/** Checks that `file` exists and is a file, before opening it. */
export function existingFile(flag: string, file: string, what: string): string {
  const named = flag ? `${flag} ${file}` : file;
  if (!existsSync(file))
    throw new CliError('FILE_NOT_FOUND', `${named} does not exist`, `pass the path of ${what}`);
  if (!statSync(file).isFile())
    throw new CliError('NOT_A_FILE', `${named} is a folder, not a file`, `pass the path of ${what}`);
  return file;
}
