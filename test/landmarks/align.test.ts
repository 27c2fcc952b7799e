// Alignment: the closed-form similarity fit recovers a known transform, alignFace maps a rotated,
// scaled, shifted template back onto the template, and warpGray samples the frame where it should.
import { describe, expect, it } from 'vitest';
import { alignFace, applyTransform, fitSimilarity, invertTransform } from '../../src/landmarks/align.js';
import { templateLandmarks } from '../../src/landmarks/template.js';
import type { SimilarityTransform } from '../../src/landmarks/types.js';
import { toGray, warpGray } from '../../src/landmarks/warp.js';
import { faceFrame, FACE_TRANSFORM, faceLandmarks, makeTexture } from './helpers.js';

function similarity(scale: number, deg: number, tx: number, ty: number): SimilarityTransform {
  const t = (deg * Math.PI) / 180;
  return { a: scale * Math.cos(t), b: scale * Math.sin(t), tx, ty };
}

describe('alignFace', () => {
  it('aligns a rotated, scaled, shifted template back onto the template within 0.01 px', () => {
    const tpl = templateLandmarks(128);
    for (const [s, deg, tx, ty] of [
      [2.3, 17, 410, -35],
      [0.4, -35, 12.5, 300],
      [1, 180, 0, 0],
      [5.7, 90, -1000, 55],
    ]) {
      const moved = applyTransform(similarity(s, deg, tx, ty), tpl);
      const { landmarks, iod, size } = alignFace(moved, { size: 128 });
      expect(size).toBe(128);
      let worst = 0;
      for (let i = 0; i < 68; i++)
        worst = Math.max(worst, Math.hypot(landmarks[i].x - tpl[i].x, landmarks[i].y - tpl[i].y));
      expect(worst).toBeLessThan(0.01);
      expect(iod).toBeCloseTo(53.3, 1);
    }
  });

  it('places the template as the spec says (S = 128)', () => {
    const t = templateLandmarks(128);
    expect(t[36].x).toBeCloseTo(36.6, 1);
    expect(t[36].y).toBeCloseTo(43.1, 1);
    expect(t[45].x).toBeCloseTo(89.9, 1);
    expect(t[8].y).toBeCloseTo(116.4, 1);
  });

  it('fitSimilarity is the least-squares fit: noise-free recovery and invertTransform round-trips', () => {
    const T = similarity(1.7, -23, 5, 9);
    const src = templateLandmarks(200);
    const fit = fitSimilarity(src, applyTransform(T, src));
    expect(fit.a).toBeCloseTo(T.a, 10);
    expect(fit.b).toBeCloseTo(T.b, 10);
    expect(fit.tx).toBeCloseTo(T.tx, 8);
    const back = applyTransform(invertTransform(T), applyTransform(T, src));
    expect(Math.abs(back[30].x - src[30].x)).toBeLessThan(1e-9);
  });

  it('uses only the anchors: moving the mouth does not move the alignment', () => {
    const pts = faceLandmarks();
    const smile = pts.map((p, i) => (i >= 48 ? { x: p.x + 6, y: p.y - 4 } : p));
    const a = alignFace(pts).transform;
    const b = alignFace(smile).transform;
    expect(Math.abs(a.a - b.a) + Math.abs(a.b - b.b) + Math.abs(a.tx - b.tx) + Math.abs(a.ty - b.ty)).toBeLessThan(
      1e-12,
    );
  });
});

describe('warpGray', () => {
  it('reproduces the texture in crop coordinates and flags out-of-frame pixels', () => {
    const texture = makeTexture(5);
    const frame = faceFrame({ texture });
    const { transform } = alignFace(faceLandmarks());
    expect(transform.a).toBeCloseTo(FACE_TRANSFORM.a, 6);
    const crop = warpGray(frame, transform, 128, { supersample: 1 });
    let err = 0;
    let n = 0;
    for (let y = 10; y < 118; y += 3) {
      for (let x = 10; x < 118; x += 3) {
        if (!crop.valid[y * 128 + x]) continue;
        err += Math.abs(crop.data[y * 128 + x] - texture(x, y));
        n++;
      }
    }
    // Bilinear resampling of a rounded, band-limited texture: small error.
    expect(err / n).toBeLessThan(3);
    expect(n).toBeGreaterThan(1000);
    // A transform that puts the frame far away gives an all-invalid, all-zero crop.
    const away = warpGray(frame, { a: 1, b: 0, tx: 5000, ty: 0 }, 32);
    expect(away.valid.every((v) => v === 0)).toBe(true);
    expect(away.data.every((v) => v === 0)).toBe(true);
  });

  it('accepts RGB, RGBA and gray frames with the same result', () => {
    const rgba = faceFrame({ texture: makeTexture(9), width: 64, height: 48 });
    const n = 64 * 48;
    const rgb = new Uint8Array(n * 3);
    for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) rgb[3 * i + c] = rgba.data[4 * i + c];
    const gray = toGray(rgba);
    const grayU8 = Uint8Array.from(gray.data, (v) => Math.round(v));
    const T = { a: 1.5, b: 0.2, tx: -3, ty: 2 };
    const a = warpGray(rgba, T, 32);
    const b = warpGray({ width: 64, height: 48, data: rgb }, T, 32);
    const c = warpGray({ width: 64, height: 48, data: grayU8 }, T, 32);
    for (let i = 0; i < a.data.length; i++) {
      expect(Math.abs(a.data[i] - b.data[i])).toBeLessThan(1e-3);
      expect(Math.abs(a.data[i] - c.data[i])).toBeLessThan(0.6);
    }
  });
});
