// A LandmarkProvider on @vladmandic/face-api (tiny face detector + 68-point landmark net) running on
// TensorFlow.js's WebAssembly backend. The packages are optional peers, loaded with dynamic import()
// only inside the factory, so the library never requires them.
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
async function importOptional(name: string): Promise<any> {
  try {
    return await import(/* @vite-ignore */ name);
  } catch (err) {
    const e = new Error(
      `createFaceApiProvider: optional package '${name.split('/dist/')[0]}' could not be loaded; ` +
        `install it with: npm install @vladmandic/face-api @tensorflow/tfjs @tensorflow/tfjs-backend-wasm (${(err as Error).message})`,
    );
    throw e;
  }
}

/** Resolves an installed package folder from the working directory (Node only). */
async function packageDir(name: string): Promise<string> {
  const { createRequire } = await import('node:module');
  const path = await import('node:path');
  const req = createRequire(path.join(process.cwd(), 'index.js'));
  return path.dirname(req.resolve(`${name}/package.json`));
}

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
 * Creates a face-api landmark provider. In Node it loads `@vladmandic/face-api`'s
 * `dist/face-api.node-wasm.js`, selects TensorFlow.js's WASM backend from the locally installed
 * `@tensorflow/tfjs-backend-wasm` (no network), and reads the weights that ship in the face-api package.
 *
 * @throws Error naming the missing package when an optional dependency is not installed.
 * @example
 * ```ts
 * const provider = await createFaceApiProvider();
 * const faces = await provider.detectAll({ width, height, data: rgba });
 * faces[0].landmarks.length; // 68
 * ```
 */
export async function createFaceApiProvider(options: FaceApiProviderOptions = {}): Promise<FaceApiProvider> {
  let faceapi: any = options.faceapi;
  if (!faceapi) {
    await importOptional('@tensorflow/tfjs');
    const wasm = await importOptional('@tensorflow/tfjs-backend-wasm');
    const mod = await importOptional('@vladmandic/face-api/dist/face-api.node-wasm.js');
    faceapi = mod.default ?? mod;
    const wasmDir = (await packageDir('@tensorflow/tfjs-backend-wasm')) + '/dist/';
    (wasm.setWasmPaths ?? wasm.default?.setWasmPaths)(wasmDir);
    await faceapi.tf.setBackend('wasm');
    await faceapi.tf.ready();
    const modelPath = options.modelPath ?? (await packageDir('@vladmandic/face-api')) + '/model';
    const detector = options.detector === 'ssd' ? faceapi.nets.ssdMobilenetv1 : faceapi.nets.tinyFaceDetector;
    await detector.loadFromDisk(modelPath);
    await (options.tinyLandmarks ? faceapi.nets.faceLandmark68TinyNet : faceapi.nets.faceLandmark68Net).loadFromDisk(modelPath);
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

