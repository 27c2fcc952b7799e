// Launchers of the fused row family (kernel bodies: ../kernel-sources/fused.ts): softmax,
// the LSTM cell forward/backward, and the Adam/SGD updates. The optimizer launchers return
// the new values; the backend swaps them into the caller's handles (in-place semantics).
import type { AdamHyper, SgdHyper } from '../../backend.js';
import type { DeviceValue } from '../storage.js';
import type { Device } from './device.js';

export function softmax(
  dev: Device,
  x: DeviceValue,
  outer: number,
  n: number,
  inner: number,
  log: boolean,
): DeviceValue {
  const size = outer * n * inner;
  if (size === 0) return dev.fill(0, 0);
  const lse = dev.kernels.run('softmaxStats', outer * inner, { n, inner }, [x]);
  const out = dev.kernels.run('softmaxApply', size, { rowSize: n * inner, inner, log: log ? 1 : 0 }, [x, lse]);
  dev.release(lse);
  return out;
}

export function lstmCell(
  dev: Device,
  gates: DeviceValue,
  cPrev: DeviceValue,
  hPrev: DeviceValue,
  mask: DeviceValue | null,
  B: number,
  H: number,
): { h: DeviceValue; c: DeviceValue; acts: DeviceValue } {
  if (B * H === 0) return { h: dev.fill(0, 0), c: dev.fill(0, 0), acts: dev.fill(0, 0) };
  const base = { H, H4: 4 * H, hasMask: mask ? 1 : 0 };
  // With no mask the kernel never reads its mask argument; gates stands in.
  const m = mask ?? gates;
  return {
    acts: dev.kernels.run('lstmActs', B * 5 * H, { H, H4: 4 * H, H5: 5 * H }, [gates, cPrev]),
    c: dev.kernels.run('lstmState', B * H, { ...base, which: 0 }, [gates, cPrev, hPrev, m]),
    h: dev.kernels.run('lstmState', B * H, { ...base, which: 1 }, [gates, cPrev, hPrev, m]),
  };
}

export function lstmCellGrad(
  dev: Device,
  dh: DeviceValue,
  dc: DeviceValue,
  acts: DeviceValue,
  cPrev: DeviceValue,
  mask: DeviceValue | null,
  B: number,
  H: number,
): { dGates: DeviceValue; dcPrev: DeviceValue; dhPrevSkip: DeviceValue } {
  if (B * H === 0) return { dGates: dev.fill(0, 0), dcPrev: dev.fill(0, 0), dhPrevSkip: dev.fill(0, 0) };
  const c = { H, H4: 4 * H, H5: 5 * H, hasMask: mask ? 1 : 0 };
  const m = mask ?? dh;
  return {
    dGates: dev.kernels.run('lstmGradGates', B * 4 * H, c, [dh, dc, acts, cPrev, m]),
    dcPrev: dev.kernels.run('lstmGradState', B * H, { ...c, which: 0 }, [dh, dc, acts, m]),
    dhPrevSkip: mask
      ? dev.kernels.run('lstmGradState', B * H, { ...c, which: 1 }, [dh, dc, acts, m])
      : dev.fill(B * H, 0),
  };
}

/** New param, m, v (and vMax) values of one Adam step. */
export function adam(
  dev: Device,
  p: DeviceValue,
  g: DeviceValue,
  m: DeviceValue,
  v: DeviceValue,
  vMax: DeviceValue | null,
  size: number,
  h: AdamHyper,
): { p: DeviceValue; m: DeviceValue; v: DeviceValue; vMax: DeviceValue | null } {
  const bc1 = 1 - Math.pow(h.beta1, h.step);
  const bc2 = 1 - Math.pow(h.beta2, h.step);
  // An argument, not constants: a new step count or learning rate must not recompile.
  const hyper = new Float32Array([h.beta1, h.beta2, h.eps, h.weightDecay, h.lr / bc1, Math.sqrt(bc2)]);
  const mNew = dev.kernels.run('adamMoment', size, { which: 0 }, [p, g, m, hyper]);
  const vNew = dev.kernels.run('adamMoment', size, { which: 1 }, [p, g, v, hyper]);
  const vMaxNew = vMax ? dev.kernels.run('adamMax', size, {}, [vNew, vMax]) : null;
  const pNew = dev.kernels.run('adamParam', size, {}, [p, mNew, vMaxNew ?? vNew, hyper]);
  return { p: pNew, m: mNew, v: vNew, vMax: vMaxNew };
}

/** New param (and momentum buffer) values of one SGD step. */
export function sgd(
  dev: Device,
  p: DeviceValue,
  g: DeviceValue,
  buf: DeviceValue | null,
  size: number,
  h: SgdHyper,
): { p: DeviceValue; buf: DeviceValue | null } {
  const hyper = new Float32Array([
    h.lr,
    h.momentum,
    h.dampening,
    h.weightDecay,
    h.nesterov ? 1 : 0,
    h.firstStep ? 1 : 0,
  ]);
  const bufNew = buf ? dev.kernels.run('sgdBuffer', size, {}, [p, g, buf, hyper]) : null;
  const pNew = dev.kernels.run('sgdParam', size, { hasBuf: buf ? 1 : 0 }, [p, g, bufNew ?? g, hyper]);
  return { p: pNew, buf: bufNew };
}
