// SGD exactly as torch.optim.SGD: momentum buffer b <- momentum b + (1 - dampening) g (b = g on
// the first step), update with b (or g + momentum b with Nesterov), L2 weight decay.
import { noGrad } from '../tensor/engine.js';
import { sgdUpdate_ } from '../tensor/ops/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { Optimizer, checkPositive } from './optimizer.js';

/** Options of {@link SGD} (as `torch.optim.SGD`). */
export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

/**
 * Stochastic gradient descent with optional momentum.
 * @example
 * const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 */
export class SGD extends Optimizer {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;

  constructor(params: Iterable<Tensor>, options: SGDOptions) {
    super(params, 'SGD');
    if (options?.lr === undefined)
      throw new Error('SGD: options.lr is required (torch.optim.SGD has no default learning rate)');
    this.lr = options.lr;
    this.momentum = options.momentum ?? 0;
    this.dampening = options.dampening ?? 0;
    this.weightDecay = options.weightDecay ?? 0;
    this.nesterov = options.nesterov ?? false;
    this.validate();
  }

  private validate(): void {
    checkPositive('SGD', 'lr', this.lr, true);
    checkPositive('SGD', 'momentum', this.momentum, true);
    checkPositive('SGD', 'weightDecay', this.weightDecay, true);
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new Error('SGD: nesterov needs momentum > 0 and dampening 0');
    }
  }

  step(): void {
    noGrad(() => {
      for (const p of this.params) {
        if (!p.grad) continue;
        const s = this.stateOf(p);
        s.step++;
        const buf = this.momentum !== 0 ? this.slot(p, 'momentum_buffer') : null;
        sgdUpdate_(p, p.grad, buf, {
          lr: this.lr,
          momentum: this.momentum,
          dampening: this.dampening,
          weightDecay: this.weightDecay,
          nesterov: this.nesterov,
          firstStep: s.step === 1,
        });
      }
    });
  }

  /** The hyper-parameters saved by `stateDict()`. */
  protected hyper() {
    return {
      lr: this.lr,
      momentum: this.momentum,
      dampening: this.dampening,
      weightDecay: this.weightDecay,
      nesterov: this.nesterov,
    };
  }

  /** Restores hyper-parameters saved by `stateDict()`. */
  protected setHyper(h: Record<string, number | boolean | number[]>): void {
    this.lr = h.lr as number;
    this.momentum = h.momentum as number;
    this.dampening = h.dampening as number;
    this.weightDecay = h.weightDecay as number;
    this.nesterov = h.nesterov as boolean;
    this.validate();
  }
}
