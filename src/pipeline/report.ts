// The results of a run as text: Table 1 (accuracy per method) and Table 2 (the mutual-learning
// ablation) laid out like the paper's, confusion matrices and per-class F1, and the report folder
// (report.md, SVG training curves, the exact config as JSON); also the k-fold report folder (tables
// with intervals, paired tests, an SVG bar chart, every run's numbers). Formatting and files only.
import { writeFileAtomic } from '../io/atomic-write.js';
import { LABELS } from '../data/manifest.js';
import type { ClassificationReport } from '../eval/metrics.js';
import { barChart, lineChart } from '../report/svg-chart.js';
import type { ComparisonSummary, RunOutcome } from './comparison.js';
import type { EpochRecord } from './train.js';

/** One row of the tables: a method (or a branch of PLM-IPE) and its test report. */
export interface ResultRow {
  name: string;
  report: ClassificationReport;
}

/** Everything a report shows. */
export interface RunResults {
  /** Table 1 rows in the paper's order: PBE, LBE, EarlyFusion, LateFusion, PLM-IPE. */
  table1: ResultRow[];
  /** Table 2 rows: PBE, LBE, PBE-w/-Mut, LBE-w/-Mut. */
  table2: ResultRow[];
  /** Training history per trained method. */
  histories: Record<string, EpochRecord[]>;
  /** Test-set size and class counts [negative, neutral, positive]. */
  testCounts: [number, number, number];
  trainCounts: [number, number, number];
  /** Validation-set class counts (absent or zeros without a validation part). */
  validationCounts?: [number, number, number];
  /** The epoch each method reports (best on validation; the last without a validation part). */
  selectedEpochs?: Record<string, number>;
}

/** What a report page says besides the results. */
export interface ReportInfo {
  title: string;
  config: unknown;
  wallSeconds: number;
  checkpoints: Record<string, string>;
  /** Markdown appended before the configuration (the paired tests of a single run). */
  extraMarkdown?: string;
  /** Extra fields of results.json. */
  extraResults?: Record<string, unknown>;
}

const pct = (v: number): string => (Number.isFinite(v) ? (100 * v).toFixed(2) : '-');

/** A plain-text (and Markdown) table. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? ` ${'-'.repeat(w)} ` : ` ${'-'.repeat(w - 1)}: `)).join('|')}|`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

/** Table 1 or 2: method and accuracy (%), plus macro F1. */
export function accuracyTable(rows: readonly ResultRow[]): string {
  return formatTable(
    ['Method', 'Accuracy(%)', 'Macro F1'],
    rows.map((r) => [r.name, pct(r.report.accuracy), r.report.macroF1.toFixed(3)]),
  );
}

/** The confusion matrix (rows: true class, columns: predicted) and per-class precision, recall, F1. */
export function confusionText(row: ResultRow): string {
  const conf = formatTable(
    ['true \\ predicted', ...LABELS],
    row.report.confusion.map((r, i) => [LABELS[i], ...r.map(String)]),
  );
  const f1 = formatTable(
    ['class', 'precision', 'recall', 'F1', 'support'],
    row.report.perClass.map((c, i) => [
      LABELS[i],
      c.precision.toFixed(3),
      c.recall.toFixed(3),
      c.f1.toFixed(3),
      String(c.support),
    ]),
  );
  return `${conf}\n\n${f1}`;
}

/** The console summary: both tables, then PLM-IPE's confusion matrix and per-class F1. */
export function summaryText(results: RunResults): string {
  const plm = results.table1.find((r) => r.name === 'PLM-IPE');
  const n = results.testCounts.reduce((a, b) => a + b, 0);
  const parts = [
    `Test set: ${n} videos (negative ${results.testCounts[0]}, neutral ${results.testCounts[1]}, positive ${results.testCounts[2]}); chance is about 33%.`,
    '',
    'Table 1: Performance comparison among different methods.',
    accuracyTable(results.table1),
    '',
    'Table 2: The ablation study of our proposed method.',
    accuracyTable(results.table2),
  ];
  if (plm) parts.push('', 'PLM-IPE confusion matrix and per-class F1 (test set):', confusionText(plm));
  return parts.join('\n');
}

