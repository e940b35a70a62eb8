import fc from 'fast-check';
import { LaneQueue, type LaneEffect } from '../adapters/lane/lane-queue.js';
import { InvariantError } from './invariants.js';

/**
 * The cross-process lane's protocol (adapters/lane/lane-queue.ts), as the processes see it: each
 * process believes what the coordinator told it. After every step: at most one process believes
 * it holds the lane (one writer); no process waits while the lane is free or held by a dead
 * process (a dead holder's grant is freed); processes are granted in the order they asked (FIFO).
 * A hung holder (`stall`: the coordinator's bound passed while others waited) is revoked, told
 * so before the next process is granted. A process that gave up waiting while the coordinator's
 * host hung (`deaf`) gives back the grant that comes once the host runs again. A process that wrote
 * before it found the coordinator (`fallback`) and claims the lane while another holds it is
 * refused and waits in line: it does not go on believing it holds the lane. At the end, the
 * holders release in turn until every process that asked was served (liveness).
 */

type Step =
  | { type: 'want'; p: number }
  | { type: 'release'; p: number }
  | { type: 'die'; p: number }
  | { type: 'claim'; p: number }
  /**
   * `p` wrote before it found the coordinator (its first write, while it was still connecting; or it
   * held the lane when its host died) and, once connected, says it holds the lane (`H`): taken as
   * said when the lane is free, refused (`Q`) when another process holds it.
   */
  | { type: 'fallback'; p: number }
  /** `p` hangs while it holds the lane and others wait, past the coordinator's bound: revoked. */
  | { type: 'stall'; p: number }
  /**
   * `p` waits while the coordinator's host hangs: it stops waiting and writes on SQLite's lock, and
   * its request stays queued; the host answers it when it runs again (the steps after).
   */
  | { type: 'deaf'; p: number };

const PROCESSES = 4;

const step: fc.Arbitrary<Step> = fc.record({
  type: fc.constantFrom('want', 'release', 'die', 'claim', 'stall', 'deaf', 'fallback'),
  p: fc.integer({ min: 0, max: PROCESSES - 1 }),
});

/** The coordinator under test: the real queue, or a broken variant. */
export type QueueClass = new () => LaneQueue<string>;

/**
 * What a process that gave up waiting (`deaf`) does with the grant that comes late: `return` it
 * (LaneGate), or, broken, `ignore` it.
 */
export type LateGrant = 'return' | 'ignore';

/**
 * What a process whose claim is refused does: `step-aside` (LaneGate: it writes on SQLite's lock
 * until it hands over, and waits in line), or, broken, `keep` believing it holds the lane: never
 * told that others wait, it kept lending its writer until the coordinator revoked the real holder
 * (bench/shards.ts saw a 1.1 s stall).
 */
export type RefusedClaim = 'step-aside' | 'keep';

class World {
  private readonly q: LaneQueue<string>;
  /** A process's id changes when it dies and starts again (a new socket). */
  private readonly generation = Array.from({ length: PROCESSES }, () => 0);
  private readonly holds = new Set<string>();
  private readonly asked: string[] = [];
  /** Processes that gave up waiting (their request still queued) and have not asked since. */
  private readonly gaveUp = new Set<string>();

  constructor(
    Queue: QueueClass,
    private readonly late: LateGrant,
    private readonly refused: RefusedClaim,
  ) {
    this.q = new Queue();
  }

  private id(p: number): string {
    return `${p}.${this.generation[p] ?? 0}`;
  }

  private apply(effects: LaneEffect<string>[]): void {
    for (const e of effects) {
      // A revoked process hears it before it would write again (SQLite's lock covers the rest).
      if (e.type === 'revoke') this.holds.delete(e.to);
      if (e.type !== 'grant') continue;
      if (this.holds.size > 0)
        throw new InvariantError(
          'one-writer',
          `${e.to} granted while ${[...this.holds].join(', ')} hold the lane`,
        );
      const first = this.asked.shift();
      if (first !== e.to)
        throw new InvariantError('fifo', `${e.to} granted before ${String(first)}, who asked first`);
      // A grant nobody waits for any more: given straight back.
      if (this.gaveUp.delete(e.to)) {
        if (this.late === 'return') this.apply(this.q.release(e.to));
        continue;
      }
      this.holds.add(e.to);
    }
  }

