/**
 * docs/architecture.md embeds the machines' Mermaid diagrams (the README links to it);
 * `npm run diagrams:check` uses this to fail when that copy differs from what the machines give.
 */

/**
 * The names of the diagrams whose generated Mermaid block does not appear verbatim in `readme`.
 *
 * @example
 * ```ts
 * const stale = readmeDrift(readFileSync('README.md', 'utf8'), [['pool', toMermaid(poolMachine)]]);
 * ```
 */
export function readmeDrift(readme: string, diagrams: readonly (readonly [string, string])[]): string[] {
  return diagrams
    .filter(([, mermaid]) => !readme.includes('```mermaid\n' + mermaid + '\n```'))
    .map(([name]) => name);
}
