// The package root `plm-ipe`: everything that runs anywhere (browsers, workers, Node, Deno).
// Nothing reachable from here may import a node: module, pngjs or gpu.js, not even lazily
// (bundlers follow dynamic imports): Node-only API is src/node/index.ts (`plm-ipe/node`), the gpu
// backend src/gpu/index.ts (`plm-ipe/gpu`). test/package/consumer.test.ts bundles this for browsers.

export { Tensor } from './tensor/tensor.js';
export type { GradNode } from './tensor/tensor.js';
export {
  setBackend,
  getBackend,
  ready,
  liveTensorCount,
  memory,
  noGrad,
  isGradEnabled,
  tidy,
  keep,
} from './tensor/engine.js';
export type { BackendOptions } from './tensor/engine.js';
export { tensor, zeros, ones, full, rand, randn, arange } from './tensor/creation.js';
export type { TensorOptions } from './tensor/creation.js';
export { manualSeed, createRng } from './tensor/random.js';
// Ndarray-shaped values ({ data, shape, stride, offset }) are read structurally by tensor() and frameFromStrided().
export { isStridedArray } from './tensor/strided.js';
export type { StridedArray } from './tensor/strided.js';
export type {
  Size3,
  Shape5,
  Conv3dOptions,
  Pool3dOptions,
  WindowGeometry,
  Conv3dGeometry,
  Pool3dGeometry,
} from './tensor/geometry.js';
export { conv3dGeometry, pool3dGeometry } from './tensor/geometry.js';
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
  neg,
  exp,
  log,
  sqrt,
  abs,
  square,
  relu,
  sigmoid,
  tanh,
  sin,
  cos,
  isFinite,
  sign,
  sum,
  mean,
  max,
  min,
  argMax,
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
  matmul,
  linear,
  softmax,
  logSoftmax,
  conv3d,
  conv3dRelu,
  conv3dReluMaxPool,
  maxPool3d,
  avgPool3d,
  dropout,
  where,
  lstmSequence,
} from './tensor/ops/index.js';
export type { LstmWeights, LstmSequenceResult } from './tensor/ops/index.js';
export type { Backend, DataId, UnaryOp, BinaryOp, ReduceOp, AdamHyper, SgdHyper } from './backend/backend.js';
export { registerBackend } from './backend/backend.js';

export { Module } from './layers/module.js';
export type { StateDict } from './layers/module.js';
export { Linear } from './layers/linear.js';
export type { LinearOptions } from './layers/linear.js';
export { Conv3d } from './layers/conv3d.js';
export type { Conv3dLayerOptions } from './layers/conv3d.js';
export { MaxPool3d, AvgPool3d, ReLU, Dropout, Flatten, Sequential } from './layers/simple.js';
export { LSTM, LSTMCell, lengthsToMask } from './layers/lstm.js';
export type { LSTMOptions, LSTMState, LSTMForwardOptions, LSTMOutput } from './layers/lstm.js';

export { crossEntropy } from './losses/cross-entropy.js';
export type { CrossEntropyOptions } from './losses/cross-entropy.js';
export { klDiv } from './losses/kl-div.js';
export type { KlDivOptions } from './losses/kl-div.js';

export { Optimizer } from './optim/optimizer.js';
export type { OptimizerState } from './optim/optimizer.js';
export { Adam } from './optim/adam.js';
export type { AdamOptions } from './optim/adam.js';
export { SGD } from './optim/sgd.js';
export type { SGDOptions } from './optim/sgd.js';

export { serializeSafetensors, parseSafetensors } from './io/safetensors.js';
export type { NamedTensors } from './io/safetensors.js';
// PyTorch checkpoints (torch.save, zip and legacy formats) through a restricted unpickler.
export { loadTorchCheckpoint, readTorchCheckpoint } from './io/torch/checkpoint.js';
export type { TorchArray, TorchStateDict, TorchReadOptions, TorchLoadOptions } from './io/torch/checkpoint.js';
export type { TorchDtype, TorchValues } from './io/torch/dtypes.js';

export { kernelInfo, setKernelThreads } from './backend/cpu/hot-kernels.js';
export { setArrayPoolLimit, clearArrayPool, arrayPoolStats } from './backend/cpu/array-pool.js';

// The landmark-based descriptor (paper section 3.3): alignment, 36 regions, Farneback flow, 72-d frames.
export * from './landmarks/index.js';

// Data: the built-in synthetic dataset, preprocessing, manifests and splits, browser frame capture.
export * from './data/index.js';

// Statistics for comparing methods over folds and seeds (mean ± 95 % CI, sign test, paired bootstrap).
export { classificationReport } from './eval/metrics.js';
export type { ClassificationReport } from './eval/metrics.js';
export { meanInterval, tQuantile975, signTest, pairedBootstrap } from './eval/statistics.js';
export type { MeanInterval, SignTest, PairedUnit, PairedBootstrap } from './eval/statistics.js';

// The PLM-IPE models: C3D, the pixel and landmark estimators, mutual learning, baselines, checkpoints.
export * from './models/index.js';

// One video's features exactly as `plm-ipe demo` trains on them, and batching (browser-safe;
// the dataset-wide extraction with its disk cache and the CLI are Node-only and not exported here).
export {
  computeFeatures,
  computeClips,
  descriptorOptions,
  pickClips,
  pickApexClips,
  PAPER_EXTRACT,
} from './pipeline/video-features.js';
export type { VideoExtractOptions, VideoFeatures } from './pipeline/video-features.js';
export {
  makeBatch,
  balancedClassWeights,
  splitPlan,
  splitFeatures,
  batchIndices,
  partitionFeatures,
  relabel,
  featureEntries,
} from './pipeline/dataset.js';
export type { BatchAugmentation, FeatureSplit, SplitPlanRequest } from './pipeline/dataset.js';
export { demoConfig, SMALL_EXTRACT, SMALL_TRAINING } from './pipeline/demo-config.js';
export type { DemoConfig } from './pipeline/demo-config.js';

// A dependency-free SVG line chart for training curves.
export { lineChart } from './report/svg-chart.js';
export type { Series, ChartOptions } from './report/svg-chart.js';

// Prediction: "video in, preference out" with training's features (Predictor, live sessions).
export * from './predict/index.js';