  run(s: Step): void {
    const id = this.id(s.p);
    if (s.type === 'want') {
      // One that gave up waits again: its request, still queued, stands.
      if (this.gaveUp.delete(id)) return this.check();
      if (this.holds.has(id) || this.asked.includes(id)) return;
      this.asked.push(id);
      this.apply(this.q.want(id));
    } else if (s.type === 'release') {
      if (!this.holds.delete(id)) return;
      this.apply(this.q.release(id));
    } else if (s.type === 'die') {
      this.holds.delete(id);
      this.gaveUp.delete(id);
      const at = this.asked.indexOf(id);
      if (at >= 0) this.asked.splice(at, 1);
      this.generation[s.p] = (this.generation[s.p] ?? 0) + 1;
      this.apply(this.q.drop(id));
    } else if (s.type === 'stall') {
      if (this.holds.has(id)) this.apply(this.q.revoke(id));
    } else if (s.type === 'deaf') {
      if (this.asked.includes(id)) this.gaveUp.add(id);
    } else if (s.type === 'fallback') {
      if (this.holds.has(id) || this.asked.includes(id) || this.gaveUp.has(id)) return this.check();
      const effects = this.q.claim(id);
      if (this.q.holder === id) this.holds.add(id);
      else {
        // Refused: in line behind the holder, granted in its turn.
        this.asked.push(id);
        if (this.refused === 'keep') this.holds.add(id);
      }
      this.apply(effects);
    }
    // 'claim' (a holder that reconnects) is exercised where a holder exists: it changes nothing.
    else if (this.holds.has(id)) this.apply(this.q.claim(id));
    this.check();
  }

  private check(): void {
    if (this.holds.size > 1)
      throw new InvariantError(
        'one-writer',
        `${[...this.holds].join(' and ')} each believe they hold the lane`,
      );
    const holder = this.q.holder;
    if (holder === undefined && this.q.queue.length > 0)
      throw new InvariantError('served', `the lane is free while ${this.q.queue.join(', ')} wait`);
    if (holder !== undefined && !this.holds.has(holder))
      throw new InvariantError(
        'served',
        `the lane is held by ${holder}, which does not hold it (dead or gone)`,
      );
  }

  /** Every holder releases in turn: every process that asked is served. */
  drain(): void {
    for (let i = 0; this.holds.size > 0 && i < 100; i++) {
      const [holder] = this.holds;
      this.holds.delete(holder as string);
      this.apply(this.q.release(holder as string));
      this.check();
    }
    if (this.asked.length > 0) throw new InvariantError('served', `never served: ${this.asked.join(', ')}`);
  }
}

/** The lane protocol's property, on `Queue` (the real one by default). */
export function laneProperty(
  Queue: QueueClass = LaneQueue,
  late: LateGrant = 'return',
  refused: RefusedClaim = 'step-aside',
): fc.IPropertyWithHooks<[Step[]]> {
  return fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
    const world = new World(Queue, late, refused);
    for (const s of steps) world.run(s);
    world.drain();
  });
}

/** Broken: a want is granted even while another process holds the lane (a grant given twice). */
export class DoubleGrantQueue extends LaneQueue<string> {
  override want(id: string): LaneEffect<string>[] {
    const effects = super.want(id);
    return this.holder !== id && this.queue.length > 1 ? [...effects, { type: 'grant', to: id }] : effects;
  }
}

/** Broken: a process that dies is taken out of line, but a grant it held is never freed. */
export class DeadHolderQueue extends LaneQueue<string> {
  override drop(id: string): LaneEffect<string>[] {
    if (this.holder === id) return [];
    return super.drop(id);
  }
}

/** Broken: a hung holder's grant passes to the next process without the holder being told. */
export class SilentRevokeQueue extends LaneQueue<string> {
  override revoke(id: string): LaneEffect<string>[] {
    return super.revoke(id).filter((e) => e.type !== 'revoke');
  }
}
