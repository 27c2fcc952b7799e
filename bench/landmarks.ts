// Bench for the landmark descriptor: our Farneback vs opencv-js's calcOpticalFlowFarneback (WebAssembly)
// on 128×128 pairs with the same parameters in the same process, and describeVideo throughput on a
// 300-frame synthetic video. Also renders docs/images/descriptor-overlay.png.
// Run: node --import tsx bench/landmarks.ts   (--quick: fewer repeats and 60 frames; --overlay-only: just the PNG)
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { alignFace, invertTransform } from '../src/landmarks/align.js';
import { describeVideo, landmarkDescriptor } from '../src/landmarks/descriptor.js';
import { farneback, FarnebackWorkspace, setFarnebackWasm, type FarnebackOptions } from '../src/landmarks/farneback.js';
import { writeDescriptorOverlay } from '../src/landmarks/overlay-node.js';
import { faceRegions, regionLabelMap } from '../src/landmarks/regions.js';
import type { Frame, Point2 } from '../src/landmarks/types.js';
import { decodeJpeg } from '../test/fixtures/landmarks/jpeg-baseline.js';
import { faceFrame, faceLandmarks, makeTexture, regionMask, renderGray } from '../test/landmarks/helpers.js';
import { loadOpenCv, opencvFarneback } from '../test/landmarks/opencv.js';
import { report, time, type BenchRow } from './util.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');

async function benchFarneback(rows: BenchRow[]): Promise<void> {
  const { cv } = await loadOpenCv();
  const S = 128;
  const tex = makeTexture(42);
  const prev = renderGray(S, S, tex);
  const next = renderGray(S, S, (x, y) => tex(x - 1.3 + 0.01 * (y - 64), y - 0.7));
  const configs: [string, Required<Omit<FarnebackOptions, 'initialFlow' | 'workspace'>>][] = [
    [
      '(0.5,2,9,3,5,1.1) default',
      { pyrScale: 0.5, levels: 2, winSize: 9, iterations: 3, polyN: 5, polySigma: 1.1, gaussianWindow: false },
    ],
    [
      '(0.5,3,15,3,5,1.2) fback.cpp',
      { pyrScale: 0.5, levels: 3, winSize: 15, iterations: 3, polyN: 5, polySigma: 1.2, gaussianWindow: false },
    ],
    [
      '(0.5,2,13,3,7,1.5)',
      { pyrScale: 0.5, levels: 2, winSize: 13, iterations: 3, polyN: 7, polySigma: 1.5, gaussianWindow: false },
    ],
    [
      '(0.5,2,9,3,5,1.1) gaussian',
      { pyrScale: 0.5, levels: 2, winSize: 9, iterations: 3, polyN: 5, polySigma: 1.1, gaussianWindow: true },
    ],
  ];
  const ws = new FarnebackWorkspace();
  const a = { width: S, height: S, data: prev };
  const b = { width: S, height: S, data: next };
  const reps = quick ? 15 : 60;
  for (const [name, p] of configs) {
    // Interleave the two so machine load hits both alike; take the better of two rounds each.
    const ours1 = await time(() => farneback(a, b, { ...p, workspace: ws }), { warmup: 20, repeats: reps });
    const peer1 = await time(() => opencvFarneback(cv, S, S, prev, next, p), { warmup: 20, repeats: reps });
    const ours2 = await time(() => farneback(a, b, { ...p, workspace: ws }), { warmup: 0, repeats: reps });
    const peer2 = await time(() => opencvFarneback(cv, S, S, prev, next, p), { warmup: 0, repeats: reps });
    const flow = farneback(a, b, p).data;
    const ref = opencvFarneback(cv, S, S, prev, next, p);
    let diff = 0;
    for (let i = 0; i < flow.length; i += 2) diff += Math.hypot(flow[i] - ref[i], flow[i + 1] - ref[i + 1]);
    rows.push({
      case: `farneback 128x128 ${name}`,
      ours: 'plm-ipe (TS)',
      peer: 'opencv-js 4.12 (wasm)',
      oursMs: Math.min(ours1.ms, ours2.ms),
      peerMs: Math.min(peer1.ms, peer2.ms),
      note: `mean |ours - opencv| = ${(diff / (S * S)).toExponential(2)} px`,
    });
  }
  // The pure-JS fallback (no WebAssembly) on the default parameters, against the same peer.
  const p = configs[0][1];
  setFarnebackWasm(false);
  const js1 = await time(() => farneback(a, b, { ...p, workspace: ws }), { warmup: 20, repeats: reps });
  setFarnebackWasm(true);
  const peer1 = await time(() => opencvFarneback(cv, S, S, prev, next, p), { warmup: 20, repeats: reps });
  setFarnebackWasm(false);
  const js2 = await time(() => farneback(a, b, { ...p, workspace: ws }), { warmup: 0, repeats: reps });
  setFarnebackWasm(true);
  const peer2 = await time(() => opencvFarneback(cv, S, S, prev, next, p), { warmup: 0, repeats: reps });
  rows.push({
    case: `farneback 128x128 ${configs[0][0]}, JS fallback`,
    ours: 'plm-ipe (TS, no wasm)',
    peer: 'opencv-js 4.12 (wasm)',
    oursMs: Math.min(js1.ms, js2.ms),
    peerMs: Math.min(peer1.ms, peer2.ms),
  });
}

