// Module behaviour: PyTorch state-dict keys, parameter counts, default initialisation bounds,
// train/eval for dropout, zeroGrad, and the memory contract: a whole training step inside
// `tidy` returns live tensors and backend buffers to their baseline.
import { describe, expect, it } from 'vitest';
import {
  Module,
  Conv3d,
  Linear,
  LSTM,
  MaxPool3d,
  Dropout,
  Flatten,
  Sequential,
  ReLU,
  Adam,
  crossEntropy,
  manualSeed,
  randn,
  ones,
  tidy,
  memory,
  liveTensorCount,
  type Tensor,
} from '../../src/index.js';

class Tiny extends Module {
  conv = this.registerModule('conv1', new Conv3d(2, 3, 3, { padding: 1 }));
  pool = this.registerModule('pool1', new MaxPool3d({ kernelSize: [1, 2, 2] }));
  fc = this.registerModule('fc6', new Linear(3 * 2 * 2 * 2, 4));
  lstm = this.registerModule('lstm', new LSTM({ inputSize: 4, hiddenSize: 5, batchFirst: true }));
  head = this.registerModule('head', new Linear(5, 3));
  forward(x: Tensor): Tensor {
    const f = this.fc.forward(this.pool.forward(this.conv.forward(x).relu()).flatten(1)).relu(); // [N, 4]
    const seq = f.unsqueeze(1).broadcastTo([f.shape[0], 3, 4]);
    return this.head.forward(this.lstm.forward(seq).h.squeeze(0));
  }
}

describe('Module', () => {
  it('names parameters with PyTorch dotted keys and counts them', () => {
    const m = new Tiny();
    expect(m.namedParameters().map(([n]) => n)).toEqual([
      'conv1.weight',
      'conv1.bias',
      'fc6.weight',
      'fc6.bias',
      'lstm.weight_ih_l0',
      'lstm.weight_hh_l0',
      'lstm.bias_ih_l0',
      'lstm.bias_hh_l0',
      'head.weight',
      'head.bias',
    ]);
    expect(m.numParameters()).toBe(3 * 2 * 27 + 3 + 24 * 4 + 4 + 20 * 4 + 20 * 5 + 40 + 15 + 3);
    expect(new Linear(4096, 3).numParameters()).toBe(12291);
    expect(new LSTM({ inputSize: 72, hiddenSize: 256 }).numParameters()).toBe(4 * 256 * (72 + 256) + 8 * 256);
  });

  it("uses PyTorch's default initialisation bounds", () => {
    manualSeed(1);
    const conv = new Conv3d(4, 8, 3);
    const bound = 1 / Math.sqrt(4 * 27);
    for (const v of conv.weight.dataSync()) expect(Math.abs(v)).toBeLessThanOrEqual(bound);
    expect(Math.max(...conv.weight.dataSync().map(Math.abs))).toBeGreaterThan(bound * 0.9);
    const lstm = new LSTM({ inputSize: 3, hiddenSize: 16 });
    for (const p of lstm.parameters()) for (const v of p.dataSync()) expect(Math.abs(v)).toBeLessThanOrEqual(0.25);
  });

  it('train() and eval() switch dropout for the whole tree', () => {
    manualSeed(2);
    const m = new Sequential(new Flatten(), new Dropout(0.5), new ReLU());
    const x = ones([1, 1000]);
    const trained = m.forward(x).dataSync();
    expect(trained.filter((v) => v === 0).length).toBeGreaterThan(400);
    expect(trained.filter((v) => v === 2).length).toBeGreaterThan(400);
    m.eval();
    expect([...m.forward(x).dataSync()].every((v) => v === 1)).toBe(true);
    expect(m.layers[1].training).toBe(false);
  });

  it('loadStateDict copies: the parameters do not share storage with the state dict', () => {
    const lin = new Linear(3, 2);
    const w = randn([2, 3]);
    const b = randn([2]);
    lin.loadStateDict({ weight: w, bias: b });
    expect(Array.from(lin.weight.dataSync())).toEqual(Array.from(w.dataSync()));
    w.dispose();
    b.dispose();
    // The source is gone; the parameters still read back (own buffers, not views of the disposed ones).
    expect(lin.weight.dataSync()).toHaveLength(6);
    expect(lin.bias!.dataSync()).toHaveLength(2);
  });

  it('zeroGrad frees gradients', () => {
    const m = new Linear(2, 2);
    m.forward(randn([3, 2]))
      .sum()
      .backward();
    expect(m.weight.grad).not.toBeNull();
    m.zeroGrad();
    expect(m.weight.grad).toBeNull();
  });
});

describe('memory', () => {
  function step(model: Tiny, opt: Adam, x: Tensor, y: number[]): number {
    return tidy(() => {
      opt.zeroGrad();
      const loss = crossEntropy(model.forward(x), y);
      loss.backward();
      opt.step();
      return loss.item();
    });
  }

  it('a training step inside tidy leaves live tensors and buffers at their baseline', () => {
    manualSeed(4);
    const model = new Tiny();
    const opt = new Adam(model.parameters(), { lr: 1e-2 });
    const x = randn([2, 2, 2, 4, 4]);
    const y = [0, 2];
    step(model, opt, x, y); // creates the optimizer state and the grads
    const base = memory();
    const baseTensors = liveTensorCount();
    const losses: number[] = [];
    for (let i = 0; i < 5; i++) losses.push(step(model, opt, x, y));
    expect(memory()).toEqual(base);
    expect(liveTensorCount()).toBe(baseTensors);
    expect(losses[4]).toBeLessThan(losses[0]);
  });

  it('zeroGrad after the step returns to the pre-training baseline', () => {
    manualSeed(5);
    const model = new Tiny();
    const opt = new Adam(model.parameters());
    const x = randn([1, 2, 2, 4, 4]);
    const base = memory().buffers;
    step(model, opt, x, [1]);
    opt.zeroGrad();
    // Only Adam's two state slots per parameter remain.
    expect(memory().buffers - base).toBe(2 * model.parameters().length);
  });
});
