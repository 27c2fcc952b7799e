// The 72-d descriptor on a synthetic face: motion injected in one region is that region's maximum
// with the right direction, a static noisy sequence stays (near) zero, global head motion is removed,
// and missing faces give zero rows with validity 0 as the spec's hold/restart rules say.
import { describe, expect, it } from 'vitest';
import {
  describeFlow,
  describeVideo,
  descriptorSize,
  DescriptorStream,
  landmarkDescriptor,
} from '../../src/landmarks/descriptor.js';
import { faceRegions, regionLabelMap } from '../../src/landmarks/regions.js';
import { templateLandmarks } from '../../src/landmarks/template.js';
import { faceFrame, faceLandmarks, makeTexture, regionMask, rng } from './helpers.js';

const texture = makeTexture(11);
const lm = faceLandmarks();

/** Smallest angle between two directions, degrees. */
function angleDiff(a: number, b: number): number {
  const d = Math.abs(a - b) % 360;
  return Math.min(d, 360 - d);
}

describe('landmarkDescriptor: injected regional motion', () => {
  // Content moves by `shift` (crop px) inside one region; θ is measured with y down (270° = up).
  const cases: [number, { x: number; y: number }][] = [
    [2, { x: 0, y: -0.9 }], // above the right brow, raised (spec's sanity check: θ ≈ 264°)
    [26, { x: -0.6, y: -0.6 }], // right mouth corner pulled up and out (image-left)
    [30, { x: 0.7, y: 0.5 }], // below the lower lip, down-right
  ];
  it.each(cases)('region %i moving by %o is the maximum, in the right direction', (region, shift) => {
    const prev = faceFrame({ texture });
    const next = faceFrame({ texture, mask: regionMask(region), shift });
    const d = landmarkDescriptor({ prev, next, landmarks: lm });
    expect(d.valid).toBe(true);
    expect(d.values).toHaveLength(72);
    const mags = Array.from(d.values.subarray(36));
    const argmax = mags.indexOf(Math.max(...mags)) + 1;
    expect(argmax).toBe(region);
    expect(mags[region - 1]).toBeCloseTo(1, 6);
    const theta = d.values[region - 1] * 360;
    const truth = ((Math.atan2(shift.y, shift.x) * 180) / Math.PI + 360) % 360;
    expect(angleDiff(theta, truth)).toBeLessThan(25);
    // Far-away regions stay still.
    const far = region <= 14 ? [29, 30, 31, 32, 33, 34, 35, 36] : [1, 2, 3, 4, 5, 6];
    for (const k of far) expect(mags[k - 1]).toBeLessThan(0.5);
  });

  it('uses the same pipeline with per-frame alignment when both landmark sets are given', () => {
    const prev = faceFrame({ texture });
    const next = faceFrame({ texture, mask: regionMask(2), shift: { x: 0, y: -0.9 } });
    const d = landmarkDescriptor({ prev, next, landmarks: lm, nextLandmarks: lm }, { alignment: 'per-frame' });
    const mags = Array.from(d.values.subarray(36));
    expect(mags.indexOf(Math.max(...mags)) + 1).toBe(2);
  });
});

describe('landmarkDescriptor: static and head motion', () => {
  it('a static sequence with sensor noise (σ = 2) stays near zero', () => {
    const r = rng(3);
    const frames = Array.from({ length: 6 }, () => faceFrame({ texture, noise: 2, noiseRng: r }));
    const v = describeVideo(
      frames,
      frames.map(() => lm),
    );
    expect(Array.from(v.valid)).toEqual([0, 1, 1, 1, 1, 1]);
    let maxRho = 0;
    let sumM = 0;
    let zeros = 0;
    for (let t = 1; t < v.length; t++) {
      for (let k = 0; k < 36; k++) {
        maxRho = Math.max(maxRho, v.rhoIod[t * 36 + k]);
        const m = v.values[t * 72 + 36 + k];
        sumM += m;
        if (m === 0 && v.values[t * 72 + k] === 0) zeros++;
      }
    }
    // No frame reaches the noise floor (0.15 px at S = 128), so noise is never normalised up to 1.
    expect(maxRho * 53.3).toBeLessThan(0.15);
    expect(sumM / (5 * 36)).toBeLessThan(0.05);
    expect(zeros / (5 * 36)).toBeGreaterThan(0.85);
  });

  it('removes a global (head) shift that alignment did not catch', () => {
    const prev = faceFrame({ texture });
    const next = faceFrame({ texture, globalShift: { x: 0.6, y: -0.4 } });
    const corrected = landmarkDescriptor({ prev, next, landmarks: lm });
    const raw = landmarkDescriptor({ prev, next, landmarks: lm }, { headMotion: { model: 'none' } });
    const affine = landmarkDescriptor({ prev, next, landmarks: lm }, { headMotion: { model: 'affine' } });
    expect(Math.max(...raw.rhoIod) * 53.3).toBeGreaterThan(0.5);
    expect(Math.max(...corrected.rhoIod) * 53.3).toBeLessThan(0.15);
    expect(Math.max(...affine.rhoIod) * 53.3).toBeLessThan(0.15);
  });
});

