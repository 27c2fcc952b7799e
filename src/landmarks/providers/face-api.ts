// A LandmarkProvider on an already loaded @vladmandic/face-api module (tiny face detector + 68-point
// landmark net): browser-safe, it imports nothing of face-api. Loading the optional peers and their
// weights from node_modules is ./face-api-node.ts (Node only, the `plm-ipe/node` entry).
import type { LandmarkProvider } from '../descriptor.js';
import type { Frame, Point2 } from '../types.js';
import { frameChannels } from '../warp.js';

/** Options of {@link createFaceApiProvider}. */
export interface FaceApiProviderOptions {
  /** Folder with the face-api weights. Default: the `model` folder inside the installed `@vladmandic/face-api`. */
  modelPath?: string;
  /** Face detector: `'tiny'` (default, fast) or `'ssd'` (SSD MobileNet v1, more accurate). */
  detector?: 'tiny' | 'ssd';
  /** Tiny-detector input size (multiple of 32). Default 416. */
  inputSize?: number;
  /** Minimum detection score. Default 0.5. */
  scoreThreshold?: number;
  /** Use the smaller 68-point landmark net. Default false. */
  tinyLandmarks?: boolean;
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

/** A {@link LandmarkProvider} that also exposes every face of a frame. */
export interface FaceApiProvider extends LandmarkProvider {
  /** All faces in the frame, largest first. */
  detectAll(frame: Frame): Promise<DetectedFace[]>;
  /** 68 points of the tracked face: the largest at start, then the one overlapping the previous box most. */
  detect(frame: Frame): Promise<Point2[] | null>;
  /** Forgets the tracked face. */
  reset(): void;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- face-api and tfjs are untyped optional peers here */
function iou(a: DetectedFace['box'], b: DetectedFace['box']): number {
  const x0 = Math.max(a.x, b.x);
  const y0 = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.width, b.x + b.width);
  const y1 = Math.min(a.y + a.height, b.y + b.height);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
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
  const faceapi: any = options.faceapi;
  if (!faceapi || typeof faceapi !== 'object' || !(faceapi as { nets?: unknown }).nets) {
    const got = faceapi === undefined ? 'nothing' : typeof faceapi === 'object' ? 'an object without face-api\'s nets' : typeof faceapi;
    throw new Error(
      `createFaceApiProvider: options.faceapi must be a loaded @vladmandic/face-api module with its weights loaded, got ${got}; ` +
        `in Node, import { createFaceApiProvider } from 'plm-ipe/node', which loads the package and its weights itself`,
    );
  }
  const tf = faceapi.tf;
  const detectorOptions =
    options.detector === 'ssd'
      ? new faceapi.SsdMobilenetv1Options({ minConfidence: options.scoreThreshold ?? 0.5 })
      : new faceapi.TinyFaceDetectorOptions({ inputSize: options.inputSize ?? 416, scoreThreshold: options.scoreThreshold ?? 0.5 });
  let tracked: DetectedFace['box'] | null = null;

  const detectAll = async (frame: Frame): Promise<DetectedFace[]> => {
    const ch = frameChannels(frame, 'FaceApiProvider.detectAll', 'frame');
    const n = frame.width * frame.height;
    const rgb = new Int32Array(n * 3);
    for (let i = 0; i < n; i++) {
      const s = i * ch;
      rgb[3 * i] = frame.data[s];
      rgb[3 * i + 1] = frame.data[ch === 1 ? s : s + 1];
      rgb[3 * i + 2] = frame.data[ch === 1 ? s : s + 2];
    }
    const tensor = tf.tensor3d(rgb, [frame.height, frame.width, 3], 'int32');
    try {
      const results: any[] = await faceapi.detectAllFaces(tensor, detectorOptions).withFaceLandmarks(options.tinyLandmarks ?? false);
      return results
        .map((r) => {
          const b = r.detection.box;
          return {
            box: { x: b.x, y: b.y, width: b.width, height: b.height },
            score: r.detection.score,
            landmarks: r.landmarks.positions.map((p: Point2) => ({ x: p.x, y: p.y })),
          };
        })
        .sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
    } finally {
      tf.dispose(tensor);
    }
  };

  return {
    detectAll,
    async detect(frame: Frame) {
      const faces = await detectAll(frame);
      if (faces.length === 0) return null;
      let pick = faces[0];
      if (tracked) {
        const prev = tracked;
        let best = -1;
        for (const f of faces) {
          const o = iou(prev, f.box);
          if (o > best) {
            best = o;
            pick = f;
          }
        }
        if (best <= 0) pick = faces[0];
      }
      tracked = pick.box;
      return pick.landmarks;
    },
    reset() {
      tracked = null;
    },
    dispose() {
      tracked = null;
    },
  };
}
/* eslint-enable @typescript-eslint/no-explicit-any */

