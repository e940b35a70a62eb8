/** A subcommand: takes the arguments after its name, resolves to the exit code. */
export type Command = (argv: string[]) => Promise<number>;

/** How `main` finds a subcommand: a one-line summary and a lazy loader. */
export interface CommandEntry {
  summary: string;
  load(): Promise<Command>;
}

/**
 * Loads `exportName` from a module that may not be part of this build, so that a subcommand can
 * be registered before its file lands. A missing module becomes a command that says so.
 */
async function optional(specifier: string, exportName: string, name: string): Promise<Command> {
  try {
    const mod = (await import(specifier)) as Record<string, unknown>;
    const fn = mod[exportName];
    if (typeof fn === 'function') return fn as Command;
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw err;
  }
  return async () => {
    process.stderr.write(
      `roas-pool ${name}: not available in this build (${specifier} has no ${exportName}).\n`,
    );
    return 1;
  };
}

/**
 * Every subcommand. To add one, write `cli/<name>.ts` exporting `run<Name>(argv): Promise<number>`
 * and add an entry here; `assess` and `migrate` are registered already and load as soon as
 * `cli/assess.ts` (`runAssess`) and `cli/migrate.ts` (`runMigrate`) exist.
 */
export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  bench: {
    summary: 'run the concurrency comparison and write JSON, Markdown and HTML reports',
    load: async () => (await import('./bench.js')).runBench,
  },
  report: {
    summary: 'render a result.json again as Markdown and HTML',
    load: async () => (await import('./report.js')).runReport,
  },
  stats: {
    summary: 'print the connection_pool_stats history of a database file',
    load: async () => (await import('./stats.js')).runStats,
  },
  assess: {
    summary: 'assess whether this workload should move to PostgreSQL',
    load: () => optional('./assess.js', 'runAssess', 'assess'),
  },
  migrate: {
    summary: 'migrate a SQLite database to PostgreSQL',
    load: () => optional('./migrate.js', 'runMigrate', 'migrate'),
  },
};
