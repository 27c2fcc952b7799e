// The cpu backend's hot primitives (matmul, conv3d, pooling) in one place: the WebAssembly
// SIMD kernels of ./kernels (threaded over both cores in Node). ./reference.ts holds the plain
// loops that the conformance table (test/conformance) checks them, and every other backend, against.
export {
  gemm,
  conv3dForward,
  conv3dReluMaxPoolWinograd,
  conv3dGradInput,
  conv3dGradWeight,
  maxPool3dForward,
  maxPool3dBackward,
  avgPool3dForward,
  avgPool3dBackward,
  kernelInfo,
  setKernelThreads,
  residentOffset,
  releaseResident,
} from './kernels/index.js';
