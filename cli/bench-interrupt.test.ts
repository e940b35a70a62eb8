import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import type { TestResult } from '../suite/types.js';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

test('Ctrl-C (SIGINT) writes the report of the runs that finished and exits 130', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'roas-sigint-'));
  try {
    // The real command in its own process, from source; SIGINT goes to it alone, as `kill -INT`
    // would send it (a terminal's Ctrl-C also reaches the run's child, which ignores it).
    const cli = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        MAIN,
        'bench',
        '--workers',
        '2',
        '--duration',
        '1500',
        '--contenders',
        'naive-bt0,roas-pool,naive-bt0',
        '--out',
        dir,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let err = '';
    let out = '';
    cli.stdout.on('data', (c: Buffer) => (out += c.toString()));
    cli.stderr.on('data', (c: Buffer) => {
      err += c.toString();
      if (/\[1\/3\] /.test(err) && !cli.killed) cli.kill('SIGINT'); // the first run has finished
    });
    const code = await new Promise<number | null>((resolve) => cli.on('exit', (c) => resolve(c)));
    t.is(code, 130, err);
    t.regex(err, /interrupted: stopping the current run/);
    t.regex(out, /^Interrupted after 1 of 3 runs\./);
    const json = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8')) as {
      progress: { done: number; total: number; interrupted: boolean };
      results: TestResult[];
    };
    t.deepEqual(json.progress, { done: 1, total: 3, interrupted: true });
    t.deepEqual(
      json.results.map((r) => r.contender),
      ['naive-bt0'],
    );
    t.regex(await readFile(join(dir, 'report.md'), 'utf8'), /Interrupted: 1 of 3 runs finished/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
