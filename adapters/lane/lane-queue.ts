/**
 * What the coordinator tells one process: you hold the lane now (`grant`), another process waits
 * for it (`yield`), or you held it too long and it went to the next process (`revoke`).
 */
export type LaneEffect<Id> = { readonly type: 'grant' | 'yield' | 'revoke'; readonly to: Id };

/**
 * The coordinator's whole state: who holds the cross-process write lane and who waits for it, in
 * arrival order. Pure: each call returns the messages to send, so a property test drives it
 * without sockets (properties/lane.ts). A process asks once however many of its writers wait,
 * so arrival order between processes is round-robin between them.
 *
 * @example
 * ```ts
 * const q = new LaneQueue<string>();
 * q.want('a'); // [{ type: 'grant', to: 'a' }]
 * q.want('b'); // [{ type: 'yield', to: 'a' }]
 * q.release('a'); // [{ type: 'grant', to: 'b' }]
 * ```
 */
export class LaneQueue<Id> {
  private current: Id | undefined;
  private readonly waiting: Id[] = [];

  /** The process that holds the lane, if any. */
  get holder(): Id | undefined {
    return this.current;
  }

  /** The processes waiting, oldest first. */
  get queue(): readonly Id[] {
    return this.waiting;
  }

  /** `id` wants the lane: granted at once when free; otherwise queued, and the holder asked to yield. */
  want(id: Id): LaneEffect<Id>[] {
    if (this.current === undefined) {
      this.current = id;
      return [{ type: 'grant', to: id }];
    }
    if (this.current === id || this.waiting.includes(id)) return [];
    this.waiting.push(id);
    return [{ type: 'yield', to: this.current }];
  }

  /**
   * `id` says it already holds the lane (it reconnected to a new coordinator mid-transaction).
   * Taken as said when the lane is free; otherwise `id` waits like any other, and the safety net
   * (SQLite's own lock) settles who writes.
   */
  claim(id: Id): LaneEffect<Id>[] {
    if (this.current === undefined) {
      this.current = id;
      return [];
    }
    return this.want(id);
  }

  /** `id` gives the lane back; the oldest waiter gets it, and is asked to yield if others still wait. */
  release(id: Id): LaneEffect<Id>[] {
    if (this.current !== id) return [];
    this.current = this.waiting.shift();
    if (this.current === undefined) return [];
    const effects: LaneEffect<Id>[] = [{ type: 'grant', to: this.current }];
    if (this.waiting.length > 0) effects.push({ type: 'yield', to: this.current });
    return effects;
  }

  /**
   * `id` held the lane past the coordinator's bound while others waited (a hung process, not a
   * dead one): it is told so, and the oldest waiter is granted. Should it write before it hears,
   * SQLite's lock serializes it with the new holder. Nothing when `id` does not hold the lane or
   * nobody waits.
   */
  revoke(id: Id): LaneEffect<Id>[] {
    if (this.current !== id || this.waiting.length === 0) return [];
    return [{ type: 'revoke', to: id }, ...this.release(id)];
  }

  /** `id` is gone (its process died or closed): out of the line, and its grant freed. */
  drop(id: Id): LaneEffect<Id>[] {
    const at = this.waiting.indexOf(id);
    if (at >= 0) this.waiting.splice(at, 1);
    return this.release(id);
  }
}
