import { runConcurrentTest } from './run-concurrent-test.js';
import type { ShardOrder, ShardReply } from './shard-protocol.js';

// One shard of the `processes` scenario: run the inner scenario in-process, send back the result,
// the raw latency samples (the parent merges them into one histogram) and the acknowledged ids.
process.once('message', (order: ShardOrder) => {
  const samples = { wait: [] as number[], op: [] as number[] };
  const acks = new Set<string>();
  runConcurrentTest({
    workers: order.workers,
    durationMs: order.durationMs,
    scenario: order.scenario,
    contender: order.contender,
    filename: order.filename,
    prepare: false,
    verify: false,
    seed: order.seed,
    shard: { prefix: order.prefix, samples, acks },
  })
    .then(
      (result): ShardReply => ({ ok: true, result, wait: samples.wait, op: samples.op, acks: [...acks] }),
      (err: unknown): ShardReply => ({
        ok: false,
        error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      }),
    )
    .then((reply) => process.send?.(reply, () => process.disconnect()));
});
