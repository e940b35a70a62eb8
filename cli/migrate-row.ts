import type pg from 'pg';
import type { TableInfo } from './sqlite-schema.js';

/**
 * After a batch of rows failed to load: sends them again one by one, each in a savepoint rolled
 * back afterwards, and returns an error that names the first row that fails (by its primary key,
 * or its place in the table) and, where the server's message shows it, the column.
 */
export async function badRow(
  client: pg.Client,
  t: TableInfo,
  head: string,
  batch: readonly unknown[][],
  convert: (value: unknown, column: number) => unknown,
  batchError: unknown,
): Promise<Error> {
  const pk = t.columns.map((c, n) => ({ c, n })).filter(({ c }) => c.pk > 0);
  for (const [r, row] of batch.entries()) {
    const values = row.map(convert);
    await client.query('SAVEPOINT roas_row');
    try {
      await client.query(`${head}(${values.map((_, n) => `$${n + 1}`).join(', ')})`, values);
    } catch (err) {
      const message = (err as Error).message;
      const key =
        pk.length > 0
          ? pk.map(({ c, n }) => `${c.name} = ${show(row[n])}`).join(', ')
          : `row ${r + 1} of its batch`;
      const column = t.columns.find((c, n) => {
        const v = row[n];
        if (typeof v !== 'string') return false;
        return (
          message.includes(`"${v}"`) || ((err as { code?: string }).code === '22021' && v.includes('\0'))
        );
      });
      return new Error(
        `row ${key}${column ? `, column ${column.name} (${show(row[t.columns.indexOf(column)])})` : ''}: ${message}`,
        { cause: err },
      );
    } finally {
      await client.query('ROLLBACK TO SAVEPOINT roas_row');
    }
  }
  return batchError instanceof Error ? batchError : new Error(String(batchError));
}

function show(v: unknown): string {
  const text = typeof v === 'string' ? JSON.stringify(v) : String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
