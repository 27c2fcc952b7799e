// The paper's objectives against hand computation in float64: eq. 5 (cross-entropy, summed as
// printed or averaged), eq. 6 (both KL directions, temperature-softened, T^2 scaling, detached
// peer), eq. 8 (fusion) and EarlyFusion's -log(β1 ŷL + β2 ŷP)[y].
import { describe, expect, it } from 'vitest';
import { tensor, klDiv, logSoftmax, softmax } from '../../src/index.js';
import {
  predictionLoss,
  softKl,
  mutualKlTerm,
  fuseProbabilities,
  mixtureCrossEntropy,
  checkLabels,
} from '../../src/models/index.js';

const zL = [
  [1.0, -0.5, 2.0],
  [0.3, 0.1, -1.2],
];
const zP = [
  [-0.2, 0.8, 0.4],
  [2.5, -1.0, 0.0],
];
const y = [2, 0];

function softmax64(z: number[], t = 1): number[] {
  const m = Math.max(...z.map((v) => v / t));
  const e = z.map((v) => Math.exp(v / t - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}
function kl64(p: number[], q: number[]): number {
  return p.reduce((acc, pi, k) => acc + pi * Math.log(pi / q[k]), 0);
}

describe('eq. 5: L_pdt = sum_i -y_i log ŷ_i', () => {
  it('matches the hand computation, summed (as printed) and averaged', () => {
    const hand = zP.reduce((acc, z, i) => acc - Math.log(softmax64(z)[y[i]]), 0);
    expect(predictionLoss(tensor(zP), y, 'sum').item()).toBeCloseTo(hand, 5);
    expect(predictionLoss(tensor(zP), y).item()).toBeCloseTo(hand / 2, 5);
  });
});

describe('eq. 6: KL between temperature-softened predictions', () => {
  for (const T of [1, 10]) {
    it(`KL(ŷL || ŷP) and KL(ŷP || ŷL) at T = ${T} match the hand computation`, () => {
      const lp = zL.map((z) => softmax64(z, T));
      const pp = zP.map((z) => softmax64(z, T));
      const klLP = kl64(lp[0], pp[0]) + kl64(lp[1], pp[1]); // L^{L->P}
      const klPL = kl64(pp[0], lp[0]) + kl64(pp[1], lp[1]); // L^{P->L}
      expect(softKl(tensor(zL), tensor(zP), T, 'sum').item()).toBeCloseTo(klLP, 6);
      expect(softKl(tensor(zP), tensor(zL), T, 'sum').item()).toBeCloseTo(klPL, 6);
      expect(softKl(tensor(zL), tensor(zP), T).item()).toBeCloseTo(klLP / 2, 6);
      expect(klLP).not.toBeCloseTo(klPL, 6); // the directions really differ on this data
      // Same value as PyTorch-semantics kl_div(log q, p) with 'sum'.
      const viaKlDiv = klDiv(logSoftmax(tensor(zP).div(T), 1), softmax(tensor(zL).div(T), 1), {
        reduction: 'sum',
      }).item();
      expect(softKl(tensor(zL), tensor(zP), T, 'sum').item()).toBeCloseTo(viaKlDiv, 6);
    });
  }

  it("'paper' adds KL(own || peer), 'dml' KL(peer || own); T^2 scales; only the owner gets a gradient", () => {
    const T = 10;
    const lp = zL.map((z) => softmax64(z, T));
    const pp = zP.map((z) => softmax64(z, T));
    const own = tensor(zL, undefined, { requiresGrad: true });
    const peer = tensor(zP, undefined, { requiresGrad: true });
    const paper = mutualKlTerm(own, peer, { temperature: T, direction: 'paper', scale: 'T^2', reduction: 'sum' });
    expect(paper.kl.item()).toBeCloseTo(kl64(lp[0], pp[0]) + kl64(lp[1], pp[1]), 6);
    expect(paper.scaled.item()).toBeCloseTo(100 * paper.kl.item(), 4);
    const dml = mutualKlTerm(own, peer, { temperature: T, direction: 'dml', scale: 1, reduction: 'sum' });
    expect(dml.kl.item()).toBeCloseTo(kl64(pp[0], lp[0]) + kl64(pp[1], lp[1]), 6);
    expect(dml.scaled.item()).toBe(dml.kl.item());
    paper.scaled.backward();
    expect(own.grad).not.toBeNull();
    expect(peer.grad).toBeNull();
  });

  it('T^2 keeps the KL gradient magnitude comparable across temperatures (Hinton et al.)', () => {
    const gradNorm = (T: number) => {
      const own = tensor(zL, undefined, { requiresGrad: true });
      mutualKlTerm(own, tensor(zP), { temperature: T, direction: 'dml', scale: 'T^2' }).scaled.backward();
      return Math.hypot(...own.grad!.dataSync());
    };
    // Unscaled, the gradient would fall by ~100x from T = 1 to T = 10; scaled it stays within ~10x
    // (it tends to the logit-matching gradient as T grows).
    const ratio = gradNorm(1) / gradNorm(10);
    expect(ratio).toBeGreaterThan(0.1);
    expect(ratio).toBeLessThan(10);
  });
});

describe('eq. 8: ŷ = λ ŷL + (1 - λ) ŷP', () => {
  it('fuses probabilities with λ = 0.3', () => {
    const fused = fuseProbabilities(tensor(zL), tensor(zP), 0.3).dataSync();
    for (let i = 0; i < 2; i++) {
      const l = softmax64(zL[i]);
      const p = softmax64(zP[i]);
      for (let k = 0; k < 3; k++) expect(fused[i * 3 + k]).toBeCloseTo(0.3 * l[k] + 0.7 * p[k], 6);
    }
  });
});

describe('EarlyFusion loss: -log(β1 ŷL + β2 ŷP)[y]', () => {
  it('matches the hand computation and stays finite when a branch is confidently wrong', () => {
    const hand = zL.reduce(
      (acc, _, i) => acc - Math.log(0.3 * softmax64(zL[i])[y[i]] + 0.7 * softmax64(zP[i])[y[i]]),
      0,
    );
    expect(mixtureCrossEntropy(tensor(zL), tensor(zP), y, [0.3, 0.7], 'sum').item()).toBeCloseTo(hand, 5);
    const loss = mixtureCrossEntropy(tensor([[200, -200, -200]]), tensor([[-200, -200, 200]]), [2], [0.5, 0.5]).item();
    expect(loss).toBeCloseTo(Math.log(2), 5);
  });
});

describe('labels', () => {
  it('must be class indices, one per video', () => {
    expect(() => checkLabels([0, 3], 2, 3, 'op')).toThrow('op: labels[1] must be a class index in [0, 2], got 3');
    expect(() => checkLabels([0], 2, 3, 'op')).toThrow('op: batch has 1 labels but 2 videos');
    expect(() => checkLabels(undefined, 2, 3, 'op')).toThrow(/batch.labels must be an array/);
  });
});