async function benchVideo(rows: BenchRow[]): Promise<Record<string, unknown>> {
  const N = quick ? 60 : 300;
  const texture = makeTexture(7);
  const mask = regionMask(26);
  const lm = faceLandmarks();
  const frames: Frame[] = [];
  for (let t = 0; t < N; t++)
    frames.push(faceFrame({ texture, mask, shift: { x: -0.4 * Math.sin(t / 5), y: -0.4 * Math.sin(t / 5) } }));
  const marks = frames.map(() => lm);
  const t0 = performance.now();
  const video = describeVideo(frames, marks);
  const ms = performance.now() - t0;
  const fps = N / (ms / 1000);
  // Peer row: opencv-js computing only the flow of the same 300 crops (no alignment, regions or features).
  const { cv } = await loadOpenCv();
  const crops = frames.map((f) => {
    const d = landmarkDescriptor({ prev: f, next: f, landmarks: lm }, { keepDetails: true });
    return Uint8Array.from(d.details!.prevCrop.data, (v) => Math.round(v));
  });
  const p = { pyrScale: 0.5, levels: 2, winSize: 9, iterations: 3, polyN: 5, polySigma: 1.1 };
  const c0 = performance.now();
  for (let t = 1; t < N; t++) opencvFarneback(cv, 128, 128, crops[t - 1], crops[t], p);
  const peerMs = performance.now() - c0;
  rows.push({
    case: `describeVideo ${N} frames 320x240 RGBA`,
    ours: `full pipeline, ${fps.toFixed(1)} fps`,
    peer: 'opencv-js flow only',
    oursMs: ms,
    peerMs,
    note: `ours = align + 2 warps + Farneback + head motion + 36 regions + features per frame; valid rows ${video.valid.reduce((s, v) => s + v, 0)}/${N}`,
  });
  return { describeVideoFps: fps, frames: N };
}

