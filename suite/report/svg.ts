/** One named series of a bar chart: a value per category. */
export interface BarSeries {
  name: string;
  values: number[];
}

/** One named line: `[x, y]` points. */
export interface LineSeries {
  name: string;
  points: [number, number][];
}

const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1'];
const W = 1000;
const PAD = { left: 64, right: 16, top: 36, bottom: 130 };

/** Escapes text for SVG and HTML. */
export const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const fmt = (v: number): string =>
  v === 0 ? '0' : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(1) : v.toPrecision(2);

/** A tick value as printed: no trailing zeros, no float noise (`0.30000000000000004` is `0.3`). */
const tick = (v: number): string => String(Number(v.toPrecision(6)));

/**
 * Round axis ticks from 0 to at least `max`: steps of 1, 2, 2.5 or 5 times a power of ten, about
 * `count` of them. Exported for its test.
 */
export function niceTicks(max: number, count = 4): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1];
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const top = Math.ceil(max / step - 1e-9) * step;
  return Array.from({ length: Math.round(top / step) + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}

function legend(names: string[], y: number): string {
  return names
    .map((n, i) => {
      const x = PAD.left + i * 130;
      return `<rect x="${x}" y="${y - 9}" width="10" height="10" fill="${PALETTE[i % PALETTE.length]}"/><text x="${x + 14}" y="${y}" font-size="11">${esc(n)}</text>`;
    })
    .join('');
}

function frame(title: string, height: number, body: string): string {
  return `<svg class="chart" role="img" aria-label="${esc(title)}" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="system-ui, sans-serif"><text x="${PAD.left}" y="16" font-size="13" font-weight="600">${esc(title)}</text>${body}</svg>`;
}

/**
 * A grouped vertical bar chart as an inline SVG string (no external resources). With `log`,
 * the y axis is logarithmic (base 10), for latencies that span microseconds to seconds.
 *
 * @example
 * ```ts
 * barChart('ops/s', ['naive', 'roas-pool'], [{ name: 'ops/s', values: [120, 5000] }]);
 * ```
 */
export function barChart(
  title: string,
  categories: string[],
  series: BarSeries[],
  log = false,
  unit = '',
): string {
  const h = 360;
  const plotH = h - PAD.top - PAD.bottom;
  const plotW = W - PAD.left - PAD.right;
  const all = series.flatMap((s) => s.values).filter((v) => Number.isFinite(v));
  const positive = all.filter((v) => v > 0);
  const lo = log ? 10 ** Math.floor(Math.log10(Math.min(...positive, 1))) : 0;
  const linear = log ? [] : niceTicks(Math.max(...all, 0));
  const hi = log ? 10 ** Math.ceil(Math.log10(Math.max(...positive, lo * 10))) : (linear.at(-1) as number);
  const y = (v: number): number => {
    const f = log
      ? (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))
      : v / hi;
    return PAD.top + plotH * (1 - f);
  };
  const ticks = log
    ? Array.from({ length: Math.round(Math.log10(hi / lo)) + 1 }, (_, i) => lo * 10 ** i)
    : linear;
  let body = ticks
    .map(
      (t) =>
        `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#ddd"/><text x="${PAD.left - 6}" y="${(y(t) + 4).toFixed(1)}" font-size="10" text-anchor="end">${tick(t)}${esc(unit)}</text>`,
    )
    .join('');
  const group = plotW / Math.max(1, categories.length);
  const bar = (group * 0.8) / Math.max(1, series.length);
  categories.forEach((cat, c) => {
    series.forEach((s, i) => {
      const v = s.values[c] ?? 0;
      const x = PAD.left + c * group + group * 0.1 + i * bar;
      const top = y(v);
      body += `<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${bar.toFixed(1)}" height="${(PAD.top + plotH - top).toFixed(1)}" fill="${PALETTE[i % PALETTE.length]}"><title>${esc(`${cat} ${s.name}: ${fmt(v)}${unit}`)}</title></rect>`;
    });
    const cx = PAD.left + c * group + group / 2;
    // Anchored at their end and tilted down-left, long labels never run off the right edge.
    body += `<text transform="translate(${(cx + 4).toFixed(1)},${PAD.top + plotH + 12}) rotate(-35)" text-anchor="end" font-size="10">${esc(cat)}</text>`;
  });
  return frame(
    title,
    h,
    body +
      legend(
        series.map((s) => s.name),
        h - 8,
      ),
  );
}

/**
 * A line chart as an inline SVG string, linear axes from 0.
 *
 * @example
 * ```ts
 * lineChart('pool size', [{ name: 'size', points: [[0, 1], [100, 4]] }], 'ms');
 * ```
 */
export function lineChart(title: string, series: LineSeries[], xUnit = ''): string {
  const h = 220;
  const bottom = 44;
  const plotH = h - PAD.top - bottom;
  const plotW = W - PAD.left - PAD.right;
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  const xHi = Math.max(...xs, 1);
  const yTicks = niceTicks(Math.max(...ys, 1), 2);
  const yHi = yTicks.at(-1) as number;
  const px = (v: number): number => PAD.left + (v / xHi) * plotW;
  const py = (v: number): number => PAD.top + plotH * (1 - v / yHi);
  let body = yTicks
    .map(
      (v) =>
        `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${py(v).toFixed(1)}" y2="${py(v).toFixed(1)}" stroke="#ddd"/><text x="${PAD.left - 6}" y="${(py(v) + 4).toFixed(1)}" font-size="10" text-anchor="end">${tick(v)}</text>`,
    )
    .join('');
  body += `<text x="${W - PAD.right}" y="${PAD.top + plotH + 14}" font-size="10" text-anchor="end">${tick(Math.round(xHi))} ${esc(xUnit)}</text>`;
  series.forEach((s, i) => {
    const d = s.points.map((p) => `${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`).join(' ');
    body += `<polyline fill="none" stroke-width="1.5" stroke="${PALETTE[i % PALETTE.length]}" points="${d}"/>`;
  });
  return frame(
    title,
    h,
    body +
      legend(
        series.map((s) => s.name),
        h - 8,
      ),
  );
}
