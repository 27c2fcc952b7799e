// Geometry of 3D convolution and pooling, computed once per call and frozen: it validates the
// shapes (errors name the op and both shapes), carries the input, output and weight shapes and
// sizes every op, backend and kernel reads (none multiplies them out again), drives the CPU loops,
// keys kernel caches and feeds the backward pass. Pure shape arithmetic; imports only ./shape.ts.
import { sizeOf } from './shape.js';

/** An NCDHW tensor shape (or a conv weight's `[out, in, kD, kH, kW]`). */
export type Shape5 = readonly [number, number, number, number, number];

/** A size option: one number for all three spatial dims, or a `[d, h, w]` triple. */
export type Size3 = number | readonly [number, number, number];

/** Expands a {@link Size3} option to a triple, checking it is made of integers >= `min`. */
export function triple(op: string, name: string, value: Size3, min: number): [number, number, number] {
  const t: [number, number, number] =
    typeof value === 'number' ? [value, value, value] : [value[0], value[1], value[2]];
  if (typeof value !== 'number' && (!Array.isArray(value) || value.length !== 3)) {
    throw new Error(`${op}: ${name} must be a number or a [d, h, w] triple, got ${JSON.stringify(value)}`);
  }
  for (const v of t) {
    if (!Number.isInteger(v) || v < min) {
      throw new Error(`${op}: ${name} must be integers >= ${min}, got ${JSON.stringify(value)}`);
    }
  }
  return t;
}

/** What conv3d and pool3d geometries share: a window sliding over an NCDHW input. */
export interface WindowGeometry {
  readonly batch: number;
  /** Input spatial dims. */
  readonly inD: number;
  readonly inH: number;
  readonly inW: number;
  /** Kernel (window) dims. */
  readonly kD: number;
  readonly kH: number;
  readonly kW: number;
  readonly strideD: number;
  readonly strideH: number;
  readonly strideW: number;
  /** Padding added before (and after) each spatial dim: zeros, or -inf for max pooling. */
  readonly padD: number;
  readonly padH: number;
  readonly padW: number;
  /** Output spatial dims. */
  readonly outD: number;
  readonly outH: number;
  readonly outW: number;
  /** Input x: `[batch, channels, inD, inH, inW]`. */
  readonly inputShape: Shape5;
  /** Output y (and dy, and max pooling's argmax): `[batch, channels, outD, outH, outW]`. */
  readonly outputShape: Shape5;
  /** Element counts of {@link inputShape} and {@link outputShape}. */
  readonly inputSize: number;
  readonly outputSize: number;
  /** Spatial element counts of one channel: `inD·inH·inW` and `outD·outH·outW`. */
  readonly inVolume: number;
  readonly outVolume: number;
  /** A string that identifies this geometry, for kernel caches. */
  readonly key: string;
}

/**
 * Everything a conv3d kernel (forward, grad-input, grad-weight) needs to know. NCDHW layout: the
 * input has `inChannels` channels, the output `outChannels`.
 */
export interface Conv3dGeometry extends WindowGeometry {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly dilationD: number;
  readonly dilationH: number;
  readonly dilationW: number;
  /** Weight: `[outChannels, inChannels, kD, kH, kW]`. */
  readonly weightShape: Shape5;
  /** Element count of {@link weightShape}. */
  readonly weightSize: number;
  /** The taps of one channel pair: `kD·kH·kW`. */
  readonly kernelVolume: number;
}

/** The frozen shape, its element count and the element count of its three spatial dims. */
function shape5(dims: readonly number[]): { shape: Shape5; size: number; volume: number } {
  const shape = Object.freeze([dims[0], dims[1], dims[2], dims[3], dims[4]] as const);
  return { shape, size: sizeOf(shape), volume: sizeOf(shape.slice(2)) };
}

function outSize(op: string, dim: string, inSize: number, k: number, stride: number, pad: number, dil: number): number {
  const span = dil * (k - 1) + 1;
  const padded = inSize + 2 * pad;
  if (span > padded) {
    throw new Error(
      `${op}: kernel extent ${span} along ${dim} (kernel ${k}, dilation ${dil}) is larger than the padded input ${padded} (input ${inSize}, padding ${pad})`,
    );
  }
  return Math.floor((padded - span) / stride) + 1;
}

/** Stride, padding and dilation of {@link conv3d} (PyTorch semantics); each a number or `[d, h, w]`. */
export interface Conv3dOptions {
  stride?: Size3;
  padding?: Size3;
  dilation?: Size3;
}

/** Checks that input and weight are 5-D and agree on the input channels. */
function checkConvShapes(xShape: readonly number[], wShape: readonly number[], op: string): void {
  if (xShape.length !== 5) {
    throw new Error(`${op}: input x must be 5-D [N, C, D, H, W], got shape [${xShape.join(', ')}]`);
  }
  if (wShape.length !== 5) {
    throw new Error(`${op}: weight must be 5-D [out, in, kD, kH, kW], got shape [${wShape.join(', ')}]`);
  }
  if (wShape[1] !== xShape[1]) {
    throw new Error(
      `${op}: weight expects ${wShape[1]} input channels (weight shape [${wShape.join(', ')}]) but input x has ${xShape[1]} (shape [${xShape.join(', ')}])`,
    );
  }
}

