// The webcam demo's page script: picks a backend, loads face-api and the bundled checkpoint,
// starts the camera, then per frame detects 68 landmarks, pushes the frame into a
// DescriptorStream, draws regions and flow over the video, and runs the landmark estimator on
// the last few seconds of descriptors, showing the probabilities as bars and a timeline.
import { DescriptorStream, LABELS, getBackend, type GpuMode, type Point2 } from '../../../src/index.js';
import { CHECKPOINT_STEM, DESCRIPTOR_OPTIONS, TARGET_FPS, WINDOW } from '../settings.js';
import { pickBackend } from './backend.js';
import { FrameGrabber, present, startCamera } from './camera.js';
import { ProbabilityBars, Timeline } from './charts.js';
import { checkpointFromFiles, fetchCheckpoint } from './checkpoint.js';
import { loadFaceApi } from './face-detector.js';
import { drawOverlay } from './overlay.js';
import { RollingPredictor } from './predictor.js';
import { createState, type DemoState } from './state.js';

function $<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as T;
}

const state = createState();
const ui = {
  video: $<HTMLVideoElement>('video'),
  frame: $<HTMLCanvasElement>('frame'),
  overlay: $<HTMLCanvasElement>('overlay'),
  status: $<HTMLElement>('status'),
  backend: $<HTMLElement>('backend'),
  stats: $<HTMLElement>('stats'),
  checkpoint: $<HTMLElement>('checkpoint'),
  verdict: $<HTMLElement>('verdict'),
  drop: $<HTMLElement>('drop'),
};
const bars = new ProbabilityBars($('bars'));
const timeline = new Timeline($<HTMLCanvasElement>('timeline'));

function setStatus(text: string, s: DemoState['status'] = state.status): void {
  state.status = s;
  ui.status.textContent = text;
  ui.status.dataset.state = s;
}

function fail(err: unknown): void {
  state.error = (err as Error)?.message ?? String(err);
  setStatus(`error: ${state.error}`, 'error');
  console.error(err);
}

function showStats(): void {
  const b = getBackend();
  ui.backend.textContent = `${b.name}${b.mode && b.mode !== b.name ? ` · ${b.mode}` : ''}`;
  const sw = state.backend?.softwareGpu;
  ui.backend.textContent += sw ? ` (${sw}: a CPU emulation; ?mode=cpu is faster here)` : '';
  ui.backend.title = state.backend?.skipped.join('\n') ?? '';
  ui.stats.textContent =
    `${state.fps.toFixed(1)} frames/s · face-api ${state.detectMs.toFixed(0)} ms (${state.faceApiBackend ?? '…'}) · ` +
    `descriptor ${state.describeMs.toFixed(0)} ms · estimator ${state.inferMs.toFixed(0)} ms · faces ${state.faces}/${state.frames}`;
}

/** Drag-and-drop of a checkpoint pair anywhere on the page. */
function installDropZone(predictor: () => RollingPredictor | null): void {
  const stop = (e: DragEvent): void => {
    e.preventDefault();
    e.stopPropagation();
  };
  document.addEventListener('dragover', (e) => {
    stop(e);
    ui.drop.classList.add('active');
  });
  document.addEventListener('dragleave', () => ui.drop.classList.remove('active'));
  document.addEventListener('drop', (e) => {
    stop(e);
    ui.drop.classList.remove('active');
    const files = e.dataTransfer?.files;
    const p = predictor();
    if (!files || !p) return;
    checkpointFromFiles(files)
      .then((loaded) => {
        p.model = loaded.model;
        p.reset();
        timeline.clear();
        state.checkpoint = loaded.label;
        ui.checkpoint.textContent = loaded.label;
      })
      .catch((err: Error) => {
        ui.checkpoint.textContent = `could not load the dropped files: ${err.message}`;
      });
  });
}

/**
 * Page URL knobs: `?mode=webgl2` (or webgpu, webasm, cpu) pins the estimator's backend;
 * `?tf=cpu` picks face-api's TensorFlow.js backend; `?detector=160` its input size.
 */
