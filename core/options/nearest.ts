/** Edit distance, case-insensitive, so `maxwaiting` and `acquireTimeout` find their option. */
export function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let prev = Array.from({ length: y.length + 1 }, (_, i) => i);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      cur[j] = Math.min(
        (prev[j] as number) + 1,
        (cur[j - 1] as number) + 1,
        (prev[j - 1] as number) + (x[i - 1] === y[j - 1] ? 0 : 1),
      );
    }
    prev = cur;
  }
  return prev[y.length] as number;
}

/** The known name nearest to `key`, for "did you mean" messages. */
export function nearest(key: string, known: readonly string[]): string {
  let best = known[0] ?? '';
  let bestScore = Infinity;
  for (const name of known) {
    const score = name.toLowerCase().startsWith(key.toLowerCase()) ? 0.5 : distance(key, name);
    if (score < bestScore) [best, bestScore] = [name, score];
  }
  return best;
}
