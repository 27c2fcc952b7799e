// A dependency-free SVG line chart for training curves (loss and accuracy per epoch, one line
// per method) and a bar chart with interval whiskers (k-fold means). Output is a self-contained SVG
// string a README or report can embed.

/** One line of the chart: its legend name and a y value per step. */
export interface Series {
  name: string;
  /** y value per x step (x = 1, 2, ...). */
  values: number[];
}

/** Options of {@link lineChart}: title, axis labels, size in pixels, a fixed y range. */
export interface ChartOptions {
  title: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
  /** Fixed y range; by default the data's range with a margin. */
  yRange?: [number, number];
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function niceTicks(lo: number, hi: number, count = 5): number[] {
  const span = hi - lo || 1;
  const step0 = span / count;
  const mag = Math.pow(10, Math.floor(Math.log10(step0)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => span / s <= count) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) ticks.push(Number(v.toFixed(10)));
  return ticks;
}

/** The SVG opening, white background, title and horizontal grid lines with their y labels: what every chart starts with. */
function chartFrame(
  width: number,
  height: number,
  left: number,
  plotW: number,
  title: string,
  ticks: number[],
  y: (v: number) => number,
): string[] {
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  );
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  parts.push(
    `<text x="${left + plotW / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
  );
  for (const t of ticks) {
    parts.push(
      `<line x1="${left}" x2="${left + plotW}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#e5e5e5"/>`,
    );
    parts.push(`<text x="${left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${t}</text>`);
  }
  return parts;
}

/**
 * Renders series as an SVG line chart with axes, ticks and a legend.
 * @example
 * lineChart([{ name: 'PLM-IPE', values: [1.1, 0.9, 0.8] }], { title: 'training loss', xLabel: 'epoch' });
 */
export function lineChart(series: Series[], options: ChartOptions): string {
  const width = options.width ?? 640;
  const height = options.height ?? 360;
  const m = { left: 56, right: 150, top: 36, bottom: 44 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const all = series.flatMap((s) => s.values).filter(Number.isFinite);
  let [lo, hi] = options.yRange ?? [Math.min(...all, 0), Math.max(...all, 1e-9)];
  if (!options.yRange) {
    const pad = (hi - lo) * 0.05 || 0.5;
    lo -= pad;
    hi += pad;
  }
  const maxX = Math.max(1, ...series.map((s) => s.values.length));
  const x = (i: number) => m.left + (maxX === 1 ? plotW / 2 : ((i - 1) / (maxX - 1)) * plotW);
  const y = (v: number) => m.top + plotH - ((v - lo) / (hi - lo)) * plotH;
  const parts = chartFrame(width, height, m.left, plotW, options.title, niceTicks(lo, hi), y);
  for (const t of niceTicks(1, maxX, Math.min(10, maxX)).filter((v) => Number.isInteger(v))) {
    parts.push(`<text x="${x(t).toFixed(1)}" y="${m.top + plotH + 16}" text-anchor="middle">${t}</text>`);
  }
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#444"/>`);
  if (options.xLabel)
    parts.push(
      `<text x="${m.left + plotW / 2}" y="${height - 8}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`,
    );
  if (options.yLabel)
    parts.push(
      `<text transform="translate(14 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`,
    );
  series.forEach((s, k) => {
    const color = PALETTE[k % PALETTE.length];
    const pts = s.values
      .map((v, i) => (Number.isFinite(v) ? `${x(i + 1).toFixed(1)},${y(v).toFixed(1)}` : null))
      .filter((p): p is string => p !== null);
    if (pts.length > 1)
      parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.join(' ')}"/>`);
    for (const p of pts) {
      const [px, py] = p.split(',');
      parts.push(`<circle cx="${px}" cy="${py}" r="2.5" fill="${color}"/>`);
    }
    const ly = m.top + 12 + k * 18;
    parts.push(
      `<line x1="${m.left + plotW + 12}" x2="${m.left + plotW + 32}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="2"/>`,
    );
    parts.push(`<text x="${m.left + plotW + 38}" y="${ly}">${escapeXml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

/** One bar of {@link barChart}: a value with an optional interval drawn as an error bar. */
export interface Bar {
  name: string;
  value: number;
  low?: number;
  high?: number;
  /** Bars of one group share a colour (e.g. 'Table 1'). */
  group?: string;
}

/**
 * Renders bars with 95 % intervals as whiskers (mean ± CI charts of the k-fold report).
 * @example
 * barChart([{ name: 'PLM-IPE', value: 62, low: 55, high: 69 }], { title: 'accuracy', yLabel: '%', yRange: [0, 100] });
 */
export function barChart(bars: readonly Bar[], options: ChartOptions): string {
  const width = options.width ?? Math.max(360, 90 * bars.length + 100);
  const height = options.height ?? 360;
  const m = { left: 56, right: 20, top: 36, bottom: 70 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const all = bars.flatMap((b) => [b.value, b.low ?? b.value, b.high ?? b.value]).filter(Number.isFinite);
  const [lo, hi] = options.yRange ?? [Math.min(0, ...all), Math.max(1e-9, ...all) * 1.05];
  const y = (v: number) => m.top + plotH - ((Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo)) * plotH;
  const slot = plotW / Math.max(1, bars.length);
  const groups = [...new Set(bars.map((b) => b.group ?? ''))];
  const parts = chartFrame(width, height, m.left, plotW, options.title, niceTicks(lo, hi), y);
  bars.forEach((b, i) => {
    const color = PALETTE[groups.indexOf(b.group ?? '') % PALETTE.length];
    const cx = m.left + slot * (i + 0.5);
    const bw = slot * 0.6;
    if (Number.isFinite(b.value)) {
      parts.push(
        `<rect x="${(cx - bw / 2).toFixed(1)}" y="${y(b.value).toFixed(1)}" width="${bw.toFixed(1)}" height="${(y(lo) - y(b.value)).toFixed(1)}" fill="${color}" fill-opacity="0.75"/>`,
      );
    }
    if (b.low !== undefined && b.high !== undefined && Number.isFinite(b.low) && Number.isFinite(b.high)) {
      const [yl, yh] = [y(b.low).toFixed(1), y(b.high).toFixed(1)];
      parts.push(
        `<line x1="${cx.toFixed(1)}" x2="${cx.toFixed(1)}" y1="${yl}" y2="${yh}" stroke="#222" stroke-width="1.5"/>`,
      );
      for (const yy of [yl, yh])
        parts.push(
          `<line x1="${(cx - bw / 5).toFixed(1)}" x2="${(cx + bw / 5).toFixed(1)}" y1="${yy}" y2="${yy}" stroke="#222" stroke-width="1.5"/>`,
        );
    }
    parts.push(
      `<text transform="translate(${cx.toFixed(1)} ${m.top + plotH + 14}) rotate(25)" text-anchor="start">${escapeXml(b.name)}</text>`,
    );
  });
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#444"/>`);
  if (options.yLabel)
    parts.push(
      `<text transform="translate(14 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`,
    );
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
