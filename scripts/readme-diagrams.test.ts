import test from 'ava';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectionMachine } from '../machines/connection.machine.js';
import { poolMachine } from '../machines/pool.machine.js';
import { toMermaid } from './mermaid.js';
import { readmeDrift } from './readme-diagrams.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(join(root, 'docs/architecture.md'), 'utf8');
const diagrams = [
  ['connection', toMermaid(connectionMachine)],
  ['pool', toMermaid(poolMachine)],
] as const;

test('docs/architecture.md embeds the diagrams the machines give', (t) => {
  t.deepEqual(readmeDrift(readme, diagrams), []);
});

test('an architecture page whose diagram lost a transition is reported stale', (t) => {
  const edited = readme.replace('  running --> draining : pool.close\n', '');
  t.not(edited, readme);
  t.deepEqual(readmeDrift(edited, diagrams), ['pool']);
});