describe('missing faces', () => {
  const frames = Array.from({ length: 12 }, (_, t) =>
    faceFrame({ texture, mask: regionMask(2), shift: { x: 0, y: -0.3 * t } }),
  );

  it('a pair without landmarks gives a zero vector with validity 0', () => {
    const d = landmarkDescriptor({ prev: frames[0], next: frames[1], landmarks: null });
    expect(d.valid).toBe(false);
    expect(Array.from(d.values).every((v) => v === 0)).toBe(true);
    expect(d.values).toHaveLength(72);
  });

  it('with holdFrames 0, a frame without a face is zero and invalid, and the chain restarts after it', () => {
    const marks = frames.map((_, t) => (t === 4 ? null : lm));
    const v = describeVideo(frames, marks, { holdFrames: 0 });
    expect(v.length).toBe(12);
    expect(Array.from(v.valid)).toEqual([0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1]);
    for (const t of [0, 4, 5])
      expect(Array.from(v.values.subarray(t * 72, (t + 1) * 72)).every((x) => x === 0)).toBe(true);
    expect(Math.max(...v.values.subarray(3 * 72 + 36, 4 * 72))).toBe(1);
  });

  it('holds the last landmarks for up to 5 frames, then goes invalid until re-detection', () => {
    const short = frames.map((_, t) => (t === 4 || t === 5 ? null : lm));
    expect(Array.from(describeVideo(frames, short).valid)).toEqual([0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    const long = frames.map((_, t) => (t >= 2 && t <= 8 ? null : lm));
    // Frames 2..6 are held (missing 1..5), 7 and 8 are lost; 9 is re-detected but has no valid predecessor.
    expect(Array.from(describeVideo(frames, long).valid)).toEqual([0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1]);
  });

  it('prependZero: false drops the leading empty row', () => {
    const v = describeVideo(frames.slice(0, 3), [lm, lm, lm], { prependZero: false });
    expect(v.length).toBe(2);
    expect(Array.from(v.valid)).toEqual([1, 1]);
  });

  it('DescriptorStream gives the same rows as describeVideo', () => {
    const stream = new DescriptorStream();
    const rows = frames.slice(0, 4).map((f) => stream.push(f, lm));
    const v = describeVideo(frames.slice(0, 4), [lm, lm, lm, lm]);
    rows.forEach((r, t) => expect(Array.from(r.values)).toEqual(Array.from(v.values.subarray(t * 72, (t + 1) * 72))));
  });
});

describe("reference: 'first'", () => {
  // Region 2 keeps moving up by 0.3 px per frame: consecutive flow sees 0.3 px every frame, flow from
  // the first frame sees the growing displacement 0.3·t.
  const frames = Array.from({ length: 5 }, (_, t) =>
    faceFrame({ texture, mask: regionMask(2), shift: { x: 0, y: -0.3 * t } }),
  );
  const marks = frames.map(() => lm);
  const rho = (v: ReturnType<typeof describeVideo>, t: number) => v.rhoIod[t * 36 + 1] * 53.3;

  it('measures the displacement since the first frame, growing with t', () => {
    const prev = describeVideo(frames, marks, { magnitude: 'iod' });
    const first = describeVideo(frames, marks, { magnitude: 'iod', reference: 'first' });
    expect(Array.from(first.valid)).toEqual([0, 1, 1, 1, 1]);
    for (let t = 1; t < 5; t++) {
      // Farneback recovers ~45 % of a motion confined to one small region (its window averages in the
      // still surroundings), so compare against 0.3·(0.3 px·t) and against the consecutive flow.
      expect(rho(prev, t)).toBeLessThan(0.25);
      expect(rho(first, t)).toBeGreaterThan(0.3 * 0.3 * t);
      // Region 2 is the largest motion, and it points up (θ ≈ 270°).
      const mags = Array.from(first.values.subarray(t * 72 + 36, t * 72 + 72));
      expect(mags.indexOf(Math.max(...mags))).toBe(1);
      expect(angleDiff(first.values[t * 72 + 1] * 360, 270)).toBeLessThan(25);
    }
    expect(rho(first, 4)).toBeGreaterThan(3 * rho(first, 1));
    // 'iod' magnitudes are displacements here: no fps scaling, so the value is rho / IOD.
    expect(first.values[4 * 72 + 36 + 1]).toBeCloseTo(first.rhoIod[4 * 36 + 1], 5);
  });

  it('restarts from the next detected frame after the face is lost, and on reset()', () => {
    const lost = frames.map((_, t) => (t === 2 ? null : lm));
    const v = describeVideo(frames, lost, { reference: 'first', holdFrames: 0 });
    expect(Array.from(v.valid)).toEqual([0, 1, 0, 0, 1]);
    const stream = new DescriptorStream({ reference: 'first' });
    stream.push(frames[0], lm);
    stream.push(frames[1], lm);
    stream.reset();
    expect(stream.push(frames[3], lm).valid).toBe(false);
    const d = stream.push(frames[4], lm);
    expect(d.valid).toBe(true);
    expect(d.rhoIod[1] * 53.3).toBeLessThan(0.5);
  });

  it('rejects an unknown reference', () => {
    expect(() => new DescriptorStream({ reference: 'last' as never })).toThrow(
      /options\.reference.*'previous' or 'first'.*last/,
    );
  });
});

describe('describeFlow', () => {
  const S = 128;
  const labels = regionLabelMap(faceRegions(templateLandmarks(S)), S);
  const field = (fn: (label: number) => [number, number]) => {
    const data = new Float32Array(S * S * 2);
    for (let p = 0; p < S * S; p++) {
      const [u, v] = fn(labels.data[p]);
      data[2 * p] = u;
      data[2 * p + 1] = v;
    }
    return { width: S, height: S, data };
  };

  it('takes the fullest 45° bin, averages it, and normalises by the max', () => {
    // Region 5: 2/3 of pixels move up-left at 0.8 px, 1/3 right at 3 px. Main bin wins by count, not speed.
    let i = 0;
    const f = field((k) =>
      k === 5 ? (i++ % 3 === 2 ? [3, 0] : [-0.8 * Math.SQRT1_2, -0.8 * Math.SQRT1_2]) : k === 12 ? [0, 0.4] : [0, 0],
    );
    const r = describeFlow(f, labels);
    expect(r.rho[4]).toBeCloseTo(0.8, 5);
    expect((r.theta[4] * 180) / Math.PI).toBeCloseTo(225, 3);
    expect(r.values[4]).toBeCloseTo(225 / 360, 5);
    expect(r.values[36 + 4]).toBeCloseTo(1, 6);
    expect(r.values[36 + 11]).toBeCloseTo(0.5, 5);
    expect((r.theta[11] * 180) / Math.PI).toBeCloseTo(90, 3);
    expect(r.values[36 + 0]).toBe(0);
  });

  it('floors the normalisation and zeroes static regions', () => {
    const f = field((k) => (k === 1 ? [0.1, 0] : k === 2 ? [0.05, 0] : [0, 0]));
    const r = describeFlow(f, labels);
    expect(r.values[36]).toBeCloseTo(0.1 / 0.15, 5); // below the floor: not blown up to 1
    expect(r.values[37]).toBe(0); // 0.05 < ρ_static = 0.075
    expect(r.values[1]).toBe(0);
  });

  it('offers the sin/cos (108-d), Cartesian-mean and IOD-magnitude variants', () => {
    const f = field((k) => (k === 3 ? [0, -2] : [0, 0]));
    const sc = describeFlow(f, labels, null, { orientation: 'sincos' });
    expect(sc.values).toHaveLength(108);
    expect(descriptorSize({ orientation: 'sincos' })).toBe(108);
    expect(sc.values[2]).toBeCloseTo(0, 5);
    expect(sc.values[36 + 2]).toBeCloseTo(-1, 5);
    expect(sc.values[72 + 2]).toBeCloseTo(1, 5);
    const cart = describeFlow(f, labels, null, { mean: 'cartesian' });
    expect(cart.rho[2]).toBeCloseTo(2, 5);
    const iod = describeFlow(f, labels, null, { magnitude: 'iod', iod: 50, fps: 25 });
    expect(iod.values[36 + 2]).toBeCloseTo(0.04, 5);
  });

  it('ignores invalid pixels and treats regions with < 10 valid pixels as empty', () => {
    const f = field((k) => (k === 7 ? [1, 1] : [0, 0]));
    const valid = new Uint8Array(S * S).fill(1);
    for (let p = 0; p < S * S; p++) if (labels.data[p] === 7) valid[p] = 0;
    const r = describeFlow(f, labels, valid);
    expect(r.pixels[6]).toBe(0);
    expect(r.values[36 + 6]).toBe(0);
  });
});
