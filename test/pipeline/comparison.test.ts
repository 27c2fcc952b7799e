// The k-fold comparison on hand-made run outcomes: rows as mean ± CI over runs, collapsed runs
// counted, the paired tests only for pairs every run has, the text tables, the bar chart; and the
// shard arithmetic of sharded extraction (parseShard from flags and scheduler variables, shardItems).
import { describe, expect, it } from 'vitest';
import { collapsedClass, comparisonText, summarizeRuns, type RunOutcome } from '../../src/pipeline/comparison.js';
import { parseShard, shardItems } from '../../src/pipeline/extract-status.js';
import { barChart } from '../../src/report/svg-chart.js';

/** A run over 10 videos of 5 subjects: PLM-IPE right on the first `plm` videos, LBE on the first `lbe`. */
function outcome(fold: number, seed: number, plm: number, lbe: number): RunOutcome {
  const videos = Array.from({ length: 10 }, (_, i) => ({
    id: `f${fold}-v${i}`,
    subject: `f${fold}-s${i % 5}`,
    label: 1,
  }));
  const pred = (right: number) => videos.map((_, i) => (i < right ? 1 : 0));
  return {
    fold,
    seed,
    videos,
    selectedEpochs: {},
    predicted: { 'PLM-IPE': pred(plm), LBE: pred(lbe) },
    scores: { 'PLM-IPE': { accuracy: plm / 10, macroF1: 0.5 }, LBE: { accuracy: lbe / 10, macroF1: 0.4 } },
  };
}

describe('summarizeRuns', () => {
  const runs = [outcome(1, 1, 8, 5), outcome(2, 1, 7, 5), outcome(3, 1, 9, 6)];
  const s = summarizeRuns(runs, { resamples: 2000 });

  it('gives each row its mean and t-interval over runs and counts collapsed runs', () => {
    expect(s.runs).toBe(3);
    expect(s.folds).toBe(3);
    expect(s.table1.map((r) => r.name)).toEqual(['LBE', 'PLM-IPE']);
    const plm = s.table1[1].accuracy;
    expect(plm.mean).toBeCloseTo(0.8, 12);
    expect(plm.high - plm.mean).toBeCloseTo((4.303 * 0.1) / Math.sqrt(3), 9); // sd 0.1, t(2)
    // LBE predicted class 1 for the first 5 and class 0 for the rest: not collapsed; a run of all 0s is.
    expect(s.table1[0].collapsedRuns).toBe(0);
    expect(summarizeRuns([outcome(1, 1, 0, 0)]).table1[0].collapsedRuns).toBe(1);
    expect(collapsedClass([2, 2, 2])).toBe(2);
    expect(collapsedClass([2, 1])).toBeNull();
  });

  it('pairs PLM-IPE with LBE on the same videos: the bootstrap difference is exact, the sign test counts runs', () => {
    expect(s.comparisons.map((c) => `${c.a}/${c.b}`)).toEqual(['PLM-IPE/LBE']);
    const c = s.comparisons[0];
    expect(c.bootstrap.difference).toBeCloseTo((3 + 2 + 3) / 30, 12);
    expect(c.bootstrap.clusters).toBe(15);
    expect(c.bootstrap.p).toBeLessThan(0.01); // PLM-IPE never worse on any subject
    expect(c.sign).toMatchObject({ wins: 3, losses: 0, ties: 0, p: 0.25 });
    const text = comparisonText(s);
    expect(text).toContain('Over 3 run(s): 3 subject-disjoint folds x 1 seed(s) (1)');
    expect(text).toMatch(/\| PLM-IPE +\| +80\.0 ± 24\.8 \|/);
    expect(text).toMatch(/\| PLM-IPE vs LBE +\| +\+26\.7 \|.*PLM-IPE better \|/);
    expect(text).toContain('its smallest possible value is 0.250');
    expect(() => summarizeRuns([])).toThrow(/no runs/);
  });

  it('a seed averages per video before the bootstrap (each video is one unit)', () => {
    const two = summarizeRuns([outcome(1, 1, 8, 5), outcome(1, 2, 6, 5)], { resamples: 200 });
    expect(two.comparisons[0].bootstrap.clusters).toBe(5);
    expect(two.comparisons[0].bootstrap.difference).toBeCloseTo((3 + 1) / 20, 12);
  });
});

describe('barChart', () => {
  it('draws a bar and a whisker per row, escaping names', () => {
    const svg = barChart(
      [
        { name: 'PLM-IPE', value: 60, low: 50, high: 70 },
        { name: 'A<B', value: 40 },
      ],
      { title: 't', yRange: [0, 100] },
    );
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<rect x=/g)).toHaveLength(3); // two bars and the frame
    expect(svg).toContain('A&lt;B');
  });
});

describe('shards', () => {
  it('parses I/N and the scheduler variables, with errors naming the problem', () => {
    expect(parseShard('2/8')).toEqual({ index: 2, count: 8 });
    expect(
      parseShard('env', { SLURM_ARRAY_TASK_ID: '5', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '8' }),
    ).toEqual({ index: 4, count: 8 });
    expect(parseShard('env/4', { JOB_COMPLETION_INDEX: '3' })).toEqual({ index: 3, count: 4 });
    expect(() => parseShard('8/8')).toThrow(/index 8 is not below the shard count 8/);
    expect(() => parseShard('1-4')).toThrow(/--shard must be I\/N .* got '1-4'/);
    expect(() => parseShard('env', {})).toThrow(/neither SLURM_ARRAY_TASK_ID .* nor JOB_COMPLETION_INDEX/);
    expect(() => parseShard('env', { SLURM_ARRAY_TASK_ID: 'x', SLURM_ARRAY_TASK_COUNT: '2' })).toThrow(
      /SLURM_ARRAY_TASK_ID must be a non-negative integer, got 'x'/,
    );
  });

  it('every item is in exactly one shard, shards within one item of each other', () => {
    const items = Array.from({ length: 23 }, (_, i) => i);
    const shards = [0, 1, 2, 3].map((index) => shardItems(items, { index, count: 4 }));
    expect(shards.flat().sort((a, b) => a - b)).toEqual(items);
    expect(shards.map((s) => s.length)).toEqual([6, 6, 6, 5]);
    expect(shardItems(items, undefined)).toEqual(items);
  });
});
