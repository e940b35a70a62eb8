import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { runConcurrentTest } from '../suite/run-concurrent-test.js';
import { runReport } from './report.js';

async function quiet(fn: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const write = [process.stdout.write, process.stderr.write] as const;
  process.stdout.write = (chunk: string) => out.push(String(chunk)) > 0;
  process.stderr.write = (chunk: string) => err.push(String(chunk)) > 0;
  try {
    return { code: await fn(), out: out.join(''), err: err.join('') };
  } finally {
    [process.stdout.write, process.stderr.write] = write;
  }
}

test.serial('renders a saved report.json again as Markdown and HTML', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'roas-report-cli-'));
  try {
    const result = await runConcurrentTest({
      workers: 2,
      durationMs: 150,
      scenario: 'bot-mix',
      contender: 'roas-pool',
    });
    const file = join(dir, 'report.json');
    await writeFile(file, JSON.stringify({ title: 'saved', command: 'roas-pool bench', results: [result] }));
    const run = await quiet(() => runReport([file]));
    t.is(run.code, 0);
    t.regex(run.out, /\| bot-mix \| 2 \| roas-pool \|/);
    t.regex(await readFile(join(dir, 'report.md'), 'utf8'), /^# saved/);
    t.regex(await readFile(join(dir, 'report.html'), 'utf8'), /<title>saved<\/title>/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.serial('rejects a file that is not a roas-pool report', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'roas-report-cli-'));
  try {
    const file = join(dir, 'other.json');
    await writeFile(file, '{"rows": []}');
    const run = await quiet(() => runReport([file]));
    t.is(run.code, 2);
    t.regex(run.err, /has no "results" array/);
    t.is((await quiet(() => runReport([]))).code, 2);
    const missing = await quiet(() => runReport([join(dir, 'nope.json')]));
    t.is(missing.code, 2);
    t.regex(
      missing.err,
      /^roas-pool report: FILE_NOT_FOUND: .*nope\.json does not exist\. Fix: pass the path of the report\.json that `roas-pool bench` wrote/,
    );
    await writeFile(join(dir, 'broken.json'), '{"results": [');
    const broken = await quiet(() => runReport([join(dir, 'broken.json')]));
    t.is(broken.code, 2);
    t.regex(broken.err, /^roas-pool report: NOT_A_REPORT: .*broken\.json is not JSON/);
    t.is(broken.err.trim().split('\n').length, 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