/** report.md: both tables, every method's confusion matrix and F1, the curves and the config. */
export function reportMarkdown(results: RunResults, info: ReportInfo): string {
  const out: string[] = [`# ${info.title}`, ''];
  const n = results.testCounts.reduce((a, b) => a + b, 0);
  const m = results.trainCounts.reduce((a, b) => a + b, 0);
  const v = results.validationCounts ?? [0, 0, 0];
  const nv = v.reduce((a, b) => a + b, 0);
  out.push(
    `Train: ${m} videos (negative / neutral / positive: ${results.trainCounts.join(' / ')}). ` +
      (nv
        ? `Validation: ${nv} videos (${v.join(' / ')}), which pick each method's reported epoch. `
        : 'No validation part: the last epoch is reported. ') +
      `Test: ${n} videos (${results.testCounts.join(' / ')}), evaluated once at the end; train, validation and test subjects are disjoint. Wall time ${info.wallSeconds.toFixed(0)} s.`,
    '',
  );
  out.push('## Table 1: Performance comparison among different methods', '', accuracyTable(results.table1), '');
  out.push('## Table 2: The ablation study of our proposed method', '', accuracyTable(results.table2), '');
  out.push(
    '## Training curves',
    '',
    '![training loss](loss.svg)',
    '',
    '![validation accuracy](validation-accuracy.svg)',
    '',
    '![train accuracy](train-accuracy.svg)',
    '',
  );
  out.push('## Confusion matrices and per-class F1 (test set)', '');
  const seen = new Set<string>();
  for (const row of [...results.table1, ...results.table2]) {
    if (seen.has(row.name)) continue;
    seen.add(row.name);
    out.push(`### ${row.name}`, '', confusionText(row), '');
  }
  out.push('## Per-epoch history', '');
  for (const [name, h] of Object.entries(results.histories)) {
    const chosen = results.selectedEpochs?.[name];
    out.push(
      `### ${name}`,
      '',
      ...(chosen ? [`Reported epoch: ${chosen}.`, ''] : []),
      formatTable(
        ['epoch', 'loss', 'train acc (%)', 'val acc (%)', 'val macro F1', 'val predicted neg/neu/pos', 'seconds'],
        h.map((r) => [
          `${r.epoch}${r.epoch === chosen ? ' *' : ''}`,
          r.loss.toFixed(4),
          pct(r.trainAccuracy),
          pct(r.validationAccuracy),
          Number.isFinite(r.validationMacroF1) ? r.validationMacroF1.toFixed(3) : '-',
          r.validationPredicted.join('/'),
          r.seconds.toFixed(1),
        ]),
      ),
      '',
    );
  }
  if (info.extraMarkdown) out.push(info.extraMarkdown, '');
  out.push('## Checkpoints', '', ...Object.entries(info.checkpoints).map(([k, v]) => `- ${k}: \`${v}\``), '');
  out.push(...configurationSection(info.config));
  return out.join('\n');
}

