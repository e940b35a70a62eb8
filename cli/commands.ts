/** A subcommand: takes the arguments after its name, resolves to the exit code. */
export type Command = (argv: string[]) => Promise<number>;

/** How `main` finds a subcommand: a one-line summary and a lazy loader. */
export interface CommandEntry {
  summary: string;
  load(): Promise<Command>;
}

/**
 * Every subcommand. To add one, write `cli/<name>.ts` exporting `run<Name>(argv): Promise<number>`
 * (with its own `--help`, listing options, defaults and exit codes) and add an entry here.
 * Loaders are lazy, so `bench` never loads `pg` and `migrate` never loads the suite.
 */
export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  bench: {
    summary: 'run the concurrency comparison; print the verdict and write JSON, Markdown and HTML reports',
    load: async () => (await import('./bench.js')).runBench,
  },
  report: {
    summary: 'render a report.json again as Markdown and HTML',
    load: async () => (await import('./report.js')).runReport,
  },
  stats: {
    summary: 'print the connection_pool_stats history of a SQLite file or a PostgreSQL database',
    load: async () => (await import('./stats.js')).runStats,
  },
  assess: {
    summary: 'assess what moving a SQLite database to PostgreSQL involves, with a verdict',
    load: async () => (await import('./assess-command.js')).runAssess,
  },
  migrate: {
    summary: 'copy a SQLite database into an empty PostgreSQL database, in one transaction',
    load: async () => (await import('./migrate.js')).runMigrate,
  },
};
