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

const WIDTH = 30;

/**
 * Progress on `stream` (stderr, so stdout keeps the table): on a terminal a bar redrawn in place,
 * plus one line per finished run above it; elsewhere (a pipe, a file, CI) only the lines, one per
 * finished run, so a log shows the suite advancing.
 */
export function progress(total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = stream.isTTY === true;
  let index = 0;
  let label = '';
  let fraction = 0;
  let drawn = false;
  let lastDraw = 0;
  const clear = (): void => {
    if (drawn) stream.write('\r\x1b[2K');
    drawn = false;
  };
  const draw = (): void => {
    if (!tty) return;
    const done = (index + Math.min(1, fraction)) / total;
    const filled = Math.round(done * WIDTH);
    const bar = `${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}`;
    const text = ` [${bar}] ${Math.floor(done * 100)}% run ${index + 1}/${total} ${label}`;
    // A terminal that does not report its width (0) gets 80 columns.
    stream.write(`\r\x1b[2K${text.slice(0, Math.max(20, (stream.columns || 80) - 1))}`);
    drawn = true;
    lastDraw = Date.now();
  };
  const print = (text: string): void => {
    clear();
    stream.write(`${text}\n`);
    draw();
  };
  return {
    start(run) {
      index = run.index;
      label = run.label;
      fraction = 0;
      draw();
    },
    update(f) {
      fraction = f;
      if (Date.now() - lastDraw >= 100) draw();
    },
    finished(r) {
      print(`[${index + 1}/${total}] ${r.scenario} ${r.contender} @${r.workers}: ${describeRun(r)}`);
    },
    line: print,
    stop: clear,
  };
}