/** Moves content inside some regions of the aligned face (crop px) to fake an expression. */
function fakeExpression(frame: Frame, points: Point2[], shifts: Record<number, Point2>): Frame {
  const S = 128;
  const aligned = alignFace(points, { size: S });
  const labels = regionLabelMap(faceRegions(aligned.landmarks), S).data;
  const dx = new Float32Array(S * S);
  const dy = new Float32Array(S * S);
  for (let i = 0; i < S * S; i++) {
    const s = shifts[labels[i]];
    if (s) {
      dx[i] = s.x;
      dy[i] = s.y;
    }
  }
  // Smooth the displacement so it has no seams (3 passes of a 7x7 box).
  const blur = (a: Float32Array) => {
    const t = new Float32Array(a.length);
    for (let pass = 0; pass < 3; pass++) {
      for (let y = 0; y < S; y++) {
        for (let x = 0; x < S; x++) {
          let s = 0;
          let n = 0;
          for (let j = -3; j <= 3; j++)
            for (let i = -3; i <= 3; i++)
              if (x + i >= 0 && y + j >= 0 && x + i < S && y + j < S) {
                s += a[(y + j) * S + x + i];
                n++;
              }
          t[y * S + x] = s / n;
        }
      }
      a.set(t);
    }
  };
  blur(dx);
  blur(dy);
  const T = aligned.transform;
  const inv = invertTransform(T);
  const ch = frame.data.length / (frame.width * frame.height);
  const out = new Uint8ClampedArray(frame.data);
  for (let y = 0; y < frame.height; y++) {
    for (let x = 0; x < frame.width; x++) {
      const cx = T.a * x - T.b * y + T.tx;
      const cy = T.b * x + T.a * y + T.ty;
      const xi = Math.round(cx);
      const yi = Math.round(cy);
      if (xi < 0 || yi < 0 || xi >= S || yi >= S) continue;
      const u = dx[yi * S + xi];
      const v = dy[yi * S + xi];
      if (u === 0 && v === 0) continue;
      const sx = inv.a * (cx - u) - inv.b * (cy - v) + inv.tx;
      const sy = inv.b * (cx - u) + inv.a * (cy - v) + inv.ty;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      for (let c = 0; c < ch; c++) {
        const at = (xx: number, yy: number) => frame.data[(yy * frame.width + xx) * ch + c];
        const top = at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx;
        const bot = at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx;
        out[(y * frame.width + x) * ch + c] = top * (1 - fy) + bot * fy;
      }
    }
  }
  return { width: frame.width, height: frame.height, data: out };
}

async function renderOverlay(): Promise<string> {
  const outPath = path.join(here, '..', 'docs', 'images', 'descriptor-overlay.png');
  let frame: Frame;
  let points: Point2[] | null = null;
  let source = 'synthetic texture face';
  try {
    const require = createRequire(import.meta.url);
    const file = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo', 'sample1.jpg');
    const img = decodeJpeg(readFileSync(file));
    frame = img;
    const { createFaceApiProvider } = await import('../src/landmarks/providers/face-api-node.js');
    const provider = await createFaceApiProvider();
    points = await provider.detect(frame);
    source = '@vladmandic/face-api demo/sample1.jpg, largest face, face-api landmarks';
  } catch (err) {
    console.warn(`overlay: falling back to the synthetic face (${(err as Error).message})`);
    frame = faceFrame({ texture: makeTexture(11) });
  }
  if (!points) {
    points = faceLandmarks();
    frame = faceFrame({ texture: makeTexture(11) });
  }
  // A fake smile (mouth corners up and out) and a brow raise, in crop px.
  const next = fakeExpression(frame, points, {
    26: { x: -0.9, y: -0.8 },
    27: { x: 0.9, y: -0.8 },
    1: { x: 0, y: -0.7 },
    2: { x: 0, y: -0.9 },
    5: { x: 0, y: -0.9 },
    6: { x: 0, y: -0.7 },
  });
  const d = landmarkDescriptor({ prev: frame, next, landmarks: points }, { keepDetails: true });
  const det = d.details!;
  const summary = [1, 2, 5, 6, 26, 27]
    .map((k) => `ROI ${k}: θ ${(d.values[k - 1] * 360).toFixed(0)}° m ${d.values[36 + k - 1].toFixed(2)}`)
    .join(', ');
  console.log(`overlay expression (content moved up at 1,2,5,6; up-out at 26,27): ${summary}`);
  await writeDescriptorOverlay(
    outPath,
    { image: det.prevCrop, polygons: det.polygons, flow: det.flow, values: d.values },
    { scale: 4 },
  );
  return `${path.relative(process.cwd(), outPath)} (${source})`;
}

const rows: BenchRow[] = [];
const overlayOnly = process.argv.includes('--overlay-only');
if (!overlayOnly) await benchFarneback(rows);
const meta = overlayOnly ? {} : await benchVideo(rows);
const overlay = await renderOverlay();
if (rows.length)
  report('landmarks', rows, {
    ...meta,
    overlay,
    note: 'ms = median wall time per call; machine shared with other jobs',
  });
console.log(`overlay: ${overlay}`);
