// Launchers of the elementwise family (kernel bodies: ../kernel-sources/elementwise.ts):
// unary maps, binary maps with broadcasting, where. Op codes are the `op` constant.
import type { BinaryOp, UnaryOp } from '../../backend.js';
import type { DeviceValue } from '../storage.js';
import { broadcastStrides, sizeOf } from '../../../tensor/shape.js';
import { stridedConstants, type Device } from './device.js';

export const UNARY_CODES: Record<UnaryOp, number> = {
  neg: 0,
  exp: 1,
  log: 2,
  sqrt: 3,
  rsqrt: 4,
  abs: 5,
  sign: 6,
  relu: 7,
  sigmoid: 8,
  tanh: 9,
  square: 10,
  reciprocal: 11,
  sin: 12,
  cos: 13,
  floor: 14,
  ceil: 15,
  round: 16,
  isFinite: 17,
};

export const BINARY_CODES: Record<BinaryOp, number> = {
  add: 0,
  sub: 1,
  mul: 2,
  div: 3,
  pow: 4,
  maximum: 5,
  minimum: 6,
  eq: 7,
  ne: 8,
  gt: 9,
  ge: 10,
  lt: 11,
  le: 12,
  reluGrad: 13,
  sigmoidGrad: 14,
  tanhGrad: 15,
};

function code<T extends string>(table: Record<T, number>, op: T, kind: string): number {
  const c = table[op];
  if (c === undefined) throw new Error(`gpu backend: unknown ${kind} op '${op}'`);
  return c;
}

export function unary(dev: Device, op: UnaryOp, x: DeviceValue, size: number): DeviceValue {
  return dev.kernels.run('unaryMap', size, { op: code(UNARY_CODES, op, 'unary') }, [x]);
}

export function binary(
  dev: Device,
  op: BinaryOp,
  a: DeviceValue,
  aShape: readonly number[],
  b: DeviceValue,
  bShape: readonly number[],
  outShape: readonly number[],
): DeviceValue {
  const n = sizeOf(outShape);
  const opCode = code(BINARY_CODES, op, 'binary');
  // Equal element counts under valid broadcasting means equal layouts.
  if (sizeOf(aShape) === n && sizeOf(bShape) === n) return dev.kernels.run('binarySame', n, { op: opCode }, [a, b]);
  const c = stridedConstants(
    op,
    outShape,
    [broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape)],
    ['a', 'b'],
  );
  return dev.kernels.run('binaryStrided', n, { ...c, op: opCode }, [a, b]);
}

export function where(
  dev: Device,
  cond: DeviceValue,
  cShape: readonly number[],
  a: DeviceValue,
  aShape: readonly number[],
  b: DeviceValue,
  bShape: readonly number[],
  outShape: readonly number[],
): DeviceValue {
  const strides = [
    broadcastStrides(cShape, outShape),
    broadcastStrides(aShape, outShape),
    broadcastStrides(bShape, outShape),
  ];
  const c = stridedConstants('where', outShape, strides, ['k', 'a', 'b']);
  return dev.kernels.run('whereStrided', sizeOf(outShape), c, [cond, a, b]);
}
