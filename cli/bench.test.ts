import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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
  process.stdout.write = (chunk: string) => out.push(String(chunk)) > 0;
  process.stderr.write = (chunk: string) => err.push(String(chunk)) > 0;
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

test.serial('exits with 2 and one line (code, what, fix) on an unknown flag or command', async (t) => {
  const flag = await capture(() => main(['bench', '--bogus']));
  t.is(flag.code, 2);
  t.is(flag.err, "roas-pool bench: USAGE: Unknown option '--bogus'. Fix: see `roas-pool bench --help`.\n");
  const command = await capture(() => main(['benchmark']));
  t.is(command.code, 2);
  t.regex(command.err, /^roas-pool: USAGE: unknown command "benchmark"\. Fix: use one of bench, /);
  t.is(command.err.split('\n').length, 2, 'one line');
});

test.serial('rejects a zero duration and an --out that is a file before any run starts', async (t) => {
  const zero = await capture(() => main(['bench', '--duration', '0']));
  t.is(zero.code, 2);
  t.regex(zero.err, /^roas-pool bench: USAGE: --duration must be at least 1 ms/);
  const dir = await mkdtemp(join(tmpdir(), 'roas-cli-'));
  try {
    const file = join(dir, 'a-file');
    await writeFile(file, '');
    const out = await capture(() => main(['bench', '--workers', '2', '--duration', '10s', '--out', file]));
    t.is(out.code, 2);
    t.is(
      out.err,
      `roas-pool bench: OUT_NOT_WRITABLE: --out ${file} is a file, not a folder. Fix: pass --out a folder you can write to.\n`,
    );
    t.notRegex(out.err, /\[1\//, 'no run started');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.serial(
  'prints --version, and --help of every subcommand lists options, defaults and exit codes',
  async (t) => {
    const version = await capture(() => main(['--version']));
    t.is(version.code, 0);
    t.regex(version.out, /^\d+\.\d+\.\d+\n$/);
    for (const command of ['bench', 'report', 'stats', 'assess', 'migrate']) {
      const help = await capture(() => main([command, '--help']));
      t.is(help.code, 0, command);
      t.regex(help.out, new RegExp(`^Usage: roas-pool ${command}`), command);
      t.regex(help.out, /Options:\n/, command);
      t.regex(help.out, /Exit codes:\n\s+0 /, command);
      t.regex(help.out, /\n\s+2 +the command line or an input is wrong/, command);
    }
    t.regex((await capture(() => main(['bench', '--help']))).out, /--duration <time> .*\(default 1500ms\)/);
  },
);

test.serial('runs a short comparison, prints the table and writes the three reports', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'roas-cli-'));
  try {
    const run = await capture(() =>
      runBench(['--workers', '2', '--duration', '150', '--contenders', 'naive-bt0,roas-pool', '--out', dir]),
    );
    t.is(run.code, 0);
    t.regex(run.out, /^Verdict:\n- bot-mix, 2 workers: roas-pool /);
    t.regex(run.out, /\| bot-mix \| 2 \| roas-pool \|/);
    t.regex(
      run.err,
      /^\[1\/2\] bot-mix naive-bt0 @2: .*\n\[2\/2\] bot-mix roas-pool @2: /,
      'one line per finished run',
    );
    for (const file of ['report.json', 'report.md', 'report.html']) {
      t.true(run.out.includes(join(dir, file)));
      t.true((await readFile(join(dir, file), 'utf8')).length > 0);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
