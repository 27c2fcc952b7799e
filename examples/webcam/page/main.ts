// The webcam demo's page script (UI only): picks a backend, loads face-api and the bundled PLM-IPE
// checkpoint as a library Predictor, starts the camera, and feeds each frame to the Predictor's live
// session, which runs the trials: one starts when a face is found and ends after TRIAL_SECONDS, when
// the face is lost, or when "Next outfit" is pressed. Per frame the page draws regions and flow, asks
// the session for the trial so far (landmark branch, and both branches with eq. 8's fusion once a
// clip's worth of frames is in and while the backend is fast enough); bars and a timeline show them.
import { alignFace, getBackend, type Point2, type Prediction, type PredictionSession } from 'plm-ipe';
import type { GpuMode } from 'plm-ipe/gpu';
import {
  CHECKPOINT_STEM,
  CLIP_FRAME_SIDE,
  CONFIG_FILE,
  MIN_VALID_ROWS,
  PIXEL_BUDGET_MS,
  TARGET_FPS,
  TRIAL_SECONDS,
} from '../settings.js';
import { pickBackend } from './backend.js';
import { FrameGrabber, present, startCamera } from './camera.js';
import { ProbabilityBars, Timeline } from './charts.js';
import { checkpointFromFiles, fetchCheckpoint, type LoadedCheckpoint } from './checkpoint.js';
import { loadFaceApi } from './face-detector.js';
import { drawOverlay } from './overlay.js';
import { createState, pushRecent, type DemoState } from './state.js';

/** Seconds without a detected face after which the trial ends (3 frames at 8 fps; the descriptor stream holds landmarks about as long). */
const FACE_LOST_SECONDS = 0.375;

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
  rate: $<HTMLElement>('rate'),
  stats: $<HTMLElement>('stats'),
  checkpoint: $<HTMLElement>('checkpoint'),
  verdict: $<HTMLElement>('verdict'),
  mainBranch: $<HTMLElement>('main-branch'),
  trial: $<HTMLElement>('trial'),
  lastTrial: $<HTMLElement>('last-trial'),
  nextOutfit: $<HTMLButtonElement>('next-outfit'),
  pixelStatus: $<HTMLElement>('pixel-status'),
  drop: $<HTMLElement>('drop'),
};
const bars = new ProbabilityBars($('bars'));
const landmarkBars = new ProbabilityBars($('bars-landmark'));
const pixelBars = new ProbabilityBars($('bars-pixel'));
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

function backendName(): string {
  const b = getBackend();
  return `${b.name}${b.mode && b.mode !== b.name ? ` · ${b.mode}` : ''}`;
}

function showStats(): void {
  ui.backend.textContent = backendName();
  const sw = state.backend?.softwareGpu;
  ui.backend.textContent += sw ? ` on ${sw}: try ?mode=cpu` : '';
  ui.backend.title = [
    ...(sw ? [`${sw} is a CPU emulation of the GPU: the cpu backend (?mode=cpu) is faster here`] : []),
    ...(state.backend?.skipped ?? []),
  ].join('\n');
  ui.rate.textContent = `${state.fps.toFixed(1)} / ${state.targetFps} frames/s`;
  ui.stats.textContent =
    `face-api ${state.detectMs.toFixed(0)} ms (${state.faceApiBackend ?? '…'}) · descriptor ${state.describeMs.toFixed(0)} ms · ` +
    `model ${state.inferMs.toFixed(0)} ms · faces ${state.faces}/${state.frames} · predictions ${state.predictionCount} (pixel branch in ${state.pixelRuns})`;
  ui.pixelStatus.textContent = state.pixelOff
    ? `pixel branch off: ${state.pixelOff}`
    : state.pixelRuns > 0
      ? `${state.pixelMsPerClip.toFixed(0)} ms per clip on ${backendName()} (budget ${PIXEL_BUDGET_MS} ms)`
      : 'runs once the trial has a clip of frames';
  ui.pixelStatus.dataset.off = state.pixelOff ? 'true' : 'false';
}

/** The current checkpoint, its live session, and counters that belong to it. */
interface Session {
  checkpoint: LoadedCheckpoint;
  live: PredictionSession;
  /** Pixel-branch calls so far (the first compiles kernels and is not judged). */
  pixelCalls: number;
}

