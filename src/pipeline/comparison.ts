// Aggregating runs over folds and seeds into a comparison a paper can defend: each table row as
// mean ± 95 % t-interval over the (fold, seed) runs, and PLM-IPE against each baseline (and each
// mutual branch against its lone twin) by a paired bootstrap over test subjects and a sign test
// over runs. Numbers and text only; training and files are the caller's (demo.ts, report.ts).
import {
  meanInterval,
  pairedBootstrap,
  signTest,
  type MeanInterval,
  type PairedBootstrap,
  type SignTest,
} from '../eval/statistics.js';
import { formatTable } from './report.js';

/** One (fold, seed) run's test outcome for every table row. */
export interface RunOutcome {
  /** 1-based fold (1 for a single split). */
  fold: number;
  seed: number;
  /** Test videos in evaluation order. */
  videos: { id: string; subject: string; label: number }[];
  /** Per row name (PBE ... PLM-IPE, PBE-w/-Mut, LBE-w/-Mut): predicted class per test video. */
  predicted: Record<string, number[]>;
  /** Per row name: accuracy and macro F1 of this run. */
  scores: Record<string, { accuracy: number; macroF1: number }>;
  /** The epoch each trained method reports (picked on validation). */
  selectedEpochs: Record<string, number>;
}

/** One row of a comparison table. */
export interface RowSummary {
  name: string;
  accuracy: MeanInterval;
  macroF1: MeanInterval;
  /** Runs in which this row predicted one class for every test video (a collapse; see {@link collapsedClass}). */
  collapsedRuns: number;
}

/**
 * The class a prediction list collapsed onto (every video predicted as it), or null. A method
 * that does this learned nothing but the class prior, whatever its accuracy.
 */
export function collapsedClass(predicted: readonly number[]): number | null {
  return predicted.length > 1 && predicted.every((p) => p === predicted[0]) ? predicted[0] : null;
}

/** A paired comparison of row `a` against row `b`. */
export interface PairedComparison {
  a: string;
  b: string;
  /** Paired bootstrap of per-video correctness (averaged over seeds), resampling test subjects. */
  bootstrap: PairedBootstrap;
  /** Sign test of the per-run accuracy differences. */
  sign: SignTest;
}

/** Everything the comparison report shows. */
export interface ComparisonSummary {
  runs: number;
  folds: number;
  seeds: number[];
  table1: RowSummary[];
  table2: RowSummary[];
  comparisons: PairedComparison[];
}

const TABLE1 = ['PBE', 'LBE', 'EarlyFusion', 'LateFusion', 'PLM-IPE'];
const TABLE2 = ['PBE', 'LBE', 'PBE-w/-Mut', 'LBE-w/-Mut'];

/** The pairs compared: PLM-IPE against every other Table 1 method, each mutual branch against its lone twin. */
export const COMPARED_PAIRS: readonly (readonly [string, string])[] = [
  ['PLM-IPE', 'PBE'],
  ['PLM-IPE', 'LBE'],
  ['PLM-IPE', 'EarlyFusion'],
  ['PLM-IPE', 'LateFusion'],
  ['PBE-w/-Mut', 'PBE'],
  ['LBE-w/-Mut', 'LBE'],
];

/**
 * Summarises runs: rows as mean ± 95 % CI over runs, and the paired tests of {@link COMPARED_PAIRS}
 * whose two rows every run has.
 * @example
 * const s = summarizeRuns(outcomes, { resamples: 10000 }); s.table1[4].accuracy.mean; s.comparisons[0].bootstrap.p;
 */
