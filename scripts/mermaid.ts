import type { AnyStateMachine, AnyStateNode } from 'xstate';

interface Transition {
  readonly eventType: string;
  readonly target?: readonly AnyStateNode[];
  readonly guard?: unknown;
  readonly actions: readonly unknown[];
}

function nameOf(item: unknown): string {
  if (typeof item === 'string') return item.replace(/^xstate\./, '');
  const named = item as { type?: string; name?: string } | undefined;
  return (named?.type ?? named?.name ?? 'inline').replace(/^xstate\./, '');
}

/** `xstate.done.actor.<id>` reads as `done(openConnection)`: the invoked actor, not its id. */
function eventLabel(node: AnyStateNode, eventType: string): string {
  const m = /^xstate\.(done|error)\.actor\.(.+)$/.exec(eventType);
  if (!m) return eventType === '' ? 'always' : eventType;
  const invoked = node.invoke.find((i) => i.id === m[2]);
  return `${m[1]}(${invoked ? nameOf(invoked.src) : m[2]})`;
}

function label(node: AnyStateNode, t: Transition): string {
  const guard = t.guard === undefined ? '' : ` [${nameOf(t.guard)}]`;
  const actions = t.actions.length > 0 ? ` / ${t.actions.map(nameOf).join(', ')}` : '';
  return `${eventLabel(node, t.eventType)}${guard}${actions}`;
}

/** Mermaid ids are the state's path with dots replaced, so nested states stay unique. */
function idOf(node: AnyStateNode, machine: AnyStateMachine): string {
  return node.path.length === 0 ? machine.id : node.path.join('_');
}

function transitionsOf(node: AnyStateNode): Transition[] {
  const all: Transition[] = [];
  for (const list of node.transitions.values()) all.push(...(list as Transition[]));
  for (const t of node.always ?? []) all.push({ ...(t as Transition), eventType: '' });
  return all;
}

function render(node: AnyStateNode, machine: AnyStateMachine, indent: string, out: string[]): void {
  const children = Object.values(node.states) as AnyStateNode[];
  const initial = node.initial?.target?.[0];
  if (initial) out.push(`${indent}[*] --> ${idOf(initial, machine)}`);
  for (const child of children) {
    const id = idOf(child, machine);
    if (Object.keys(child.states).length > 0) {
      out.push(`${indent}state ${id} {`);
      render(child, machine, `${indent}  `, out);
      out.push(`${indent}}`);
    }
    if (child.type === 'final') out.push(`${indent}${id} --> [*]`);
  }
  const notes: [AnyStateNode, string[]][] = [];
  for (const state of [node, ...children]) {
    const lines: string[] = [];
    if (state !== node || node.path.length === 0) {
      for (const action of state.entry) lines.push(`entry / ${nameOf(action)}`);
    }
    for (const t of transitionsOf(state)) {
      const from = state === node ? undefined : idOf(state, machine);
      if (t.target && t.target.length > 0 && from !== undefined) {
        for (const target of t.target)
          out.push(`${indent}${from} --> ${idOf(target, machine)} : ${label(state, t)}`);
      } else if (!t.target || t.target.length === 0) {
        lines.push(label(state, t));
      }
    }
    if (lines.length > 0) notes.push([state, lines]);
  }
  for (const [state, lines] of notes) {
    // Transitions without a target change no state: shown as notes (root ones: "in every state").
    const anchor = state === node ? initial : state;
    if (!anchor) continue;
    const side = state === node ? 'left' : 'right';
    const head = state === node ? ['in every state:'] : [];
    out.push(`${indent}note ${side} of ${idOf(anchor, machine)}`);
    for (const line of [...head, ...lines]) out.push(`${indent}  ${line}`);
    out.push(`${indent}end note`);
  }
}

/**
 * A Mermaid `stateDiagram-v2` of a machine, walked from `machine.root`: states, initial and final
 * states, transitions labelled `event [guard] / actions`, and targetless transitions as notes.
 *
 * @example
 * ```ts
 * console.log(toMermaid(connectionMachine));
 * ```
 */
export function toMermaid(machine: AnyStateMachine): string {
  const out = ['stateDiagram-v2'];
  render(machine.root, machine, '  ', out);
  return out.join('\n');
}
