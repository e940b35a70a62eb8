import { isPoolError } from '../core/errors/errors.js';

/** The exit codes of every `roas-pool` command; each `--help` lists them. */
export const EXIT = {
  /** Done, and nothing to report against the data. */
  OK: 0,
  /** The command ran and found a problem (the `--help` of each command says which). */
  FINDINGS: 1,
  /** The command line or an input is wrong: a flag, a value, a file, a URL. Nothing was done. */
  USAGE: 2,
  /** The environment is missing something: a package, the native binding, a reachable server. */
  ENVIRONMENT: 3,
  /** A bug in roas-pool: the stack trace is printed; please report it. */
  BUG: 70,
  /** Interrupted by Ctrl-C (SIGINT), after writing what had finished. */
  INTERRUPTED: 130,
} as const;

/**
 * A user-facing failure: a stable code, what was wrong, and how to fix it. `main` prints it as
 * one line (`roas-pool <command>: CODE: what. Fix: how.`) and exits with `exitCode`; no stack
 * trace unless `--debug`.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    readonly code: string,
    readonly what: string,
    readonly fix: string,
    readonly exitCode: number = EXIT.USAGE,
    options: { cause?: unknown } = {},
  ) {
    super(`${code}: ${what}. Fix: ${fix}.`, options);
  }
}

/** A bad command line: code `USAGE`, exit code 2, the fix points at the command's `--help`. */
export class UsageError extends CliError {
  constructor(what: string, command = '<command>') {
    super('USAGE', what, `see \`roas-pool ${command} --help\``, EXIT.USAGE);
  }
}

/** The `Exit codes:` block of a command's help; `findings` says what exit code 1 means for it. */
export function exitCodesHelp(findings: string): string {
  return `Exit codes:
  0    done
  1    ${findings}
  2    the command line or an input is wrong (one line says what and how to fix it); nothing done
  3    something is missing from the environment (a package, better-sqlite3's native binding,
       a reachable server); one line says how to add it
  70   a bug in roas-pool (the stack trace is printed; please report it)
  130  interrupted by Ctrl-C
`;
}

let debug = false;

/** Turns stack traces on for every error (`--debug`). */
export function setDebug(on: boolean): void {
  debug = on;
}

/** Whether `--debug` is on. */
export function debugging(): boolean {
  return debug;
}

function stackOf(err: unknown): string {
  const lines: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e !== undefined && depth < 5; depth++) {
    lines.push(e instanceof Error ? (e.stack ?? e.message) : String(e));
    e = e instanceof Error ? e.cause : undefined;
    if (e !== undefined) lines.push('Caused by:');
  }
  return lines.join('\n');
}

/**
 * Prints an error the way the CLI promises and returns the exit code: a CliError or a PoolError
 * as one line (its code, what, and the fix), anything else as a bug with its stack.
 */
export function report(
  command: string,
  err: unknown,
  write: (s: string) => void = (s) => void process.stderr.write(s),
): number {
  const prefix = `roas-pool${command ? ` ${command}` : ''}: `;
  if (err instanceof CliError || isPoolError(err)) {
    write(`${prefix}${err.message}\n`);
    if (debug) write(`${stackOf(err)}\n`);
    return err instanceof CliError ? err.exitCode : EXIT.ENVIRONMENT;
  }
  write(
    `${prefix}INTERNAL: an unexpected error, which is a bug in roas-pool. Fix: please report it with the stack below.\n${stackOf(err)}\n`,
  );
  return EXIT.BUG;
}

/** Runs a command's body; a CliError or PoolError becomes its one line and exit code. */
export async function guarded(command: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof CliError || isPoolError(err)) return report(command, err);
    throw err;
  }
}
