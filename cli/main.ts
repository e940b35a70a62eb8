#!/usr/bin/env node
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { COMMANDS } from './commands.js';
import { EXIT, exitCodesHelp, report, setDebug } from './errors.js';

/** The package's version, read from its package.json (two levels up from dist/cli, one from cli). */
export function version(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 3; i++, dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'roas-pool' && pkg.version) return pkg.version;
  }
  return 'unknown';
}

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
    'Options:',
    '  -h, --help      this text; `roas-pool <command> --help` for a command',
    '  -v, --version   print the version',
    '  --debug         print stack traces with errors (anywhere on the command line)',
    '',
    exitCodesHelp('the command found a problem (each command says which)'),
  ].join('\n');
}

/**
 * The `roas-pool` command line: dispatches to a subcommand and resolves to the exit code. A user
 * error prints one line (its code, what was wrong, how to fix it); only a bug, or `--debug`,
 * prints a stack trace.
 *
 * @example
 * ```ts
 * process.exitCode = await main(['bench', '--workers', '20']);
 * ```
 */
export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  setDebug(debug);
  const [name, ...rest] = argv.filter((a) => a !== '--debug');
  if (name === '--version' || name === '-v' || name === 'version') {
    process.stdout.write(`${version()}\n`);
    return EXIT.OK;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? EXIT.USAGE : EXIT.OK;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    const known = Object.keys(COMMANDS).join(', ');
    process.stderr.write(
      `roas-pool: USAGE: unknown command "${name}". Fix: use one of ${known}, or see \`roas-pool --help\`.\n`,
    );
    return EXIT.USAGE;
  }
  try {
    return await (
      await entry.load()
    )(rest);
  } catch (err) {
    return report(name, err);
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
    (err: unknown) => (process.exitCode = report('', err)),
  );
}
