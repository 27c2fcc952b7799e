// A LandmarkProvider on @vladmandic/face-api (tiny face detector or SSD + 68-point landmark net)
// running on TensorFlow.js's WebAssembly backend. It picks the detector's input size (and, for
// close-ups, a grey-padded frame) from the frame size and the last face box, retrying other scales
// before it says no face; then tracks: the landmark net alone runs on a crop around the previous
// face, and the detector runs again when the track is lost or every `redetectEvery` frames.
// Browser-safe: it runs on an already loaded face-api module and imports nothing of face-api;
// loading the optional peers and their weights from node_modules is ./face-api-node.ts (plm-ipe/node).
import type { LandmarkProvider } from '../descriptor.js';
import type { Frame, Point2 } from '../types.js';
import { frameChannels } from '../warp.js';

/** Options of {@link createFaceApiProvider}. */
export interface FaceApiProviderOptions {
  /** Folder with the face-api weights. Default: the `model` folder inside the installed `@vladmandic/face-api`. */
  modelPath?: string;
  /** Face detector: `'tiny'` (default, fast) or `'ssd'` (SSD MobileNet v1, more accurate). */
  detector?: 'tiny' | 'ssd';
  /**
   * Tiny-detector input size (multiple of 32). Default: chosen per frame from the frame size and the
   * last face's size, with retries at other sizes (see {@link FaceApiProvider.detectAll}).
   */
  inputSize?: number;
  /** Minimum detection score. Default 0.5. */
  scoreThreshold?: number;
  /** Use the smaller 68-point landmark net. Default false. */
  tinyLandmarks?: boolean;
  /**
   * Track between detections: `detect` runs the landmark net alone on a crop around the previous
   * face and the detector only every `redetectEvery` frames or when the track is lost. Default true.
   */
  track?: boolean;
  /** Frames between full detections while tracking. Default 10. */
  redetectEvery?: number;
  /**
   * An already loaded face-api module (e.g. its browser ESM build with weights loaded by you). When given,
   * nothing is imported and no weights are loaded.
   */
  faceapi?: unknown;
}

/** One detected face. */
export interface DetectedFace {
  /** Bounding box in frame pixels. */
  readonly box: { x: number; y: number; width: number; height: number };
  /** Detection score in [0, 1]. */
  readonly score: number;
  /** 68 iBUG landmarks in frame pixels. */
  readonly landmarks: Point2[];
}

/** Counters of a provider's work since it was created (for benches and tuning). */
export interface FaceApiStats {
  /** Frames given to `detect`. */
  frames: number;
  /** Detector runs (each scale tried counts once). */
  detectorRuns: number;
  /** Frames whose landmarks came from the tracker (landmark net on the previous face's crop). */
  tracked: number;
  /** Frames where no face was found. */
  misses: number;
}