function newSession(checkpoint: LoadedCheckpoint): Session {
  const { predictor } = checkpoint;
  // The run's own frame rate when its config says it: descriptors and clips then see the motion per frame training saw.
  const live = predictor.createSession({
    fps: TARGET_FPS,
    trialSeconds: TRIAL_SECONDS,
    faceLostSeconds: FACE_LOST_SECONDS,
    minValidRows: MIN_VALID_ROWS,
    pixelFrameSide: CLIP_FRAME_SIDE,
    keepDetails: true,
  });
  state.targetFps = live.fps;
  state.trialLength = live.maxFrames;
  state.checkpoint = checkpoint.label;
  state.extractSource = checkpoint.extractSource;
  state.hasPixelBranch = predictor.hasPixelBranch;
  state.pixelOff = predictor.hasPixelBranch ? null : 'not in this checkpoint (landmark branch only)';
  const e = predictor.extract;
  ui.checkpoint.textContent =
    `${checkpoint.label}. Extraction from ${checkpoint.extractSource}: descriptors on ${e.descriptorCropSize}-px crops, flow from the ` +
    `${e.descriptorReference === 'first' ? "trial's first frame" : 'previous frame'}; clips of ${e.clipLength} frames at ${e.clipSize} px (${e.crop === 'aligned' ? 'face aligned on eyes and nose' : `${e.crop} crop`})` +
    `${e.clipBaseline === 'first-frame' ? " minus the trial's first frame" : ''}.`;
  timeline.clear();
  bars.update(null);
  landmarkBars.update(null);
  pixelBars.update(null);
  return { checkpoint, live, pixelCalls: 0 };
}

/** Both branches when the trial and the backend allow, else the landmark branch; judges the pixel branch's speed. */
async function predict(s: Session): Promise<Prediction | null> {
  const pixel = state.pixelOff === null && s.live.pixelReady;
  const p = await s.live.predictTrial({ pixel });
  if (!p || !pixel) return p;
  s.pixelCalls++;
  state.pixelRuns++;
  state.pixelMsPerClip = p.timings.totalMs / Math.max(1, p.clips);
  // The first call compiles the GPU kernels (seconds with gpu.js); the budget applies from the second.
  if (s.pixelCalls >= 2 && state.pixelMsPerClip > PIXEL_BUDGET_MS) {
    state.pixelOff = `${state.pixelMsPerClip.toFixed(0)} ms per clip on ${backendName()} (budget ${PIXEL_BUDGET_MS} ms)`;
    s.live.pixel = false;
  }
  return p;
}

/** The session the loop runs (module level so {@link show} can read λ). */
let session: Session | null = null;

/** Records and shows one prediction; `trialStart` marks the trial's first one on the timeline. */
function show(p: Prediction, trialStart: boolean): void {
  const main = p.fused ?? p.landmark ?? p.probabilities;
  const lambda = session?.checkpoint.predictor.runner.plm?.config.lambda;
  ui.mainBranch.textContent =
    p.fused && lambda !== undefined
      ? `fused: ${lambda} × landmark + ${+(1 - lambda).toFixed(3)} × pixel`
      : `landmark branch${state.hasPixelBranch ? (state.pixelOff ? ' (pixel branch off)' : ' (pixel branch waits for a clip)') : ''}`;
  state.inferMs = p.timings.totalMs;
  state.predictionCount++;
  pushRecent(state.predictions, main);
  pushRecent(state.predictionBranches, p.fused ? 'fused' : 'landmark');
  pushRecent(state.landmarkPredictions, p.landmark ?? main);
  if (p.pixel) pushRecent(state.pixelPredictions, p.pixel);
  bars.update(main);
  landmarkBars.update(p.landmark);
  pixelBars.update(p.pixel);
  timeline.push(main, trialStart);
  ui.verdict.textContent = p.label;
  ui.verdict.dataset.label = p.label;
}

function showTrial(s: Session, trial: { index: number; running: boolean; frames: number }): void {
  state.trialCount = trial.index;
  state.trialFrames = trial.running ? trial.frames : 0;
  ui.trial.textContent = trial.running
    ? `trial ${trial.index} · ${(trial.frames / s.live.fps).toFixed(1)} s / ${TRIAL_SECONDS} s · frame ${trial.frames}/${s.live.maxFrames}`
    : `waiting for a face to start trial ${trial.index + 1}…`;
}

