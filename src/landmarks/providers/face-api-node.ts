// The face-api provider's Node loading (Node only: node:module, node:path, dynamic import of the
// optional peers): loads `@vladmandic/face-api`'s node-wasm build, TensorFlow.js's WASM backend from
// node_modules (no network) and the weights that ship in the face-api package, then builds the
// browser-safe provider of ./face-api.ts on it. Exported from `plm-ipe/node`.
import {
  createFaceApiProvider as createProviderOn,
  type FaceApiProvider,
  type FaceApiProviderOptions,
} from './face-api.js';

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

/**
 * Resolves an installed package folder from the working directory, else from the running script
 * (`npx plm-ipe` or `node /srv/app/server.js` started in another folder), Node only.
 */
async function packageDir(name: string): Promise<string> {
  const { createRequire } = await import('node:module');
  const path = await import('node:path');
  const from = [path.join(process.cwd(), 'index.js'), process.argv[1]].filter(
    (f): f is string => typeof f === 'string' && f !== '',
  );
  for (const base of from) {
    try {
      return path.dirname(createRequire(path.resolve(base)).resolve(`${name}/package.json`));
    } catch {
      // try the next base
    }
  }
  throw new Error(
    `createFaceApiProvider: cannot find the folder of '${name}' from ${from.join(' or ')}; ` +
      `install it with: npm install @vladmandic/face-api @tensorflow/tfjs @tensorflow/tfjs-backend-wasm`,
  );
}

/**
 * Creates a face-api landmark provider in Node. Unless `options.faceapi` is given, it loads
 * `@vladmandic/face-api`'s `dist/face-api.node-wasm.js`, selects TensorFlow.js's WASM backend from
 * the locally installed `@tensorflow/tfjs-backend-wasm` (no network), and reads the weights that
 * ship in the face-api package (or `options.modelPath`).
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
    const setWasmPaths = wasm.setWasmPaths ?? wasm.default?.setWasmPaths;
    if (typeof setWasmPaths !== 'function') {
      throw new Error('createFaceApiProvider: @tensorflow/tfjs-backend-wasm exports no setWasmPaths function');
    }
    setWasmPaths(wasmDir);
    await faceapi.tf.setBackend('wasm');
    await faceapi.tf.ready();
    const modelPath = options.modelPath ?? (await packageDir('@vladmandic/face-api')) + '/model';
    const detector = options.detector === 'ssd' ? faceapi.nets.ssdMobilenetv1 : faceapi.nets.tinyFaceDetector;
    await detector.loadFromDisk(modelPath);
    await (options.tinyLandmarks ? faceapi.nets.faceLandmark68TinyNet : faceapi.nets.faceLandmark68Net).loadFromDisk(
      modelPath,
    );
  }
  return createProviderOn({ ...options, faceapi });
}
/* eslint-enable @typescript-eslint/no-explicit-any */