export function summarizeRuns(
  outcomes: readonly RunOutcome[],
  options: { resamples?: number } = {},
): ComparisonSummary {
  if (outcomes.length === 0) throw new Error('summarizeRuns: no runs');
  const has = (name: string) => outcomes.every((o) => o.scores[name]);
  const row = (name: string): RowSummary => ({
    name,
    accuracy: meanInterval(outcomes.map((o) => o.scores[name].accuracy)),
    macroF1: meanInterval(outcomes.map((o) => o.scores[name].macroF1)),
    collapsedRuns: outcomes.filter((o) => o.predicted[name] && collapsedClass(o.predicted[name]) !== null).length,
  });
  const comparisons: PairedComparison[] = [];
  for (const [a, b] of COMPARED_PAIRS) {
    if (!has(a) || !has(b)) continue;
    // Per test video, correctness averaged over the seeds that tested it (each video is in one fold's test part).
    const perVideo = new Map<string, { cluster: string; a: number; b: number; n: number }>();
    for (const o of outcomes) {
      o.videos.forEach((v, i) => {
        const u = perVideo.get(v.id) ?? { cluster: v.subject, a: 0, b: 0, n: 0 };
        u.a += o.predicted[a][i] === v.label ? 1 : 0;
        u.b += o.predicted[b][i] === v.label ? 1 : 0;
        u.n++;
        perVideo.set(v.id, u);
      });
    }
    const units = [...perVideo.values()].map((u) => ({ cluster: u.cluster, a: u.a / u.n, b: u.b / u.n }));
    comparisons.push({
      a,
      b,
      bootstrap: pairedBootstrap(units, { resamples: options.resamples, seed: `${a}/${b}` }),
      sign: signTest(outcomes.map((o) => o.scores[a].accuracy - o.scores[b].accuracy)),
    });
  }
  return {
    runs: outcomes.length,
    folds: new Set(outcomes.map((o) => o.fold)).size,
    seeds: [...new Set(outcomes.map((o) => o.seed))],
    table1: TABLE1.filter(has).map(row),
    table2: TABLE2.filter(has).map(row),
    comparisons,
  };
}

const pct = (v: number): string => (100 * v).toFixed(1);
const interval = (m: MeanInterval, scale = 100, digits = 1): string =>
  m.n > 1
    ? `${(scale * m.mean).toFixed(digits)} ± ${((scale * (m.high - m.low)) / 2).toFixed(digits)}`
    : (scale * m.mean).toFixed(digits);
const pValue = (p: number): string => (p < 0.001 ? '< 0.001' : p.toFixed(3));

/** A table of rows as mean ± CI half-width (accuracy in %, macro F1). */
export function intervalTable(rows: readonly RowSummary[]): string {
  return formatTable(
    ['Method', 'Accuracy(%) mean ± 95% CI', 'Macro F1', 'Runs collapsed to one class'],
    rows.map((r) => [r.name, interval(r.accuracy), interval(r.macroF1, 1, 3), `${r.collapsedRuns}/${r.accuracy.n}`]),
  );
}

/** The paired comparisons as a table, with a verdict at the 5 % level; the sign-test columns only when there are several runs. */
export function comparisonTable(comparisons: readonly PairedComparison[]): string {
  const withSign = comparisons.some((c) => c.sign.wins + c.sign.losses + c.sign.ties > 1);
  return formatTable(
    [
      'Comparison',
      'Difference (points)',
      '95% CI',
      'p (bootstrap)',
      ...(withSign ? ['Runs won/lost/tied', 'p (sign)'] : []),
      'At 5%',
    ],
    comparisons.map((c) => [
      `${c.a} vs ${c.b}`,
      `${c.bootstrap.difference >= 0 ? '+' : ''}${pct(c.bootstrap.difference)}`,
      `[${pct(c.bootstrap.low)}, ${pct(c.bootstrap.high)}]`,
      pValue(c.bootstrap.p),
      ...(withSign ? [`${c.sign.wins}/${c.sign.losses}/${c.sign.ties}`, pValue(c.sign.p)] : []),
      c.bootstrap.p < 0.05 ? (c.bootstrap.difference > 0 ? `${c.a} better` : `${c.b} better`) : 'not significant',
    ]),
  );
}

/** The comparison as text (console and report.md): both tables with intervals, then the paired tests and how to read them. */
export function comparisonText(s: ComparisonSummary): string {
  const what = s.folds > 1 ? `${s.folds} subject-disjoint folds` : 'one subject split';
  return [
    `Over ${s.runs} run(s): ${what} x ${s.seeds.length} seed(s) (${s.seeds.join(', ')}); mean ± half-width of the 95 % t-interval over runs.`,
    '',
    'Table 1: Performance comparison among different methods.',
    intervalTable(s.table1),
    '',
    'Table 2: The ablation study of our proposed method.',
    intervalTable(s.table2),
    '',
    'Paired comparisons: difference in accuracy on the same test videos; p (bootstrap) resamples test subjects ' +
      `(${s.comparisons[0]?.bootstrap.resamples ?? 0} resamples), p (sign) is the exact sign test over runs ` +
      `(with ${s.runs} runs its smallest possible value is ${pValue(Math.min(1, 2 / 2 ** s.runs))}).`,
    comparisonTable(s.comparisons),
  ].join('\n');
}
