import test from 'ava';
import { runConcurrentTest } from '../run-concurrent-test.js';
import { kyselyRoasPool, kyselySqlite } from './kysely.js';

for (const contender of [kyselySqlite(), kyselyRoasPool()]) {
  test(`${contender.name} runs the bot mix through Kysely with every acknowledged write present`, async (t) => {
    const result = await runConcurrentTest({ workers: 4, durationMs: 300, scenario: 'bot-mix', contender });
    t.true(result.ops > 0);
    t.is(result.errors, 0);
    t.deepEqual(result.errorsByCode, {});
    t.true(result.integrity.ok);
    t.true(result.integrity.acknowledged > 0);
  });
}
