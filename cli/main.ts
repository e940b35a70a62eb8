#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { COMMANDS } from './commands.js';

/** The top-level help text. */
export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'Usage: roas-pool <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `roas-pool <command> --help` for its options.',
    '',
  ].join('\n');
}

/**
 * The `roas-pool` command line: dispatches to a subcommand and resolves to the exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await main(['bench', '--workers', '20']);
 * ```
 */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    process.stderr.write(`roas-pool: unknown command "${name}".\n\n${usage()}`);
    return 2;
  }
  try {
    return await (
      await entry.load()
    )(rest);
  } catch (err) {
    // A bad flag is the user's typo, not a crash: one line, no stack.
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(
        `roas-pool ${name}: ${(err as Error).message}. Try \`roas-pool ${name} --help\`.\n`,
      );
      return 2;
    }
    throw err;
  }
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      process.stderr.write(`roas-pool: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
