// Launchers of 3D convolution and pooling (kernel bodies: ../kernel-sources/conv3d.ts and
// pool3d.ts). The frozen geometry becomes the baked constants, so the kernel cache keys on it.
import type { Conv3dGeometry, Pool3dGeometry, WindowGeometry } from '../../../tensor/geometry.js';
import type { DeviceValue } from '../storage.js';
import type { Device } from './device.js';

/** The window fields conv and pool kernels share. */
function windowConstants(g: WindowGeometry): Record<string, number> {
  return {
    inD: g.inD,
    inH: g.inH,
    inW: g.inW,
    kD: g.kD,
    kH: g.kH,
    kW: g.kW,
    strideD: g.strideD,
    strideH: g.strideH,
    strideW: g.strideW,
    padD: g.padD,
    padH: g.padH,
    padW: g.padW,
    outD: g.outD,
    outH: g.outH,
    outW: g.outW,
  };
}

function convConstants(g: Conv3dGeometry): Record<string, number> {
  const dilations = { dilD: g.dilationD, dilH: g.dilationH, dilW: g.dilationW };
  return { N: g.batch, Ci: g.inChannels, Co: g.outChannels, ...windowConstants(g), ...dilations };
}

const poolConstants = windowConstants;

export function conv3d(
  dev: Device,
  x: DeviceValue,
  w: DeviceValue,
  bias: DeviceValue | null,
  g: Conv3dGeometry,
): DeviceValue {
  const n = g.outputSize;
  if (n === 0) return dev.fill(0, 0);
  const tiled = dev.wgsl?.conv3d(x, w, bias, g);
  if (tiled) return tiled;
  // Without a bias the kernel never reads its third argument; x stands in so types stay stable.
  return dev.kernels.run('conv3dForward', n, { ...convConstants(g), hasBias: bias ? 1 : 0 }, [x, w, bias ?? x]);
}

export function conv3dGradInput(dev: Device, dy: DeviceValue, w: DeviceValue, g: Conv3dGeometry): DeviceValue {
  const n = g.inputSize;
  if (n === 0 || g.outputSize === 0) return dev.fill(n, 0);
  const tiled = dev.wgsl?.conv3dGradInput(dy, w, g);
  if (tiled) return tiled;
  return dev.kernels.run('conv3dGradInput', n, convConstants(g), [dy, w]);
}

export function conv3dGradWeight(dev: Device, x: DeviceValue, dy: DeviceValue, g: Conv3dGeometry): DeviceValue {
  const n = g.weightSize;
  if (n === 0 || g.outputSize === 0) return dev.fill(n, 0);
  const tiled = dev.wgsl?.conv3dGradWeight(x, dy, g);
  if (tiled) return tiled;
  return dev.kernels.run('conv3dGradWeight', n, convConstants(g), [x, dy]);
}

export function maxPool3d(dev: Device, x: DeviceValue, g: Pool3dGeometry): { y: DeviceValue; argmax: DeviceValue } {
  const n = g.outputSize;
  if (n === 0) return { y: dev.fill(0, 0), argmax: dev.fill(0, 0) };
  const c = poolConstants(g);
  return {
    y: dev.kernels.run('maxPoolWindow', n, { ...c, wantIndex: 0 }, [x]),
    argmax: dev.kernels.run('maxPoolWindow', n, { ...c, wantIndex: 1 }, [x]),
  };
}

export function maxPool3dGrad(dev: Device, dy: DeviceValue, argmax: DeviceValue, g: Pool3dGeometry): DeviceValue {
  const n = g.inputSize;
  if (n === 0 || g.outputSize === 0) return dev.fill(n, 0);
  return dev.kernels.run('maxPoolGrad', n, poolConstants(g), [dy, argmax]);
}

export function avgPool3d(dev: Device, x: DeviceValue, g: Pool3dGeometry, countIncludePad: boolean): DeviceValue {
  const n = g.outputSize;
  if (n === 0) return dev.fill(0, 0);
  return dev.kernels.run('avgPoolWindow', n, { ...poolConstants(g), includePad: countIncludePad ? 1 : 0 }, [x]);
}

export function avgPool3dGrad(dev: Device, dy: DeviceValue, g: Pool3dGeometry, countIncludePad: boolean): DeviceValue {
  const n = g.inputSize;
  if (n === 0 || g.outputSize === 0) return dev.fill(n, 0);
  return dev.kernels.run('avgPoolGrad', n, { ...poolConstants(g), includePad: countIncludePad ? 1 : 0 }, [dy]);
}
