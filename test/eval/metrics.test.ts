import { describe, expect, it } from 'vitest';
import { classificationReport, argmaxRows } from '../../src/eval/metrics.js';
import { lineChart } from '../../src/report/svg-chart.js';

describe('classificationReport', () => {
  it('computes accuracy, the confusion matrix and per-class F1', () => {
    const r = classificationReport([0, 0, 1, 1, 2, 2], [0, 1, 1, 1, 2, 0], 3);
    expect(r.accuracy).toBeCloseTo(4 / 6);
    expect(r.confusion).toEqual([
      [1, 1, 0],
      [0, 2, 0],
      [1, 0, 1],
    ]);
    expect(r.perClass[1].precision).toBeCloseTo(2 / 3);
    expect(r.perClass[1].recall).toBe(1);
    expect(r.perClass[1].f1).toBeCloseTo(0.8);
    expect(r.macroF1).toBeCloseTo((0.5 + 0.8 + 2 / 3) / 3);
  });
  it('rejects labels outside the classes', () => {
    expect(() => classificationReport([0, 3], [0, 1], 3)).toThrow(/truth\[1\] = 3 is not a class in \[0, 2\]/);
    expect(() => classificationReport([0], [0, 1], 3)).toThrow(/truth has 1 labels but predicted has 2/);
  });
  it('argmaxRows picks the largest entry per row', () => {
    expect(argmaxRows([0.1, 0.7, 0.2, 0.5, 0.2, 0.3], 3)).toEqual([1, 0]);
  });
});

describe('lineChart', () => {
  it('renders a valid SVG with one polyline per series and escaped names', () => {
    const svg = lineChart(
      [
        { name: 'PBE', values: [1, 0.8, 0.6] },
        { name: 'A<B', values: [1.2, 0.9, NaN] },
      ],
      { title: 'loss', xLabel: 'epoch' },
    );
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg).toContain('A&lt;B');
  });
});
