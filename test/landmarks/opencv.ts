// Loads @techstark/opencv-js once for tests and benches. It is an emscripten build: the module object
// is a thenable that resolves to itself (awaiting it loops forever), so wait on onRuntimeInitialized.
import { createRequire } from 'node:module';

/* eslint-disable @typescript-eslint/no-explicit-any -- opencv.js ships loose typings */
let ready: Promise<any> | null = null;

export function loadOpenCv(): Promise<any> {
  if (!ready) {
    ready = new Promise((resolve) => {
      const require = createRequire(import.meta.url);
      const cv = require('@techstark/opencv-js');
      if (cv.Mat) resolve(wrap(cv));
      else cv.onRuntimeInitialized = () => resolve(wrap(cv));
    });
  }
  return ready;
}

// Returning the module from a promise would trigger the thenable trap again, so box it.
function wrap(cv: any): any {
  return { cv };
}

/** OpenCV's calcOpticalFlowFarneback on two 8-bit images; returns the CV_32FC2 data. */
export function opencvFarneback(
  cv: any,
  w: number,
  h: number,
  prev: Uint8Array,
  next: Uint8Array,
  p: {
    pyrScale: number;
    levels: number;
    winSize: number;
    iterations: number;
    polyN: number;
    polySigma: number;
    gaussianWindow?: boolean;
  },
): Float32Array {
  const m0 = cv.matFromArray(h, w, cv.CV_8UC1, prev);
  const m1 = cv.matFromArray(h, w, cv.CV_8UC1, next);
  const f = new cv.Mat();
  try {
    cv.calcOpticalFlowFarneback(
      m0,
      m1,
      f,
      p.pyrScale,
      p.levels,
      p.winSize,
      p.iterations,
      p.polyN,
      p.polySigma,
      p.gaussianWindow ? 256 : 0,
    );
    return new Float32Array(f.data32F);
  } finally {
    m0.delete();
    m1.delete();
    f.delete();
  }
}
