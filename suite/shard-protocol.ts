import type { TestResult } from './types.js';

/** What the parent tells one shard process. */
export interface ShardOrder {
  filename: string;
  workers: number;
  durationMs: number;
  scenario: string;
  contender: string;
  seed: number;
  prefix: string;
}

/** What one shard process answers. */
export type ShardReply =
  | { ok: true; result: TestResult; wait: number[]; op: number[]; acks: string[] }
  | { ok: false; error: string };