/** Validates input `[N, C, D, H, W]` against weight `[out, in, kD, kH, kW]` and computes the output dims. */
export function conv3dGeometry(
  xShape: readonly number[],
  wShape: readonly number[],
  options: Conv3dOptions = {},
  op = 'conv3d',
): Conv3dGeometry {
  checkConvShapes(xShape, wShape, op);
  const [batch, inChannels, inD, inH, inW] = xShape;
  const [outChannels, , kD, kH, kW] = wShape;
  const [strideD, strideH, strideW] = triple(op, 'stride', options.stride ?? 1, 1);
  const [padD, padH, padW] = triple(op, 'padding', options.padding ?? 0, 0);
  const [dilationD, dilationH, dilationW] = triple(op, 'dilation', options.dilation ?? 1, 1);
  const outD = outSize(op, 'depth', inD, kD, strideD, padD, dilationD);
  const outH = outSize(op, 'height', inH, kH, strideH, padH, dilationH);
  const outW = outSize(op, 'width', inW, kW, strideW, padW, dilationW);
  const key = [
    batch,
    inChannels,
    outChannels,
    inD,
    inH,
    inW,
    kD,
    kH,
    kW,
    strideD,
    strideH,
    strideW,
    padD,
    padH,
    padW,
    dilationD,
    dilationH,
    dilationW,
  ].join(',');
  const input = shape5(xShape),
    weight = shape5(wShape),
    output = shape5([batch, outChannels, outD, outH, outW]);
  return Object.freeze({
    batch,
    inChannels,
    outChannels,
    inD,
    inH,
    inW,
    kD,
    kH,
    kW,
    strideD,
    strideH,
    strideW,
    padD,
    padH,
    padW,
    dilationD,
    dilationH,
    dilationW,
    outD,
    outH,
    outW,
    inputShape: input.shape,
    weightShape: weight.shape,
    outputShape: output.shape,
    inputSize: input.size,
    weightSize: weight.size,
    outputSize: output.size,
    inVolume: input.volume,
    outVolume: output.volume,
    kernelVolume: weight.volume,
    key,
  });
}

/** Geometry of max/avg pooling over `[N, C, D, H, W]`: input and output have `channels` channels. */
export interface Pool3dGeometry extends WindowGeometry {
  readonly channels: number;
}

/** Window, stride and padding of {@link maxPool3d} / {@link avgPool3d} (PyTorch semantics). */
export interface Pool3dOptions {
  kernelSize: Size3;
  /** Defaults to `kernelSize`, as in PyTorch. */
  stride?: Size3;
  padding?: Size3;
  /** Use ceil instead of floor for the output size (PyTorch's `ceil_mode`). */
  ceilMode?: boolean;
}

/** One output dim of a pooling window (PyTorch's rules: padding at most half the kernel, ceil mode's last window). */
function poolOutSize(op: string, dim: string, n: number, k: number, s: number, p: number, ceilMode: boolean): number {
  if (p * 2 > k) {
    throw new Error(`${op}: padding along ${dim} must be at most half the kernel size (kernel ${k}), got ${p}`);
  }
  if (k > n + 2 * p) {
    throw new Error(
      `${op}: kernel ${k} along ${dim} is larger than the padded input ${n + 2 * p} (input ${n}, padding ${p})`,
    );
  }
  let o = ceilMode ? Math.ceil((n + 2 * p - k) / s) + 1 : Math.floor((n + 2 * p - k) / s) + 1;
  // PyTorch: with ceil mode the last window must start inside the input or left padding.
  if (ceilMode && (o - 1) * s >= n + p) o--;
  return o;
}

/** Validates a pooling call with PyTorch's rules (padding at most half the kernel). */
export function pool3dGeometry(xShape: readonly number[], options: Pool3dOptions, op = 'maxPool3d'): Pool3dGeometry {
  if (xShape.length !== 5) {
    throw new Error(`${op}: input x must be 5-D [N, C, D, H, W], got shape [${xShape.join(', ')}]`);
  }
  if (options === undefined || options.kernelSize === undefined) {
    throw new Error(`${op}: options.kernelSize is required`);
  }
  const [batch, channels, inD, inH, inW] = xShape;
  const [kD, kH, kW] = triple(op, 'kernelSize', options.kernelSize, 1);
  const [strideD, strideH, strideW] = triple(op, 'stride', options.stride ?? options.kernelSize, 1);
  const [padD, padH, padW] = triple(op, 'padding', options.padding ?? 0, 0);
  const dims = [
    ['depth', inD, kD, strideD, padD],
    ['height', inH, kH, strideH, padH],
    ['width', inW, kW, strideW, padW],
  ] as const;
  const ceilMode = options.ceilMode ?? false;
  const [outD, outH, outW] = dims.map(([dim, n, k, s, p]) => poolOutSize(op, dim, n, k, s, p, ceilMode));
  const key = [
    batch,
    channels,
    inD,
    inH,
    inW,
    kD,
    kH,
    kW,
    strideD,
    strideH,
    strideW,
    padD,
    padH,
    padW,
    outD,
    outH,
    outW,
  ].join(',');
  const input = shape5(xShape),
    output = shape5([batch, channels, outD, outH, outW]);
  return Object.freeze({
    batch,
    channels,
    inD,
    inH,
    inW,
    kD,
    kH,
    kW,
    strideD,
    strideH,
    strideW,
    padD,
    padH,
    padW,
    outD,
    outH,
    outW,
    inputShape: input.shape,
    outputShape: output.shape,
    inputSize: input.size,
    outputSize: output.size,
    inVolume: input.volume,
    outVolume: output.volume,
    key,
  });
}
