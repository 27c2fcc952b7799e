// Every op, re-exported for the Tensor's chainable methods and the package root.
export {
  add,
  sub,
  mul,
  div,
  pow,
  maximum,
  minimum,
  equal,
  greater,
  less,
  greaterEqual,
  lessEqual,
  sumToShape,
} from './binary.js';
export { neg, exp, log, sqrt, abs, square, relu, sigmoid, tanh, sin, cos, isFinite, sign } from './unary.js';
export { sum, mean, max, min, argMax } from './reduce.js';
export {
  reshape,
  flatten,
  squeeze,
  unsqueeze,
  permute,
  transpose,
  slice,
  concat,
  stack,
  broadcastTo,
  clone,
  onesLike,
  zerosLike,
} from './layout.js';
export { matmul, linear } from './matmul.js';
export { softmax, logSoftmax } from './softmax.js';
export { conv3d, conv3dRelu, conv3dReluMaxPool } from './conv3d.js';
export { maxPool3d, avgPool3d } from './pool3d.js';
export { dropout, where } from './dropout.js';
export { lstmSequence, type LstmWeights, type LstmSequenceResult } from './lstm.js';
export { adamUpdate_, sgdUpdate_, assign_ } from './inplace.js';
