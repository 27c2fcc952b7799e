// Adam exactly as torch.optim.Adam (L2 weight decay added to the gradient, optional AMSGrad):
//
//   g  <- grad + weightDecay * p
//   m  <- beta1 m + (1 - beta1) g
//   v  <- beta2 v + (1 - beta2) g^2
//   vMax <- max(vMax, v)                          (amsgrad only; then v := vMax below)
//   p  <- p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
//
// One fused in-place kernel per parameter per step (the tensor API's adamUpdate_).
import { noGrad } from '../tensor/engine.js';
import { adamUpdate_ } from '../tensor/ops/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { Optimizer, checkPositive } from './optimizer.js';

/** Options of {@link Adam} (as `torch.optim.Adam`). */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Coefficients of the running averages (default [0.9, 0.999]). */
  betas?: [number, number];
  /** Added to the denominator (default 1e-8). */
  eps?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Use the AMSGrad variant (default false). */
  amsgrad?: boolean;
}

/**
 * The Adam optimizer.
 * @example
 * const opt = new Adam(model.parameters(), { lr: 5e-3 });
 * opt.zeroGrad();
 * crossEntropy(model.forward(x), y).backward();
 * opt.step();
 */
export class Adam extends Optimizer {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;

  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    super(params, 'Adam');
    this.lr = options.lr ?? 1e-3;
    this.betas = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
    this.amsgrad = options.amsgrad ?? false;
    this.validate();
  }

  private validate(): void {
    checkPositive('Adam', 'lr', this.lr, true);
    checkPositive('Adam', 'eps', this.eps, true);
    checkPositive('Adam', 'weightDecay', this.weightDecay, true);
    this.betas.forEach((b, i) => {
      if (!(b >= 0 && b < 1)) throw new Error(`Adam: betas[${i}] must be in [0, 1), got ${b}`);
    });
  }

  step(): void {
    noGrad(() => {
      for (const p of this.params) {
        if (!p.grad) continue;
        const s = this.stateOf(p);
        s.step++;
        const m = this.slot(p, 'exp_avg');
        const v = this.slot(p, 'exp_avg_sq');
        const vMax = this.amsgrad ? this.slot(p, 'max_exp_avg_sq') : null;
        adamUpdate_(p, p.grad, m, v, vMax, {
          lr: this.lr,
          beta1: this.betas[0],
          beta2: this.betas[1],
          eps: this.eps,
          weightDecay: this.weightDecay,
          step: s.step,
          amsgrad: this.amsgrad,
        });
      }
    });
  }

  /** The hyper-parameters saved by `stateDict()`. */
  protected hyper() {
    return { lr: this.lr, betas: [...this.betas], eps: this.eps, weightDecay: this.weightDecay, amsgrad: this.amsgrad };
  }

  /** Restores hyper-parameters saved by `stateDict()`. */
  protected setHyper(h: Record<string, number | boolean | number[]>): void {
    this.lr = h.lr as number;
    this.betas = [...(h.betas as number[])] as [number, number];
    this.eps = h.eps as number;
    this.weightDecay = h.weightDecay as number;
    this.amsgrad = h.amsgrad as boolean;
    this.validate();
  }
}
