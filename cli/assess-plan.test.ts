import test from 'ava';
import { tempDir } from '../test/helpers.js';
import { createSampleBotDb } from '../test/fixtures/sample-bot-db.js';
import { assess } from './assess.js';

test("the plan's step naming roas-pool migrate points at the steps migrate runs, not at itself", (t) => {
  const tmp = tempDir();
  createSampleBotDb(tmp.file());
  const { plan } = assess(tmp.file());
  tmp.cleanup();
  const at = plan.findIndex((step) => step.includes('roas-pool migrate'));
  const [, from, to] = /^Steps (\d+) to (\d+) are/.exec(plan[at] ?? '') ?? [];
  t.true(Number(to) < at + 1, `step ${at + 1} says "${plan[at]}"`);
  t.regex(plan[Number(from) - 1] ?? '', /^Create the tables/);
  t.regex(plan[Number(to) - 1] ?? '', /^Verify that every table/);
});
