import cliProgress from 'cli-progress';
import { describeRun } from '../suite/report/verdict.js';
import type { TestResult } from '../suite/types.js';

/** What `bench` tells the user while it runs. */
export interface Progress {
  /** A run starts: `index` counts from 0. */
  start(run: { index: number; label: string }): void;
  /** The fraction of the current run's duration that has passed. */
  update(fraction: number): void;
  /** A run finished (or failed): one line. */
  finished(result: TestResult): void;
  /** Any other line (a skipped contender, the interrupt notice). */
  line(text: string): void;
  /** Clears the bar, if any. */
  stop(): void;
}

/**
 * Progress on `stream` (stderr, so stdout keeps the table): on a terminal a cli-progress bar
 * redrawn in place, with one line per finished run printed above it; elsewhere (a pipe, a file,
 * CI) only the lines, one per finished run, so a log shows the suite advancing.
 */
export function progress(total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  let index = 0;
  // cli-progress draws only on a TTY (noTTYOutput false), and its log() keeps lines above the bar.
  const multi =
    stream.isTTY === true
      ? new cliProgress.MultiBar(
          {
            stream,
            format: ' [{bar}] {percentage}% run {run}/{runs} {label}',
            barsize: 30,
            hideCursor: true,
            clearOnComplete: true,
          },
          cliProgress.Presets.legacy,
        )
      : undefined;
  const bar = multi?.create(total * 100, 0, { run: 1, runs: total, label: '' });
  const print = (text: string): void => {
    if (multi) multi.log(`${text}\n`);
    else stream.write(`${text}\n`);
  };
  return {
    start(run) {
      index = run.index;
      bar?.update(index * 100, { run: index + 1, runs: total, label: run.label });
    },
    update(fraction) {
      bar?.update(Math.round((index + Math.min(1, fraction)) * 100));
    },
    finished(r) {
      print(`[${index + 1}/${total}] ${r.scenario} ${r.contender} @${r.workers}: ${describeRun(r)}`);
    },
    line: print,
    stop: () => multi?.stop(),
  };
}
