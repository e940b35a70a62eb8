import { assess, type Report } from './assess.js';
import { migrate } from './migrate.js';
import type { NocaseMode } from './nocase.js';
import { parsePostgresUrl } from './pg-url.js';

/** assess's own findings about NOCASE, which a rehearsal answers exactly. */
const NOCASE_FINDING = /^COLLATE NOCASE |^index \S+: NOCASE keys/;

/**
 * `assess` with a target: the static report, then the copy itself rehearsed on the target (a
 * fresh schema, rolled back: nothing is left), so that what `migrate` would fail on (SQL the
 * static checks cannot judge, such as an index on a SQLite-only function) is a blocker here too.
 * A target that cannot be reached rejects as `migrate` does.
 *
 * @example
 * ```ts
 * const report = await assessAgainst('bot.db', 'postgres://bot@db/bot');
 * ```
 */
export async function assessAgainst(file: string, to: string, nocase?: NocaseMode): Promise<Report> {
  const report = assess(file);
  const { display } = parsePostgresUrl('--to', to);
  try {
    const result = await migrate({ from: file, to, rehearse: true, ...(nocase ? { nocase } : {}) });
    // What the rehearsal did with NOCASE replaces what assess alone could only foresee both ways.
    report.findings = report.findings.filter((f) => !NOCASE_FINDING.test(f.message));
    for (const n of result.nocase)
      report.findings.push({
        severity: n.message.includes('citext') ? 'info' : 'review',
        table: n.table,
        message: n.message,
      });
    for (const c of result.checksNotCarried)
      report.findings.unshift({
        severity: 'review',
        message: `CHECK not carried over (add it by hand): ${c}`,
      });
    report.findings.unshift({
      severity: 'info',
      message: `rehearsed on ${display}: ${result.tables.length} table(s), ${result.indexes} index(es) and ${result.foreignKeys} foreign key(s) copied, then rolled back`,
    });
    return report;
  } catch (err) {
    if ((err as { code?: string }).code !== 'MIGRATION_FAILED') throw err;
    report.findings.unshift({
      severity: 'blocker',
      message: `rehearsed on ${display}, migrate would fail: ${((err as { what?: string }).what ?? '').replace(/; rolled back, the target is as it was$/, '')}`,
    });
    const blockers = report.findings.filter((f) => f.severity === 'blocker').length;
    report.verdict = `Verdict: not ready: ${blockers} blocker(s) to fix in SQLite first (see Findings), then \`roas-pool migrate\`.`;
    return report;
  }
}
