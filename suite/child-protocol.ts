import type { RunSnapshot } from './measure-run.js';

/** What a parent tells a child process to run (one isolated run, or one shard). */
export interface ChildOrder {
  filename: string;
  workers: number;
  durationMs: number;
  scenario: string;
  contender: string;
  seed: number;
  prefix: string;
  collectSamples: boolean;
}

/**
 * What a child process sends back: snapshots while it runs (the last one holds the final
 * result), then `done`, or `error`.
 */
export type ChildMessage =
  ({ type: 'snapshot' } & RunSnapshot) | { type: 'done' } | { type: 'error'; error: string };
