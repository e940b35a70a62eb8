import fs from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Linux's magic numbers (`statfs(2)`'s `f_type`, linux/magic.h) of the filesystems whose files
 * other machines can open too: network and cluster filesystems, and 9p (WSL 2's Windows drives,
 * a virtual machine's shared folders). FUSE (sshfs among others) reports one number for every
 * FUSE filesystem, local ones included, and is left out.
 */
const NETWORK: ReadonlyMap<number, string> = new Map([
  [0x6969, 'nfs'],
  [0x517b, 'smb'],
  [0xff534d42, 'cifs'],
  [0xfe534d42, 'smb2'],
  [0x00c36400, 'ceph'],
  [0x5346414f, 'afs'],
  [0x6b414653, 'afs'],
  [0x73757245, 'coda'],
  [0x564c, 'ncp'],
  [0x01021997, '9p'],
  [0x7461636f, 'ocfs2'],
  [0x01161970, 'gfs2'],
  [0x0bd00bd0, 'lustre'],
  [0x47504653, 'gpfs'],
]);

/**
 * The network filesystem `filename` is on (`nfs`, `cifs`, `9p`, ...), or `undefined`: on a local
 * disk, for a database that is not a file, where it cannot be read, and on systems other than
 * Linux (macOS's filesystem numbers are not stable, and Windows keeps no lane). Reads the file's
 * filesystem, or its folder's when the file is not created yet.
 */
export function networkFilesystem(filename: string, platform = process.platform): string | undefined {
  if (platform !== 'linux' || filename === '' || filename === ':memory:' || filename.startsWith('file:'))
    return undefined;
  const path = resolve(filename);
  for (const candidate of [path, dirname(path)]) {
    try {
      // Through the module object, read at the call: the test gives it a network filesystem.
      return NETWORK.get(fs.statfsSync(candidate).type >>> 0);
    } catch {
      // Not created yet: its folder's filesystem is the one it will be on.
    }
  }
  return undefined;
}

const told = new Set<string>();

/**
 * Marks `filename` as told in this thread: a worker thread's own driver (threads: true and 'all')
 * opens the file its main thread's driver has told of already.
 */
export function toldNetworkFilesystem(filename: string): void {
  told.add(resolve(filename));
}

/**
 * Tells once a process, as a Node warning (`ROAS_POOL_NETWORK_FILESYSTEM`), that the database is
 * on a network filesystem: SQLite's WAL mode and the cross-process lane coordinate the processes
 * of this machine only (docs/shards.md). The pool opens it as on a local disk.
 */
export function warnNetworkFilesystem(filename: string): void {
  const kind = networkFilesystem(filename);
  if (kind === undefined) return;
  const path = resolve(filename);
  if (told.has(path)) return;
  told.add(path);
  process.emitWarning(
    `roas-pool: ${path} is on a network filesystem (${kind}): SQLite's WAL mode and the cross-process write lane coordinate the processes of this machine only.`,
    {
      type: 'RoasPoolWarning',
      code: 'ROAS_POOL_NETWORK_FILESYSTEM',
      detail:
        'Processes on two machines that write it can corrupt it (WAL needs memory shared by every process), and the lane cannot see the other machine.\n' +
        'Fix: keep the database on a local disk; or open it from one machine only, and silence this warning with --disable-warning=ROAS_POOL_NETWORK_FILESYSTEM.',
    },
  );
}
