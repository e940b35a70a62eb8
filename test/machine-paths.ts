import type { AnyStateMachine, EventObject, Snapshot } from 'xstate';
import { getAdjacencyMap, getShortestPaths, type AdjacencyMap, type StatePath } from 'xstate/graph';

type AnySnapshot = Snapshot<unknown> & { value: unknown; context: unknown; can(e: EventObject): boolean };

/** One transition to execute: the shortest path to its source state, then the transition itself. */
export interface TransitionPlan {
  readonly title: string;
  /** The serialized state the transition must reach. */
  readonly target: string;
  readonly steps: readonly { event: EventObject; value: unknown }[];
}

export interface PlanOptions<TInput> {
  input: TInput;
  /** The events worth trying in a snapshot (xstate/graph explores each). */
  events(snapshot: AnySnapshot): EventObject[];
  /** What makes two snapshots the same state for the traversal. */
  serializeState(snapshot: AnySnapshot): string;
}

/** An event as a title: its type and its scalar fields (role, id), not objects such as errors. */
function describe(event: EventObject): string {
  const fields = Object.entries(event).filter(
    ([k, v]) => k !== 'type' && (typeof v === 'string' || typeof v === 'number'),
  );
  return fields.length === 0
    ? event.type
    : `${event.type}(${fields.map(([k, v]) => `${k}=${v}`).join(', ')})`;
}

/**
 * Every transition the machine can take from every reachable state (xstate/graph's adjacency
 * map, keeping only events the state accepts), each preceded by the shortest path that reaches
 * its source state. Executing all of them visits every reachable state and transition.
 */
export function transitionPlans<TInput>(
  machine: AnyStateMachine,
  options: PlanOptions<TInput>,
): TransitionPlan[] {
  const traversal = {
    input: options.input,
    events: (s: AnySnapshot) => options.events(s),
    serializeState: (s: AnySnapshot) => options.serializeState(s),
    serializeEvent: describe,
  };
  /* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unnecessary-type-assertion -- xstate/graph's option and result types are generic over the machine */
  const shortest = getShortestPaths(machine, traversal as any) as StatePath<AnySnapshot, EventObject>[];
  const adjacency = getAdjacencyMap(machine, traversal as any) as AdjacencyMap<AnySnapshot, EventObject>;
  const pathTo = new Map(shortest.map((p) => [options.serializeState(p.state), p]));
  const plans: TransitionPlan[] = [];
  for (const [key, { state, transitions }] of Object.entries(adjacency)) {
    const prefix = pathTo.get(key);
    if (!prefix) continue;
    for (const { event, state: next } of Object.values(transitions) as {
      event: EventObject;
      state: AnySnapshot;
    }[]) {
      if (!state.can(event)) continue;
      const steps = [
        ...prefix.steps.slice(1).map((s) => ({ event: s.event, value: s.state.value })),
        { event, value: next.value },
      ];
      const target = options.serializeState(next);
      plans.push({ title: `${key} --${describe(event)}--> ${target}`, target, steps });
    }
  }
  /* eslint-enable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unnecessary-type-assertion */
  return plans;
}

/** The reachable states, serialized, for the "every state is visited" assertion. */
export function reachableStates<TInput>(machine: AnyStateMachine, options: PlanOptions<TInput>): string[] {
  /* eslint-disable-next-line @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-argument -- as above */
  const shortest = getShortestPaths(machine, { ...options, events: options.events } as any) as StatePath<
    AnySnapshot,
    EventObject
  >[];
  return shortest.map((p) => options.serializeState(p.state));
}
