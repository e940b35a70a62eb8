import test from 'ava';
import type { InspectionEvent } from 'xstate';
import { createPool } from '../../index.js';
import { tempDir, tick } from '../../test/helpers.js';
import { debugLog } from './inspect.js';

test('the inspect option sees every machine event, and debugLog turns them into lines', async (t) => {
  const tmp = tempDir();
  const lines: string[] = [];
  const raw: InspectionEvent[] = [];
  const log = debugLog((line) => lines.push(line));
  const pool = createPool({
    filename: tmp.file(),
    inspect: (event) => {
      raw.push(event);
      log(event);
    },
  });
  await pool.read((db) => db.get('SELECT 1'));
  await tick();
  await pool.close();
  t.true(raw.some((e) => e.type === '@xstate.actor'));
  t.true(lines.includes('pool <- pool.demand (from runtime)'), lines.join('\n'));
  t.true(lines.includes('spawned c1'));
  t.true(lines.includes('pool <- connection.opened (from c1)'));
  t.true(lines.includes('c1: "open"'));
  t.true(lines.includes('pool <- pool.close (from runtime)'));
  t.true(lines.includes('c1: "closed"'));
  t.true(lines.includes('pool: "closed"'));
  tmp.cleanup();
});
