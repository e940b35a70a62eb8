import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { UsageError } from './args.js';
import { DEFAULT_BENCH_DURATION_MS, parseBenchArgs, runBench } from './bench.js';
import { main } from './main.js';

/** Runs `fn` with stdout and stderr captured. */
async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const write = [process.stdout.write, process.stderr.write];
  process.stdout.write = ((chunk: string) => out.push(String(chunk)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => err.push(String(chunk)) > 0) as typeof process.stderr.write;
  try {
    return { code: await fn(), out: out.join(''), err: err.join('') };
  } finally {
    [process.stdout.write, process.stderr.write] = write as [
      typeof process.stdout.write,
      typeof process.stderr.write,
    ];
  }
}

test.serial('parses the default comparison', (t) => {
  const args = parseBenchArgs([]);
  t.deepEqual(args.scenarios, ['bot-mix']);
  t.deepEqual(args.workers, [10, 20, 50]);
  t.is(args.durationMs, DEFAULT_BENCH_DURATION_MS);
  t.true(args.contenders.includes('naive') && args.contenders.includes('roas-pool'));
});

test.serial('parses scenarios, worker counts, durations with units and contenders', (t) => {
  const args = parseBenchArgs([
    '--scenario',
    'read-heavy,processes',
    '--workers',
    '20',
    '--duration',
    '1.5s',
    '--contenders',
    'tarn,roas-pool',
    '--out',
    'x',
  ]);
  t.deepEqual(args.scenarios, ['read-heavy', 'processes']);
  t.deepEqual(args.workers, [20]);
  t.is(args.durationMs, 1500);
  t.deepEqual(args.contenders, ['tarn', 'roas-pool']);
  t.is(args.out, 'x');
});

test.serial('rejects unknown flags, unknown names and malformed numbers', (t) => {
  t.throws(() => parseBenchArgs(['--wrokers', '10']), { instanceOf: UsageError, message: /--wrokers/ });
  t.throws(() => parseBenchArgs(['--contenders', 'naive,hikari']), {
    instanceOf: UsageError,
    message: /"hikari"/,
  });
  t.throws(() => parseBenchArgs(['--workers', '10,0']), { instanceOf: UsageError });
  t.throws(() => parseBenchArgs(['--duration', 'soon']), { instanceOf: UsageError });
});

test.serial('exits with 2 and the usage on an unknown flag or command', async (t) => {
  const flag = await capture(() => main(['bench', '--bogus']));
  t.is(flag.code, 2);
  t.regex(flag.err, /Unknown option '--bogus'/);
  t.regex(flag.err, /Usage: roas-pool bench/);
  const command = await capture(() => main(['benchmark']));
  t.is(command.code, 2);
  t.regex(command.err, /unknown command "benchmark"/);
});

test.serial('runs a short comparison, prints the table and writes the three reports', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'roas-cli-'));
  try {
    const run = await capture(() =>
      runBench(['--workers', '2', '--duration', '150', '--contenders', 'naive-bt0,roas-pool', '--out', dir]),
    );
    t.is(run.code, 0);
    t.regex(run.out, /\| bot-mix \| 2 \| roas-pool \|/);
    for (const file of ['report.json', 'report.md', 'report.html']) {
      t.true(run.out.includes(join(dir, file)));
      t.true((await readFile(join(dir, file), 'utf8')).length > 0);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
