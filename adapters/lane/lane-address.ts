import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

/** The systems the lane runs on: it needs Unix-domain sockets (Linux's abstract ones, or files). */
export function laneRunsOn(platform: NodeJS.Platform): boolean {
  return platform === 'linux' || platform === 'darwin';
}

/**
 * Where the processes that share `filename` meet: a socket named after a hash of the file's real
 * path, so every process that opens the file through any relative path or symlinked folder finds
 * the same one. Linux: the abstract namespace (no file to leave behind; the name is freed by the
 * kernel when its owner dies, so there is no stale socket to take over). macOS: a socket file in
 * the temp folder (short enough for its 104-byte limit). `undefined` where no lane is kept: memory
 * and URI databases, Windows and other systems, a folder that cannot be resolved.
 */
export function laneAddress(filename: string, platform = process.platform): string | undefined {
  if (filename === '' || filename === ':memory:' || filename.startsWith('file:')) return undefined;
  if (!laneRunsOn(platform)) return undefined;
  const absolute = resolve(filename);
  let real: string;
  try {
    real = realpathSync(absolute);
  } catch {
    try {
      // Not created yet: the folder's real path and the name give the same answer once it is.
      real = join(realpathSync(dirname(absolute)), basename(absolute));
    } catch {
      return undefined;
    }
  }
  const hash = createHash('sha256').update(real).digest('hex').slice(0, 24);
  return platform === 'linux' ? `\0roas-pool-lane-${hash}` : join(tmpdir(), `roas-lane-${hash}.sock`);
}
