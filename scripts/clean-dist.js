/* global URL */
// Removes dist/ before a build, so that a file deleted from the source never ships from a stale build.
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