/** A {@link LandmarkProvider} that also exposes every face of a frame. */
export interface FaceApiProvider extends LandmarkProvider {
  /**
   * All faces in the frame, largest first. Without `inputSize`, tries the input sizes that suit the
   * frame (and the last face's size), then the frame padded to twice its size (close-ups), until
   * one finds a face.
   */
  detectAll(frame: Frame, options?: { inputSize?: number; pad?: boolean }): Promise<DetectedFace[]>;
  /** 68 points of the tracked face: the largest at start, then the one overlapping the previous box most. */
  detect(frame: Frame): Promise<Point2[] | null>;
  /** Forgets the tracked face. */
  reset(): void;
  /** Work done so far. */
  readonly stats: FaceApiStats;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- face-api and tfjs are untyped optional peers here */
type Box = DetectedFace['box'];

function iou(a: Box, b: Box): number {
  const x0 = Math.max(a.x, b.x);
  const y0 = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.width, b.x + b.width);
  const y1 = Math.min(a.y + a.height, b.y + b.height);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

/** Bounding box of points. */
function pointsBox(points: readonly Point2[]): Box {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const p of points) {
    x0 = Math.min(x0, p.x);
    y0 = Math.min(y0, p.y);
    x1 = Math.max(x1, p.x);
    y1 = Math.max(y1, p.y);
  }
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * Tiny-detector input sizes to try, best first, for a frame whose longer side is `side` and whose
 * last face was `face` pixels wide (null: unknown). The detector finds faces best when they cover
 * roughly 1/8 to 1/2 of its input: a close-up wants a small input, a small face a large one (even
 * larger than the frame).
 */
export function detectorSizes(side: number, face: number | null): number[] {
  const fraction = face === null ? null : face / side;
  // Larger than the frame is fine: the detector upsamples, which is what finds a 25-px face in a 224-px frame.
  return fraction === null
    ? [416, 224, 160, 608]
    : fraction > 0.45
      ? [160, 128, 224]
      : fraction > 0.15
        ? [224, 320, 160]
        : fraction > 0.08
          ? [416, 320, 608]
          : [608, 416];
}

/** How the last detection's face box relates to its landmarks' bounding box, to rebuild the box from tracked points. */
interface BoxModel {
  /** Face box centre minus points-box centre, in points-box widths/heights. */
  dx: number;
  dy: number;
  /** Face box size over points-box size. */
  sw: number;
  sh: number;
}

/** A region of a frame, and where it goes on the canvas the detector sees. */
interface Placement {
  region: { x0: number; y0: number; w: number; h: number };
  canvas: { W: number; H: number; ox: number; oy: number };
}

/**
 * The `w` x `h` region at (x0, y0) of the frame as an int32 RGB tensor, placed at (ox, oy) on a grey
 * canvas of `W` x `H` (the whole frame: region = frame, canvas = frame; padded: canvas twice as large).
 */
function frameTensor(tf: any, frame: Frame, { region, canvas }: Placement): any {
  const ch = frameChannels(frame, 'FaceApiProvider.detect', 'frame');
  const { W, H, ox, oy } = canvas;
  const rgb = new Int32Array(W * H * 3);
  if (W !== region.w || H !== region.h) rgb.fill(128);
  const d = frame.data;
  for (let y = 0; y < region.h; y++) {
    let s = ((y + region.y0) * frame.width + region.x0) * ch;
    let o = ((y + oy) * W + ox) * 3;
    for (let x = 0; x < region.w; x++, s += ch, o += 3) {
      rgb[o] = d[s];
      rgb[o + 1] = d[ch === 1 ? s : s + 1];
      rgb[o + 2] = d[ch === 1 ? s : s + 2];
    }
  }
  return tf.tensor3d(rgb, [H, W, 3], 'int32');
}

/** A face being tracked: its box, how the box sits on its points, and the points. */
interface Track {
  box: Box;
  model: BoxModel;
  points: Point2[];
}

/** Starts a track on a detected face: the box model is measured from the face's box and points. */
function startTrack(face: DetectedFace): Track {
  const pb = pointsBox(face.landmarks);
  const model: BoxModel = {
    dx: (face.box.x + face.box.width / 2 - (pb.x + pb.width / 2)) / Math.max(1, pb.width),
    dy: (face.box.y + face.box.height / 2 - (pb.y + pb.height / 2)) / Math.max(1, pb.height),
    sw: face.box.width / Math.max(1, pb.width),
    sh: face.box.height / Math.max(1, pb.height),
  };
  return { box: face.box, model, points: face.landmarks };
}

/** Moves a track to tracked points: the face box follows their centre, keeping its size. */
function followTrack({ model, box }: Track, points: Point2[]): Track {
  const pb = pointsBox(points);
  const x = pb.x + pb.width / 2 + model.dx * pb.width - box.width / 2;
  const y = pb.y + pb.height / 2 + model.dy * pb.height - box.height / 2;
  return { model, points, box: { ...box, x, y } };
}

/**
 * The frame region the landmark net tracks in: the box predicted from the track's points, clipped to the
 * frame; null when it lies mostly outside (the face left).
 */
function trackRegion(t: Track, frame: Frame): { x0: number; y0: number; w: number; h: number } | null {
  const pb = pointsBox(t.points);
  const { model } = t;
  const w = pb.width * model.sw;
  const h = pb.height * model.sh;
  const cx = pb.x + pb.width / 2 + model.dx * pb.width;
  const cy = pb.y + pb.height / 2 + model.dy * pb.height;
  const x0 = Math.max(0, Math.round(cx - w / 2));
  const y0 = Math.max(0, Math.round(cy - h / 2));
  const x1 = Math.min(frame.width, Math.round(cx + w / 2));
  const y1 = Math.min(frame.height, Math.round(cy + h / 2));
  if ((x1 - x0) * (y1 - y0) < 0.5 * w * h || x1 - x0 < 16 || y1 - y0 < 16) return null;
  return { x0, y0, w: x1 - x0, h: y1 - y0 };
}

/** A landmark net always answers: a track is lost when its points jump or change size too much. */
function trackHolds(before: Point2[], after: Point2[]): boolean {
  const pb = pointsBox(before);
  const nb = pointsBox(after);
  const grow = nb.width / Math.max(1, pb.width);
  const dx = nb.x + nb.width / 2 - (pb.x + pb.width / 2);
  const dy = nb.y + nb.height / 2 - (pb.y + pb.height / 2);
  const shift = Math.hypot(dx, dy) / Math.max(1, pb.width);
  return grow > 0.7 && grow < 1.4 && shift < 0.35;
}

/**
 * Creates a face-api landmark provider on `options.faceapi`, a face-api module whose nets you have
 * loaded (e.g. its browser ESM build). In Node, `createFaceApiProvider` from `plm-ipe/node` loads
 * the package, TensorFlow.js's WASM backend and the weights itself.
 *
 * @throws Error when `options.faceapi` is not a loaded face-api module.
 * @example
 * ```ts
 * const provider = await createFaceApiProvider({ faceapi });
 * const faces = await provider.detectAll({ width, height, data: rgba });
 * faces[0].landmarks.length; // 68
 * ```
 */
export async function createFaceApiProvider(options: FaceApiProviderOptions = {}): Promise<FaceApiProvider> {
  const faceapi = checkFaceApiModule(options.faceapi);
  const landmarkNet = options.tinyLandmarks ? faceapi.nets.faceLandmark68TinyNet : faceapi.nets.faceLandmark68Net;
  const tracking = options.track ?? true;
  const redetectEvery = options.redetectEvery ?? 10;
  if (!Number.isInteger(redetectEvery) || redetectEvery < 1)
    throw new Error(
      `createFaceApiProvider: options.redetectEvery must be an integer >= 1, got ${String(redetectEvery)}`,
    );
  const stats: FaceApiStats = { frames: 0, detectorRuns: 0, tracked: 0, misses: 0 };
  const state: TrackState = { tracked: null, sinceDetect: 0 };
  const detectAll = faceApiDetector(faceapi, options, stats, state);
  const track = (frame: Frame) => trackLandmarks(faceapi.tf, landmarkNet, frame, state.tracked);
  const follow = (points: Point2[]): void => {
    if (state.tracked) state.tracked = followTrack(state.tracked, points);
  };

  return {
    detectAll,
    stats,
    async detect(frame: Frame) {
      frameChannels(frame, 'FaceApiProvider.detect', 'frame');
      stats.frames++;
      if (tracking && state.tracked && state.sinceDetect + 1 < redetectEvery) {
        const points = await track(frame);
        if (points) {
          follow(points);
          state.sinceDetect++;
          stats.tracked++;
          return points;
        }
      }
      const faces = await detectAll(frame);
      let pick = faces[0] ?? null;
      if (state.tracked && faces.length) {
        // The same person: the face overlapping the previous box most.
        const prev = state.tracked.box;
        let best = 0;
        for (const f of faces) {
          const o = iou(prev, f.box);
          if (o > best) {
            best = o;
            pick = f;
          }
        }
        // Only other people found (the detector missed ours at this scale): keep following ours if the tracker still can.
        if (best === 0 && tracking) {
          const points = await track(frame);
          if (points) {
            follow(points);
            state.sinceDetect = 0;
            stats.tracked++;
            return points;
          }
        }
      }
      if (!pick) {
        stats.misses++;
        // Keep the last box for a while: the same person is picked when they come back.
        state.sinceDetect = redetectEvery;
        return null;
      }
      state.tracked = startTrack(pick);
      state.sinceDetect = 0;
      return pick.landmarks;
    },
    reset() {
      state.tracked = null;
      state.sinceDetect = 0;
    },
    dispose() {
      state.tracked = null;
    },
  };
}

/** `faceapi` itself when it looks like a loaded face-api module; throws otherwise. */
function checkFaceApiModule(faceapi: any): any {
  if (!faceapi || typeof faceapi !== 'object' || !(faceapi as { nets?: unknown }).nets) {
    const got =
      faceapi === undefined
        ? 'nothing'
        : typeof faceapi === 'object'
          ? "an object without face-api's nets"
          : typeof faceapi;
    throw new Error(
      `createFaceApiProvider: options.faceapi must be a loaded @vladmandic/face-api module with its weights loaded, got ${got}; ` +
        `in Node, import { createFaceApiProvider } from 'plm-ipe/node', which loads the package and its weights itself`,
    );
  }
  return faceapi;
}

/** What a provider remembers between frames: the face it follows and frames since the detector last ran. */
interface TrackState {
  tracked: Track | null;
  sinceDetect: number;
}

/**
 * The provider's `detectAll`: the detector (and landmark net) at the input sizes that suit the frame and
 * the tracked face's size, best first, then on the frame padded with grey; faces largest first.
 */
function faceApiDetector(
  faceapi: any,
  options: FaceApiProviderOptions,
  stats: FaceApiStats,
  state: TrackState,
): FaceApiProvider['detectAll'] {
  const tf = faceapi.tf;
  const threshold = options.scoreThreshold ?? 0.5;
  const detectorOptions = (inputSize: number) =>
    options.detector === 'ssd'
      ? new faceapi.SsdMobilenetv1Options({ minConfidence: threshold })
      : new faceapi.TinyFaceDetectorOptions({ inputSize, scoreThreshold: threshold });

  const runDetector = async (frame: Frame, inputSize: number, pad: boolean): Promise<DetectedFace[]> => {
    const { width, height } = frame;
    // Padded: the frame centred on a grey canvas twice its size.
    const offsetX = pad ? width >> 1 : 0;
    const offsetY = pad ? height >> 1 : 0;
    const tensor = frameTensor(tf, frame, {
      region: { x0: 0, y0: 0, w: width, h: height },
      canvas: { W: pad ? 2 * width : width, H: pad ? 2 * height : height, ox: offsetX, oy: offsetY },
    });
    stats.detectorRuns++;
    try {
      const results: any[] = await faceapi
        .detectAllFaces(tensor, detectorOptions(inputSize))
        .withFaceLandmarks(options.tinyLandmarks ?? false);
      return results
        .map((r) => {
          const b = r.detection.box;
          return {
            box: { x: b.x - offsetX, y: b.y - offsetY, width: b.width, height: b.height },
            score: r.detection.score,
            landmarks: r.landmarks.positions.map((p: Point2) => ({ x: p.x - offsetX, y: p.y - offsetY })),
          };
        })
        .sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
    } finally {
      tf.dispose(tensor);
    }
  };

  return async (frame, o = {}) => {
    frameChannels(frame, 'FaceApiProvider.detectAll', 'frame');
    if (o.inputSize !== undefined || o.pad !== undefined)
      return runDetector(frame, o.inputSize ?? options.inputSize ?? 416, o.pad ?? false);
    const { tracked } = state;
    const side = Math.max(frame.width, frame.height);
    const sizes =
      options.detector === 'ssd'
        ? [0]
        : options.inputSize
          ? [options.inputSize]
          : detectorSizes(side, tracked ? tracked.box.width : null);
    for (const s of sizes) {
      const faces = await runDetector(frame, s, false);
      if (faces.length) return faces;
    }
    // A face filling the frame (a kiosk close-up) is found once it sits in a frame twice as large.
    const padSize =
      options.detector === 'ssd'
        ? 0
        : (options.inputSize ?? detectorSizes(2 * side, tracked ? tracked.box.width : side * 0.8)[0]);
    return runDetector(frame, padSize, true);
  };
}

/** The landmark net alone on a crop around the box predicted from the track's points; null when the track is lost. */
async function trackLandmarks(
  tf: any,
  landmarkNet: any,
  frame: Frame,
  tracked: Track | null,
): Promise<Point2[] | null> {
  if (!tracked) return null;
  const region = trackRegion(tracked, frame);
  if (!region) return null;
  // Only the crop becomes a tensor: converting the whole frame would cost more than the landmark net.
  const crop = frameTensor(tf, frame, { region, canvas: { W: region.w, H: region.h, ox: 0, oy: 0 } });
  try {
    const lm: any = await landmarkNet.detectLandmarks(crop);
    const points: Point2[] = lm.positions.map((p: Point2) => ({ x: p.x + region.x0, y: p.y + region.y0 }));
    return trackHolds(tracked.points, points) ? points : null;
  } finally {
    tf.dispose(crop);
  }
}
/* eslint-enable @typescript-eslint/no-explicit-any */
