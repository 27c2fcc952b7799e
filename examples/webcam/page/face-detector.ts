// Loads face-api in the page: its self-contained ESM build (TensorFlow.js inside) and the tiny
// face detector + 68-landmark weights, served as static files next to the page by the build,
// then wraps it in the library's LandmarkProvider with createFaceApiProvider({ faceapi }).
import { createFaceApiProvider, type FaceApiProvider } from 'plm-ipe';

/** Where the build puts face-api's ESM bundle and its weights, relative to the page. */
export const FACE_API_URL = './vendor/face-api.esm.js';
export const FACE_API_MODELS = './models';

/** Options of {@link loadFaceApi}. */
export interface FaceApiLoadOptions {
  /** TensorFlow.js backend for face-api ('webgl', 'cpu', ...). Default: TensorFlow.js's own choice (webgl where available). */
  tfBackend?: string;
  /** Tiny-detector input size, a multiple of 32. Default 224 (smaller is faster, finds fewer small faces). */
  inputSize?: number;
}

/** The provider and the TensorFlow.js backend face-api runs on (webgl, or cpu where WebGL is missing). */
export async function loadFaceApi(
  options: FaceApiLoadOptions = {},
): Promise<{ provider: FaceApiProvider; tfBackend: string }> {
  // A computed URL keeps esbuild from bundling the 1.3 MB file into the page script.
  const url = new URL(FACE_API_URL, location.href).href;
  /* eslint-disable @typescript-eslint/no-explicit-any -- face-api's ESM build ships no usable types here */
  const faceapi: any = await import(/* @vite-ignore */ url);
  if (options.tfBackend) await faceapi.tf.setBackend(options.tfBackend);
  await faceapi.tf.ready();
  await faceapi.nets.tinyFaceDetector.loadFromUri(FACE_API_MODELS);
  await faceapi.nets.faceLandmark68Net.loadFromUri(FACE_API_MODELS);
  const provider = await createFaceApiProvider({ faceapi, inputSize: options.inputSize ?? 224, scoreThreshold: 0.4 });
  return { provider, tfBackend: String(faceapi.tf.getBackend()) };
  /* eslint-enable @typescript-eslint/no-explicit-any */
}
