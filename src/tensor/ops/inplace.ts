// In-place updates, outside autograd: the fused optimizer steps the backend contract names
// (`adamUpdate_`, `sgdUpdate_`, which write into the parameter and its state) and `assign_`
// (new values into a tensor's storage, for loadStateDict). They exist so optimizers and layers
// change tensors through the tensor API and never touch a backend or the engine. No gradients.
import type { AdamHyper, SgdHyper } from '../../backend/backend.js';
import { ENGINE, noGrad } from '../engine.js';
import { fmt, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { checkTensor, wrap } from './util.js';
import { clone } from './layout.js';

/** Checks that `t` is a tensor of `like`'s shape on `like`'s backend. */
function checkLike(op: string, name: string, t: unknown, like: Tensor): asserts t is Tensor {
  checkTensor(op, name, t);
  if (!shapesEqual(t.shape, like.shape)) {
    throw new Error(`${op}: ${name} must have the parameter's shape ${fmt(like.shape)}, got ${fmt(t.shape)}`);
  }
  if (t.backend !== like.backend) {
    throw new Error(`${op}: ${name} is on backend '${t.backend.name}' but the parameter on '${like.backend.name}'`);
  }
}

/**
 * One Adam step in place (torch.optim.Adam, L2 weight decay, optional AMSGrad): updates `param`,
 * the running averages `m` and `v` and, with `hyper.amsgrad`, `vMax`, from `grad`. All must have
 * `param`'s shape and backend.
 */
export function adamUpdate_(
  param: Tensor,
  grad: Tensor,
  m: Tensor,
  v: Tensor,
  vMax: Tensor | null,
  hyper: AdamHyper,
): void {
  checkTensor('adamUpdate_', 'param', param);
  checkLike('adamUpdate_', 'grad', grad, param);
  checkLike('adamUpdate_', 'm', m, param);
  checkLike('adamUpdate_', 'v', v, param);
  if (vMax !== null) checkLike('adamUpdate_', 'vMax', vMax, param);
  if (hyper.amsgrad && vMax === null) throw new Error('adamUpdate_: hyper.amsgrad is set but vMax is null');
  param.backend.adamUpdate(param.dataId, grad.dataId, m.dataId, v.dataId, vMax?.dataId ?? null, param.size, hyper);
}

/**
 * One SGD step in place (torch.optim.SGD): updates `param` and, with momentum, `momentumBuf`,
 * from `grad`. All must have `param`'s shape and backend.
 */
export function sgdUpdate_(param: Tensor, grad: Tensor, momentumBuf: Tensor | null, hyper: SgdHyper): void {
  checkTensor('sgdUpdate_', 'param', param);
  checkLike('sgdUpdate_', 'grad', grad, param);
  if (momentumBuf !== null) checkLike('sgdUpdate_', 'momentumBuf', momentumBuf, param);
  if (hyper.momentum !== 0 && momentumBuf === null) {
    throw new Error('sgdUpdate_: hyper.momentum is not 0 but momentumBuf is null');
  }
  param.backend.sgdUpdate(param.dataId, grad.dataId, momentumBuf?.dataId ?? null, param.size, hyper);
}

/**
 * Replaces `target`'s values with a copy of `source`'s (same shape) in place, so everything
 * holding `target` (an optimizer, a module) sees the new values. On one backend the copy stays on
 * the device (WebGPU cannot read back synchronously); across backends it goes through the host.
 */
export function assign_(target: Tensor, source: Tensor): void {
  checkTensor('assign_', 'target', target);
  checkTensor('assign_', 'source', source);
  if (!shapesEqual(source.shape, target.shape)) {
    throw new Error(`assign_: source has shape ${fmt(source.shape)} but target ${fmt(target.shape)}`);
  }
  const copy = noGrad(() =>
    source.backend === target.backend
      ? clone(source)
      : wrap(target.backend.upload(source.dataSync()), target.shape, target),
  );
  ENGINE.incRef(copy.dataId);
  target._replaceStorage(copy.dataId);
  copy.dispose();
}