/** Writes report.md, results.json, config.json and the three SVG charts into `dir` (each atomically). */
export async function writeReport(dir: string, results: RunResults, info: ReportInfo): Promise<string> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  await fs.mkdir(dir, { recursive: true });
  const series = (pick: (r: EpochRecord) => number) =>
    Object.entries(results.histories).map(([name, h]) => ({ name, values: h.map(pick) }));
  await writeFileAtomic(
    path.join(dir, 'loss.svg'),
    lineChart(
      series((r) => r.loss),
      { title: 'training loss per epoch', xLabel: 'epoch', yLabel: 'loss' },
    ),
  );
  await writeFileAtomic(
    path.join(dir, 'validation-accuracy.svg'),
    lineChart(
      series((r) => 100 * r.validationAccuracy),
      { title: 'validation accuracy per epoch', xLabel: 'epoch', yLabel: 'accuracy (%)', yRange: [0, 100] },
    ),
  );
  await writeFileAtomic(
    path.join(dir, 'train-accuracy.svg'),
    lineChart(
      series((r) => 100 * r.trainAccuracy),
      { title: 'train accuracy per epoch', xLabel: 'epoch', yLabel: 'accuracy (%)', yRange: [0, 100] },
    ),
  );
  await writeFileAtomic(path.join(dir, 'config.json'), JSON.stringify(info.config, null, 2));
  await writeFileAtomic(
    path.join(dir, 'results.json'),
    JSON.stringify(
      { ...results, wallSeconds: info.wallSeconds, checkpoints: info.checkpoints, ...info.extraResults },
      null,
      1,
    ),
  );
  const file = path.join(dir, 'report.md');
  await writeFileAtomic(file, reportMarkdown(results, info));
  return file;
}

/** report.md of a k-fold / multi-seed run: both tables with intervals, the paired tests, the bar chart, each run's accuracies. */
export function comparisonMarkdown(
  summary: ComparisonSummary,
  outcomes: readonly RunOutcome[],
  info: { title: string; config: unknown; wallSeconds: number; text: string },
): string {
  const names = [...new Set([...summary.table1, ...summary.table2].map((r) => r.name))];
  const out = [
    `# ${info.title}`,
    '',
    `Wall time ${info.wallSeconds.toFixed(0)} s. Every run's report is under \`folds/\`; every number is in \`results.json\`.`,
    '',
    '```',
    info.text,
    '```',
    '',
    '![accuracy with 95% intervals](accuracy.svg)',
    '',
    '## Every run',
    '',
    formatTable(
      ['fold', 'seed', ...names.map((n) => `${n} (%)`)],
      outcomes.map((o) => [String(o.fold), String(o.seed), ...names.map((n) => pct(o.scores[n]?.accuracy ?? NaN))]),
    ),
    '',
  ];
  out.push(...configurationSection(info.config));
  return out.join('\n');
}

/** Writes the k-fold report folder: report.md, results.json (summary and every run's numbers and predictions), accuracy.svg, config.json. */
export async function writeComparisonReport(
  dir: string,
  summary: ComparisonSummary,
  outcomes: readonly RunOutcome[],
  info: { title: string; config: unknown; wallSeconds: number; text: string },
): Promise<string> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  await fs.mkdir(dir, { recursive: true });
  const rows = [
    ...summary.table1.map((r) => ({ ...r, group: 'Table 1' })),
    ...summary.table2.filter((r) => r.name.includes('w/-Mut')).map((r) => ({ ...r, group: 'Table 2' })),
  ];
  await writeFileAtomic(
    path.join(dir, 'accuracy.svg'),
    barChart(
      rows.map((r) => ({
        name: r.name,
        value: 100 * r.accuracy.mean,
        low: 100 * r.accuracy.low,
        high: 100 * r.accuracy.high,
        group: r.group,
      })),
      { title: `test accuracy, mean and 95% CI over ${summary.runs} runs`, yLabel: 'accuracy (%)', yRange: [0, 100] },
    ),
  );
  await writeFileAtomic(path.join(dir, 'config.json'), JSON.stringify(info.config, null, 2));
  await writeFileAtomic(
    path.join(dir, 'results.json'),
    JSON.stringify({ ...summary, wallSeconds: info.wallSeconds, perRun: outcomes }, null, 1),
  );
  const file = path.join(dir, 'report.md');
  await writeFileAtomic(file, comparisonMarkdown(summary, outcomes, info));
  return file;
}

/** The report's last section: the run's config, as written beside it in `config.json`. */
function configurationSection(config: unknown): string[] {
  return ['## Configuration', '', 'Also in `config.json`.', '', '```json', JSON.stringify(config, null, 2), '```', ''];
}
