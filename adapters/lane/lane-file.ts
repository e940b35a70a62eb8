import { linkSync, statSync, unlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';

/**
 * The lane's socket file (macOS; Linux's abstract names have no file). A file outlives the
 * process that bound it when that process is killed, and closing a server removes the path it was
 * bound to, whoever's file is there by then: a host whose file another host had replaced would
 * remove the live one as it closed, and the processes still to come would no longer find it.
 * So a host binds a name of its own, links the lane's name to it only where no file is (`link(2)`
 * fails when the name exists: two processes cannot both take it), and removes its own name: the
 * lane's name is then never the path its server removes. A stale file is removed only while it is
 * the very file that refused a connection ({@link clearStale}).
 */

/**
 * The file's identity, or `undefined` when there is none: its device and inode, and its change
 * time, as an inode number freed with a stale file may come back at once with a new host's.
 */
export function fileIdentity(path: string): string | undefined {
  try {
    const s = statSync(path, { bigint: true });
    return `${s.dev}:${s.ino}:${s.ctimeNs}`;
  } catch {
    return undefined;
  }
}

export function tryUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Gone already.
  }
}

/** A server listening at `path` (an abstract name or a file); rejects with the bind's error. */
export function bind(path: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      // A late error on a bound server (none is expected) must not escape as an exception.
      server.on('error', () => undefined);
      resolve(server);
    });
  });
}

let bound = 0;

/**
 * A server listening at `address` and the identity of its file; rejects with `EEXIST` when a file
 * is there already (another host's, or a stale one: the caller connects, and clears it if refused).
 */
export async function bindFile(address: string): Promise<{ server: Server; identity: string }> {
  // This process's own name: a pid is unique among live processes, the count among this process's
  // binds. A file left under it was left by a killed process that had the same pid.
  const own = `${address}.${process.pid.toString(36)}-${(bound++).toString(36)}`;
  tryUnlink(own);
  const server = await bind(own);
  try {
    linkSync(own, address);
  } catch (err) {
    server.close();
    throw err;
  } finally {
    tryUnlink(own);
  }
  const identity = fileIdentity(address);
  if (identity === undefined) {
    // Removed between the link and this look: another process found it stale, which it was not.
    server.close();
    throw Object.assign(new Error(`the lane's file ${address} was removed as it was bound`), {
      code: 'EEXIST',
    });
  }
  return { server, identity };
}

/** What the lane does to its socket file: the real file system's, or a model's (properties/lane-file.ts). */
export interface LaneFiles {
  /** See {@link fileIdentity}. */
  identity(path: string): string | undefined;
  /** Removes the name; nothing if it is gone. */
  unlink(path: string): void;
}

const realFiles: LaneFiles = { identity: fileIdentity, unlink: tryUnlink };

/**
 * After a connection to `address` was refused: removes the file if it is still the one that
 * refused it (`refused`, its identity read just before connecting), a file whose host died. A file
 * bound since by a new host is left alone.
 */
export function clearStale(address: string, refused: string | undefined, files = realFiles): void {
  if (refused !== undefined && files.identity(address) === refused) files.unlink(address);
}

/** Whether the host whose file had `identity` still has it: not removed, not replaced. */
export function ownsFile(path: string, identity: string, files = realFiles): boolean {
  return files.identity(path) === identity;
}

/** A host that closes removes its file, and only its own: one bound since is another host's. */
export function releaseFile(path: string, identity: string, files = realFiles): void {
  if (ownsFile(path, identity, files)) files.unlink(path);
}