/** The last-trial line for an ended trial. */
function endedText(
  r: { trial: number; reason: string; prediction: Prediction | null; startMs: number; endMs: number },
  fps: number,
): string {
  const seconds = ((r.endMs - r.startMs) / 1000 + 1 / fps).toFixed(1);
  const p = r.prediction;
  const verdict = p
    ? `${p.label} ${(100 * p.probabilities[p.classIndex]).toFixed(0)}% (${p.fused ? 'fused' : 'landmark'})`
    : 'too short to predict';
  if (r.reason === 'complete') return `trial ${r.trial} complete (${TRIAL_SECONDS} s): ${verdict}`;
  return `trial ${r.trial} ${r.reason === 'face-lost' ? 'ended: face lost' : 'ended by Next outfit'} at ${seconds} s: ${verdict}`;
}

/** Drag-and-drop of a checkpoint pair (and optionally its run's config.json) anywhere on the page. */
function installDropZone(onLoaded: (c: LoadedCheckpoint) => void): void {
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
    if (!files) return;
    checkpointFromFiles(files)
      .then(onLoaded)
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
  // A dropped checkpoint waits here until the loop is between frames.
  let dropped: LoadedCheckpoint | null = null;
  installDropZone((c) => (dropped = c));
  let nextOutfit = false;
  ui.nextOutfit.addEventListener('click', () => (nextOutfit = true));
  setStatus('choosing a backend…', 'loading');
  state.backend = await pickBackend(opts.modes);
  showStats();
  setStatus('loading face-api and the checkpoint…');
  const [face, ckpt] = await Promise.all([
    loadFaceApi({ tfBackend: opts.tf, inputSize: opts.inputSize }),
    fetchCheckpoint(`./${CHECKPOINT_STEM}`, `./${CONFIG_FILE}`),
  ]);
  state.faceApiBackend = face.tfBackend;
  session = newSession(ckpt);
  setStatus('waiting for the camera…');
  await startCamera(ui.video);
  const grabber = new FrameGrabber(320);
  const ctx = ui.overlay.getContext('2d');
  if (!ctx) throw new Error('cannot get the overlay canvas context');
  const fitOverlay = (): void => {
    if (ui.overlay.width !== ui.frame.width || ui.overlay.height !== ui.frame.height) {
      ui.overlay.width = ui.frame.width;
      ui.overlay.height = ui.frame.height;
    }
  };
  setStatus('running', 'running');
  let last = performance.now();
  let firstOfTrial = false;
  for (;;) {
    const t0 = performance.now();
    if (dropped) {
      session = newSession(dropped);
      dropped = null;
    }
    const s = session;
    const { frame, scale, snapshot } = grabber.grab(ui.video);
    const tDetect = performance.now();
    const points = (await face.provider.detect(frame)) as Point2[] | null;
    const tDescribe = performance.now();
    state.detectMs = tDescribe - tDetect;
    state.frames++;
    if (points) state.faces++;
    // "Next outfit" ends the current trial; the session starts the next one at the next face.
    if (nextOutfit) {
      const r = await s.live.endTrial('ended');
      if (r) ui.lastTrial.textContent = endedText(r, s.live.fps);
      nextOutfit = false;
    }
    // The loop's start is the frame's time: iterations are paced a period apart, so none is skipped as too early.
    const step = await s.live.push(frame, t0, { landmarks: points });
    state.describeMs = performance.now() - tDescribe;
    if (step.sampled) {
      const d = step.descriptor;
      if (d?.valid) state.validDescriptors++;
      if (step.trial.running && step.trial.frames === 1) firstOfTrial = true;
      // The stage shows the analysed picture, not the live video, so the overlay always matches it.
      // The flow runs between per-frame aligned crops (first frame vs now): draw it through the current alignment.
      present(snapshot, ui.frame);
      fitOverlay();
      const now =
        points && d?.valid
          ? alignFace(points, { size: s.checkpoint.predictor.extract.descriptorCropSize }).transform
          : undefined;
      drawOverlay(ctx, d, points, { scale, transform: now });
      if (step.ended) {
        ui.lastTrial.textContent = endedText(step.ended, s.live.fps);
        if (step.ended.prediction) show(step.ended.prediction, firstOfTrial);
        firstOfTrial = false;
      } else if (step.trial.running && step.trial.validRows >= MIN_VALID_ROWS) {
        const p = await predict(s);
        if (p) {
          show(p, firstOfTrial);
          firstOfTrial = false;
        }
      }
      showTrial(s, step.trial);
    }
    const tEnd = performance.now();
    state.fps = state.fps === 0 ? 1000 / (tEnd - last) : 0.9 * state.fps + 0.1 * (1000 / (tEnd - last));
    last = tEnd;
    showStats();
    // Pace to the session's frame rate; slower machines run flat out.
    const wait = 1000 / s.live.fps - (performance.now() - t0);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
  }
}

main().catch(fail);
