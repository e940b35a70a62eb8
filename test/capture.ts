/**
 * Runs `fn` with `process.stdout.write` and `process.stderr.write` captured (for CLI commands,
 * which print there). Use in `test.serial` only: the streams are the process's.
 */
export async function capture(
  fn: () => Promise<number>,
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const write = [process.stdout.write, process.stderr.write] as const;
  process.stdout.write = (chunk: string) => out.push(String(chunk)) > 0;
  process.stderr.write = (chunk: string) => err.push(String(chunk)) > 0;
  try {
    return { code: await fn(), out: out.join(''), err: err.join('') };
  } finally {
    [process.stdout.write, process.stderr.write] = write;
  }
}
