import type { BotDb } from '../adapters/faces/bot-db.js';

/** A lease mode, as the suite's contenders understand it. */
export type Mode = 'read' | 'write';

/** What a contender reports about its connections at one instant. */
export interface PoolSample {
  /** Open connections. */
  size: number;
  /** Connections in use. */
  leased: number;
  /** Requests waiting for a connection. */
  waiting: number;
}

/** One point of the pool-size timeline. */
export interface TimelinePoint extends PoolSample {
  /** Milliseconds since the run started. */
  tMs: number;
  /** `process.memoryUsage().heapUsed` at that instant, in bytes. */
  heapUsed: number;
}

/** What a contender is told when a run opens it. */
export interface OpenContext {
  filename: string;
  workers: number;
  /**
   * Records one acquire wait, in nanoseconds, for a connection to read with or to write with.
   * Contenders call it for every connection they lend.
   */
  recordWait(ns: number, mode: Mode): void;
}

/** An opened contender: the data-access facade each worker uses, and its pool's state. */
export interface Session {
  /** The facade worker `index` uses (naive contenders give each worker its own connection). */
  db(index: number): BotDb;
  sample(): PoolSample;
  close(): Promise<void>;
}

/** A way of reaching the database that the suite compares: naive, tarn, generic-pool, roas-pool. */
export interface Contender {
  readonly name: string;
  /** One line for reports. */
  readonly description: string;
  open(context: OpenContext): Promise<Session>;
}

/** What one worker's operation may use. */
export interface StepContext {
  db: BotDb;
  worker: number;
  /** A unique id for a write this operation makes (`w3-17`). */
  nextOpId(): string;
  /** Marks a write as acknowledged: the database said it committed. */
  ack(opId: string): void;
  /** A deterministic pseudo-random number in [0, 1). */
  random(): number;
}

/** The outcome of a scenario's end-of-run integrity check. */
export interface IntegrityReport {
  ok: boolean;
  /** Writes the contenders acknowledged. */
  acknowledged: number;
  /** Acknowledged writes that are not in the file. */
  missing: number;
  /** Human-readable findings, at most a few. */
  problems: string[];
}

/** A workload: its schema, one operation, and the check that every acknowledged write landed. */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  /** Default run length, when the caller gives none. */
  readonly defaultDurationMs: number;
  /** Child processes sharing the file (the `processes` scenario); 1 or absent means in-process. */
  readonly processes?: number;
  /** Creates the schema and seed rows in a fresh file. */
  prepare(filename: string): void;
  /** One operation of one worker. */
  step(context: StepContext): Promise<void>;
  /** Checks the file after the run against the acknowledged write ids. */
  verify(filename: string, acknowledged: ReadonlySet<string>): IntegrityReport;
}

/** p50 / p95 / p99 / max of a latency, in milliseconds, from a `perf_hooks` histogram. */
export interface LatencySummary {
  count: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

/** Event-loop delay over a run. */
export interface EventLoopReport {
  /** `monitorEventLoopDelay` p99, ms. */
  p99Ms: number;
  /** The larger of `monitorEventLoopDelay`'s max and the heartbeat's worst lateness, ms. */
  maxMs: number;
  /** How late the heartbeat timer fired at worst, ms (catches stalls the monitor missed). */
  heartbeatMaxMs: number;
}

/** Heap and RSS, in bytes. */
export interface MemoryPoint {
  heapUsed: number;
  rss: number;
}

/** Everything one run measured. */
export interface TestResult {
  scenario: string;
  contender: string;
  workers: number;
  processes: number;
  durationMs: number;
  /** Wall time the run actually took, in-flight operations included. */
  elapsedMs: number;
  /** Operations attempted. */
  ops: number;
  /** Operations that succeeded. */
  okOps: number;
  /** Successful operations per second of `elapsedMs`. */
  opsPerSec: number;
  errors: number;
  /** `errors / ops` (0 when no operation ran). */
  errorRate: number;
  errorsByCode: Record<string, number>;
  /** Every acquire wait; then split into waits for reading and waits for writing. */
  acquireWait: LatencySummary;
  acquireWaitRead: LatencySummary;
  acquireWaitWrite: LatencySummary;
  opLatency: LatencySummary;
  eventLoop: EventLoopReport;
  memory: { start: MemoryPoint; end: MemoryPoint; heapGrowthBytes: number };
  timeline: TimelinePoint[];
  /** Connections still leased after every worker stopped; a leak when not 0. */
  retainedLeases: number;
  integrity: IntegrityReport;
  startedAt: string;
  /**
   * Set when the run did not finish in time and was stopped (its process killed): after
   * `afterMs`, having sent nothing for `silentMs` (its event loop was frozen). The figures are
   * those of the last snapshot; operations in flight at the end are not counted.
   */
  stopped?: { afterMs: number; silentMs: number };
  /**
   * Set when the run could not be measured at all: the contender or the scenario threw (its
   * package missing, a bug). Every figure is then 0; `message` says what went wrong.
   */
  failed?: { message: string };
}

/** Options of `runConcurrentTest`. */
export interface ConcurrentTestOptions {
  /** Concurrent workers (simulated bot handlers), each running one operation at a time. */
  workers: number;
  /** How long workers keep starting operations, ms. Operations in flight at the end finish. */
  durationMs: number;
  /** A scenario or its name (`bot-mix`, `read-heavy`, `write-heavy`, `long-transactions`, `processes`, `soak`). */
  scenario: Scenario | string;
  /** A contender or its name (`naive`, `naive-bt0`, `tarn`, `generic-pool`, `roas-pool`). */
  contender: Contender | string;
  /** The SQLite file; default a fresh file in a temp dir, removed afterwards. */
  filename?: string;
  /** Create the scenario's schema first. Default true. */
  prepare?: boolean;
  /** Run the integrity check at the end. Default true. */
  verify?: boolean;
  /**
   * Run in a child process, killed `graceMs` after `durationMs` if it has not finished (a
   * contender whose synchronous busy wait froze its event loop); the result then comes from its
   * last snapshot, with `stopped` set. Needs registered names for scenario and contender.
   * Shards of the `processes` scenario are always bounded this way. Default: in this process.
   */
  isolate?: { graceMs: number };
  /** Pool-size timeline sampling period, ms. Default `durationMs / 100`, at least 10. */
  sampleEveryMs?: number;
  /** Seed of the workers' operation choices. Default 1. */
  seed?: number;
  /** Called about every 250 ms with the fraction of `durationMs` elapsed. */
  onProgress?: (fraction: number) => void;
  /**
   * Aborts the run: an isolated run (and every shard) is killed at once and the promise rejects
   * with an `AbortError`; an in-process run is only checked before it starts.
   */
  signal?: AbortSignal;
}
