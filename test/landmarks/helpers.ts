// Shared fixtures for the landmark tests: a seeded band-limited texture, frames rendered from it
// through a known similarity (a synthetic "face" whose landmarks are the template), and local motion
// confined to one region. Not a test file itself (no .test.ts suffix).
import { applyTransform, invertTransform } from '../../src/landmarks/align.js';
import { faceRegions, regionLabelMap } from '../../src/landmarks/regions.js';
import { templateLandmarks } from '../../src/landmarks/template.js';
import type { Frame, Point2, SimilarityTransform } from '../../src/landmarks/types.js';

/** Mulberry32: a small deterministic PRNG (tests only). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples from a uniform rng (Box–Muller). */
export function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** A smooth random texture: a sum of sinusoids with wavelengths of 6–40 px, values roughly 128 ± 70. */
export function makeTexture(seed: number, waves = 24): (x: number, y: number) => number {
  const r = rng(seed);
  const comps = Array.from({ length: waves }, () => {
    const lambda = 6 + 34 * r();
    const ang = 2 * Math.PI * r();
    const k = (2 * Math.PI) / lambda;
    return { kx: k * Math.cos(ang), ky: k * Math.sin(ang), ph: 2 * Math.PI * r(), amp: 1 + r() };
  });
  const norm = 70 / Math.sqrt(comps.reduce((s, c) => s + (c.amp * c.amp) / 2, 0)) / 1.4;
  return (x, y) => {
    let s = 0;
    for (const c of comps) s += c.amp * Math.sin(c.kx * x + c.ky * y + c.ph);
    return 128 + norm * s;
  };
}

/** Renders a single-channel image of `w`×`h` from `f` (rounded and clamped to 0–255). */
export function renderGray(w: number, h: number, f: (x: number, y: number) => number): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) out[y * w + x] = Math.max(0, Math.min(255, Math.round(f(x, y))));
  return out;
}

/** The frame → crop similarity of the synthetic face: scale, rotation and shift of the template. */
export const FACE_TRANSFORM: SimilarityTransform = (() => {
  // Face ~1.6x bigger than the 128 crop, rotated 8 degrees, placed in a 320x240 frame.
  const s = 1 / 1.6;
  const ang = (-8 * Math.PI) / 180;
  const a = s * Math.cos(ang);
  const b = s * Math.sin(ang);
  // Crop centre (64, 64) comes from frame point (160, 125).
  return { a, b, tx: 64 - (a * 160 - b * 125), ty: 64 - (b * 160 + a * 125) };
})();

/** Landmarks of the synthetic face in frame pixels: the template mapped back through {@link FACE_TRANSFORM}. */
export function faceLandmarks(size = 128, t: SimilarityTransform = FACE_TRANSFORM): Point2[] {
  return applyTransform(invertTransform(t), templateLandmarks(size));
}

/** A soft 0..1 mask of one region (1-based) on the crop grid, blurred so the motion boundary is smooth. */
export function regionMask(region: number, size = 128): Float32Array {
  const polys = faceRegions(templateLandmarks(size));
  const labels = regionLabelMap(polys, size).data;
  const m = new Float32Array(size * size);
  for (let i = 0; i < m.length; i++) m[i] = labels[i] === region ? 1 : 0;
  // Two passes of a 5x5 box blur.
  const tmp = new Float32Array(m.length);
  for (let pass = 0; pass < 2; pass++) {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        let s = 0;
        let n = 0;
        for (let dy = -2; dy <= 2; dy++) {
          for (let dx = -2; dx <= 2; dx++) {
            const xx = x + dx;
            const yy = y + dy;
            if (xx < 0 || yy < 0 || xx >= size || yy >= size) continue;
            s += m[yy * size + xx];
            n++;
          }
        }
        tmp[y * size + x] = s / n;
      }
    }
    m.set(tmp);
  }
  return m;
}

function sampleMask(mask: Float32Array, size: number, x: number, y: number): number {
  const xi = Math.round(x);
  const yi = Math.round(y);
  if (xi < 0 || yi < 0 || xi >= size || yi >= size) return 0;
  return mask[yi * size + xi];
}

export interface FaceFrameOptions {
  /** Texture in crop coordinates. */
  texture: (x: number, y: number) => number;
  /** Frame → crop transform. Default FACE_TRANSFORM. */
  transform?: SimilarityTransform;
  /** Displacement (crop px) applied where `mask` is 1: the rendered content moves by `shift`. */
  shift?: Point2;
  mask?: Float32Array;
  /** Global displacement of the whole face, crop px. */
  globalShift?: Point2;
  /** Gaussian noise std in grey levels, with its rng. */
  noise?: number;
  noiseRng?: () => number;
  width?: number;
  height?: number;
}

/**
 * An RGBA frame (320×240 by default) showing the texture through the face transform, optionally with a
 * local shift inside a region mask and a global shift. Content moving by d means value(c) = tex(c − d).
 */
export function faceFrame(o: FaceFrameOptions): Frame {
  const W = o.width ?? 320;
  const H = o.height ?? 240;
  const t = o.transform ?? FACE_TRANSFORM;
  const data = new Uint8ClampedArray(W * H * 4);
  const g = o.globalShift ?? { x: 0, y: 0 };
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let cx = t.a * x - t.b * y + t.tx - g.x;
      let cy = t.b * x + t.a * y + t.ty - g.y;
      if (o.mask && o.shift) {
        const m = sampleMask(o.mask, 128, cx, cy);
        cx -= m * o.shift.x;
        cy -= m * o.shift.y;
      }
      let v = o.texture(cx, cy);
      if (o.noise && o.noiseRng) v += o.noise * gauss(o.noiseRng);
      const c = Math.max(0, Math.min(255, Math.round(v)));
      const i = 4 * (y * W + x);
      // Tinted RGB with the texture as luma, so the grayscale conversion is exercised.
      data[i] = Math.max(0, Math.min(255, c + 10));
      data[i + 1] = c;
      data[i + 2] = Math.max(0, Math.min(255, c - 20));
      data[i + 3] = 255;
    }
  }
  return { width: W, height: H, data };
}

/** Mean over a typed array. */
export function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}
