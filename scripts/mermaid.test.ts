import test from 'ava';
import { readFileSync } from 'node:fs';
import { createMachine } from 'xstate';
import { connectionMachine } from '../machines/connection.machine.js';
import { poolMachine } from '../machines/pool.machine.js';
import { toMermaid } from './mermaid.js';

test('draws states, guarded transitions, invoke results and final states', (t) => {
  const machine = createMachine({
    id: 'm',
    initial: 'a',
    states: {
      a: { on: { go: { target: 'b', guard: 'ready' } } },
      b: { invoke: { src: 'work', onDone: 'c' } },
      c: { type: 'final' },
    },
  });
  t.is(
    toMermaid(machine),
    [
      'stateDiagram-v2',
      '  [*] --> a',
      '  c --> [*]',
      '  a --> b : go [ready]',
      '  b --> c : done(work)',
    ].join('\n'),
  );
});

test('the committed diagrams are what the machines generate', (t) => {
  for (const [name, machine] of [
    ['connection', connectionMachine],
    ['pool', poolMachine],
  ] as const) {
    const committed = readFileSync(new URL(`../docs/diagrams/${name}.md`, import.meta.url), 'utf8');
    t.true(
      committed.includes(`\`\`\`mermaid\n${toMermaid(machine)}\n\`\`\``),
      `${name}: run npm run diagrams`,
    );
  }
});
