import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { runConcurrentTest } from '../run-concurrent-test.js';
import type { TestResult } from '../types.js';
import { generatePerformanceReport } from './generate-performance-report.js';

let results: TestResult[] = [];

test.before(async () => {
  for (const contender of ['naive-bt0', 'roas-pool']) {
    results.push(await runConcurrentTest({ workers: 3, durationMs: 200, scenario: 'bot-mix', contender }));
  }
});

test('writes JSON, Markdown and HTML that hold every run', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'roas-report-'));
  try {
    const report = await generatePerformanceReport(results, { outDir: dir, command: 'test' });
    const json = JSON.parse(await readFile(report.paths?.json as string, 'utf8')) as {
      results: TestResult[];
    };
    t.deepEqual(json.results, results);
    const md = await readFile(report.paths?.markdown as string, 'utf8');
    t.regex(md, /\| bot-mix \| 3 \| naive-bt0 \|/);
    t.regex(md, /\| bot-mix \| 3 \| roas-pool \|/);
    t.is(await readFile(report.paths?.html as string, 'utf8'), report.html);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('renders a self-contained HTML page with an SVG per chart', async (t) => {
  const { html } = await generatePerformanceReport(results);
  t.notRegex(html, /https?:\/\//);
  t.notRegex(html, /<script|<link|<img|@import|url\(/i);
  const svgs = html.match(/<svg[\s>]/g) ?? [];
  // Latency, acquire wait, throughput, error rate, then one pool timeline per run that sampled at
  // least twice (a 200 ms run on a loaded machine may sample once, and is then not drawn).
  const timelines = results.filter((r) => r.timeline.length >= 2).length;
  t.is(svgs.length, 4 + timelines);
  for (const title of [
    'Operation latency',
    'Acquire wait',
    'Throughput',
    'Error rate',
    'Pool size and waiters',
  ].slice(0, timelines > 0 ? 5 : 4)) {
    t.regex(html, new RegExp(`<svg[^>]*aria-label="${title}`));
  }
  t.is((html.match(/<\/svg>/g) ?? []).length, svgs.length);
});

test.after.always(() => {
  results = [];
});
