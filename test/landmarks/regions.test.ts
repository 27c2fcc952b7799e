// The 36 regions on the template face: every polygon is non-empty, they do not overlap, the label map
// paints them, and the layout is mirror-symmetric.
import { describe, expect, it } from 'vitest';
import { faceRegions, REGION_MIRROR_PAIRS, regionLabelMap } from '../../src/landmarks/regions.js';
import { mirrorLandmarks, templateLandmarks } from '../../src/landmarks/template.js';
import type { Point2 } from '../../src/landmarks/types.js';

function inside(poly: Point2[], x: number, y: number): boolean {
  let c = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const a = poly[j];
    const b = poly[i];
    if (a.y <= y !== b.y <= y && x < a.x + ((y - a.y) * (b.x - a.x)) / (b.y - a.y)) c = !c;
  }
  return c;
}

describe('faceRegions on the template face', () => {
  const S = 128;
  const tpl = templateLandmarks(S);
  const polys = faceRegions(tpl);

  it('gives 36 non-empty polygons whose label counts match the spec (~69-304 px each at S = 128)', () => {
    expect(polys).toHaveLength(36);
    const labels = regionLabelMap(polys, S).data;
    const counts = new Array(37).fill(0);
    for (const l of labels) counts[l]++;
    const roi = counts.slice(1);
    expect(Math.min(...roi)).toBeGreaterThan(40);
    expect(Math.max(...roi)).toBeLessThan(400);
    const total = roi.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(5500);
    expect(total).toBeLessThan(6700);
  });

  it('are pairwise disjoint (sampled on a fine grid off the pixel lattice)', () => {
    let overlaps = 0;
    let covered = 0;
    for (let y = 0.13; y < S; y += 0.5) {
      for (let x = 0.29; x < S; x += 0.5) {
        let n = 0;
        for (const p of polys) if (inside(p, x, y)) n++;
        if (n > 1) overlaps++;
        if (n > 0) covered++;
      }
    }
    expect(covered).toBeGreaterThan(20000);
    expect(overlaps).toBe(0);
  });

  it('is mirror-symmetric: region k of the flipped face is the flip of its partner', () => {
    const flipped = faceRegions(mirrorLandmarks(tpl, S));
    const partner = new Map<number, number>();
    for (const [a, b] of REGION_MIRROR_PAIRS) {
      partner.set(a, b);
      partner.set(b, a);
    }
    expect(partner.size).toBe(36);
    const key = (ps: Point2[]) =>
      ps
        .map((p) => `${p.x.toFixed(6)},${p.y.toFixed(6)}`)
        .sort()
        .join(' ');
    for (let k = 1; k <= 36; k++) {
      const mine = flipped[k - 1];
      const theirs = polys[partner.get(k)! - 1].map((p) => ({ x: S - 1 - p.x, y: p.y }));
      expect(key(mine)).toBe(key(theirs));
    }
  });

  it("offers the source port's ROI 7 triangle", () => {
    const src = faceRegions(tpl, { roi7: 'source' });
    expect(src[6]).toHaveLength(3);
    expect(polys[6]).toHaveLength(4);
  });

  it('clips polygons that leave the image', () => {
    const labels = regionLabelMap(
      [
        [
          { x: -10, y: -10 },
          { x: 20, y: -10 },
          { x: 20, y: 5.5 },
          { x: -10, y: 5.5 },
        ],
      ],
      { width: 8, height: 4 },
    );
    expect(Array.from(labels.data).every((v) => v === 1)).toBe(true);
  });
});
