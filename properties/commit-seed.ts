import { execFileSync } from 'node:child_process';

/** A seed and where it came from, for the log line that lets anyone replay it. */
export interface CommitSeed {
  seed: number;
  from: string;
}

/**
 * A seed derived from the commit under test: the same on every run of one commit, new with every
 * commit, so CI explores a little further each time and a failure replays with `--seed`. Taken
 * from `PROPERTIES_COMMIT` (a CI that checks out without `.git`), else `git rev-parse HEAD`;
 * `undefined` outside git.
 *
 * @example
 * ```ts
 * const commit = commitSeed(); // { seed: 1450276419, from: 'commit 5671d4c3' }
 * ```
 */
export function commitSeed(): CommitSeed | undefined {
  const sha = process.env.PROPERTIES_COMMIT ?? gitHead();
  if (sha === undefined || !/^[0-9a-f]{8,}$/i.test(sha)) return undefined;
  // The first 31 bits of the hash: fast-check takes a 32-bit integer seed.
  return { seed: parseInt(sha.slice(0, 8), 16) % 2 ** 31, from: `commit ${sha.slice(0, 8)}` };
}

function gitHead(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}