function urlOptions(): { modes?: GpuMode[]; tf?: string; inputSize?: number } {
  const q = new URLSearchParams(location.search);
  const mode = q.get('mode');
  const size = Number(q.get('detector'));
  return {
    modes: mode && mode !== 'cpu' ? [mode as GpuMode] : mode === 'cpu' ? [] : undefined,
    tf: q.get('tf') ?? undefined,
    inputSize: Number.isInteger(size) && size > 0 ? size : undefined,
  };
}

async function main(): Promise<void> {
  const opts = urlOptions();
  let predictor: RollingPredictor | null = null;
  installDropZone(() => predictor);
  setStatus('choosing a backend…', 'loading');
  state.backend = await pickBackend(opts.modes);
  showStats();
  setStatus('loading face-api and the checkpoint…');
  const [face, ckpt] = await Promise.all([loadFaceApi({ tfBackend: opts.tf, inputSize: opts.inputSize }), fetchCheckpoint(`./${CHECKPOINT_STEM}`)]);
  state.faceApiBackend = face.tfBackend;
  state.checkpoint = ckpt.label;
  ui.checkpoint.textContent = ckpt.label;
  predictor = new RollingPredictor(ckpt.model, WINDOW);
  setStatus('waiting for the camera…');
  await startCamera(ui.video);
  const grabber = new FrameGrabber(320);
  const stream = new DescriptorStream({ ...DESCRIPTOR_OPTIONS, fps: TARGET_FPS, keepDetails: true });
  const ctx = ui.overlay.getContext('2d');
  if (!ctx) throw new Error('cannot get the overlay canvas context');
  const fitOverlay = (): void => {
    if (ui.overlay.width !== ui.frame.width || ui.overlay.height !== ui.frame.height) {
      ui.overlay.width = ui.frame.width;
      ui.overlay.height = ui.frame.height;
    }
  };
  let prev: { snapshot: HTMLCanvasElement; points: Point2[] | null; scale: number } | null = null;
  setStatus('running', 'running');
  let last = performance.now();
  for (;;) {
    const t0 = performance.now();
    const { frame, scale, snapshot } = grabber.grab(ui.video);
    const tDetect = performance.now();
    const points = (await face.provider.detect(frame)) as Point2[] | null;
    const tDescribe = performance.now();
    state.detectMs = tDescribe - tDetect;
    const d = stream.push(frame, points);
    state.describeMs = performance.now() - tDescribe;
    state.frames++;
    if (points) state.faces++;
    if (d.valid) state.validDescriptors++;
    // The stage shows the analysed picture, not the live video, so the overlay always matches it
    // (at a few frames per second the live video runs ahead of its landmarks). A valid descriptor
    // describes frame t-1 (its regions) moving to frame t, so frame t-1 is shown under it.
    if (d.valid && prev) {
      present(prev.snapshot, ui.frame);
      fitOverlay();
      drawOverlay(ctx, d, prev.points, { scale: prev.scale });
    } else {
      present(snapshot, ui.frame);
      fitOverlay();
      drawOverlay(ctx, null, points, { scale });
    }
    prev = { snapshot, points, scale };
    predictor.push(d);
    if (predictor.ready) {
      const t1 = performance.now();
      const p = await predictor.predict();
      state.inferMs = performance.now() - t1;
      const row = Array.from(p);
      state.predictionCount++;
      state.predictions.push(row);
      if (state.predictions.length > 50) state.predictions.shift();
      bars.update(row);
      timeline.push(row);
      const best = row.indexOf(Math.max(...row));
      ui.verdict.textContent = LABELS[best];
      ui.verdict.dataset.label = LABELS[best];
    }
    const now = performance.now();
    state.fps = state.fps === 0 ? 1000 / (now - last) : 0.9 * state.fps + 0.1 * (1000 / (now - last));
    last = now;
    showStats();
    // Pace to about TARGET_FPS, the rate the checkpoint was trained at; slower machines run flat out.
    const wait = 1000 / TARGET_FPS - (performance.now() - t0);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
  }
}

main().catch(fail);
