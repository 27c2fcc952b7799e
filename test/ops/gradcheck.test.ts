// Finite-difference gradient checks for every differentiable op (see test/helpers/gradcheck.ts
// for the method and the tolerance). Inputs stay away from kinks and ties where an op's
// derivative is undefined (relu and abs at 0, max/min/maxPool ties, maximum/minimum a == b).
import { describe, expect, it } from 'vitest';
import {
  abs, add, avgPool3d, broadcastTo, clone, concat, conv3d, cos, div, dropout, exp, flatten, linear, log,
  logSoftmax, lstmSequence, manualSeed, matmul, max, maxPool3d, maximum, mean, min, minimum, mul, neg,
  permute, pow, relu, reshape, sigmoid, sin, slice, softmax, sqrt, square, squeeze, stack, sub, sum, tanh,
  tensor, tidy, transpose, unsqueeze, where, type Tensor,
} from '../../src/index.js';
import { awayFromZero, distinct, expectClose, gradcheck, uniform, type GradInput, type GradcheckOptions } from '../helpers/gradcheck.js';

const inp = (shape: number[], extra: Partial<GradInput> = {}): GradInput => ({ shape, ...extra });
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function check(op: string, fn: (...xs: Tensor[]) => Tensor | readonly Tensor[], inputs: GradInput[], options?: GradcheckOptions): void {
  const report = gradcheck(op, fn, inputs, options);
  expect(report.worstRatio).toBeLessThanOrEqual(1);
}

describe('the gradient checker itself', () => {
  it('rejects a wrong gradient (x * detach(x) has true derivative 2x, autograd gives x)', () => {
    expect(() => gradcheck('x*detach(x)', (x) => x.mul(x.detach()), [inp([5], { range: [0.5, 1.5] })])).toThrow(
      /gradcheck\(x\*detach\(x\)\) failed.*\n.*inputs\[0\] element \d+ \[\d+\]: numeric .* analytic/,
    );
  });
  it('expectClose names the element and both values', () => {
    expect(() => expectClose([1, 2, 3], [1, 2.1, 3], { rtol: 1e-3, atol: 0, label: 'demo' })).toThrow(/demo: [\s\S]*\[1\] actual 2 expected 2\.1/);
    expect(() => expectClose([1, 2], [1, 2.0001], { rtol: 1e-3 })).not.toThrow();
  });
});

describe('gradcheck: binary elementwise (with broadcasting)', () => {
  it('add', () => check('add', (a, b) => add(a, b), [inp([2, 3]), inp([2, 3])]));
  it('add broadcast [2,3,4] + [3,1] and scalar', () => {
    check('add', (a, b) => add(a, b), [inp([2, 3, 4]), inp([3, 1])]);
    check('add scalar', (a, b) => add(a, b), [inp([2, 3]), inp([])]);
    check('add number', (a) => add(2, a), [inp([4])]);
  });
  it('sub (both sides, broadcast)', () => {
    check('sub', (a, b) => sub(a, b), [inp([2, 3]), inp([2, 3])]);
    check('sub', (a, b) => sub(a, b), [inp([4]), inp([3, 1])]);
    check('sub number - x', (a) => sub(1.5, a), [inp([3])]);
  });
  it('mul (both sides, broadcast)', () => {
    check('mul', (a, b) => mul(a, b), [inp([2, 3]), inp([2, 3])]);
    check('mul', (a, b) => mul(a, b), [inp([2, 1, 4]), inp([3, 1])]);
  });
  it('div (both sides, broadcast)', () => {
    check('div', (a, b) => div(a, b), [inp([2, 3]), inp([2, 3], { values: awayFromZero(6, 0.5, 2, 'div') })]);
    check('div', (a, b) => div(a, b), [inp([2, 3]), inp([3], { values: awayFromZero(3, 0.5, 2, 'div2') })]);
    check('div number / x', (a) => div(2, a), [inp([4], { values: awayFromZero(4, 0.5, 2, 'div3') })]);
  });
  it('pow (both sides; base > 0 for the exponent gradient)', () => {
    check('pow', (a, b) => pow(a, b), [inp([2, 3], { range: [0.5, 2] }), inp([2, 3], { range: [-1.5, 2] })]);
    check('pow broadcast', (a, b) => pow(a, b), [inp([2, 3], { range: [0.5, 2] }), inp([3], { range: [-1, 2] })]);
    check('pow x^3 (negative base)', (a) => pow(a, 3), [inp([5], { range: [-1.5, 1.5] })]);
    check('pow x^0.5', (a) => pow(a, 0.5), [inp([5], { range: [0.5, 2] })]);
  });
  it('maximum / minimum away from ties', () => {
    const a = uniform(12, -1, 1, 'mm');
    const gap = awayFromZero(12, 0.1, 0.8, 'mm-gap');
    const b = a.map((v, i) => v + gap[i]);
    check('maximum', (x, y) => maximum(x, y), [inp([3, 4], { values: a }), inp([3, 4], { values: b })]);
    check('minimum', (x, y) => minimum(x, y), [inp([3, 4], { values: a }), inp([3, 4], { values: b })]);
    check('maximum broadcast', (x, y) => maximum(x, y), [inp([3, 4], { values: distinct(12, 'mb', 0.2) }), inp([4], { values: [0.03, -0.51, 0.47, 1.13] })]);
  });
});

describe('gradcheck: unary elementwise', () => {
  const shape = [2, 3, 2];
  const n = size(shape);
  it('neg exp square sin cos sigmoid tanh', () => {
    check('neg', (x) => neg(x), [inp(shape)]);
    check('exp', (x) => exp(x), [inp(shape, { range: [-2, 2] })]);
    check('square', (x) => square(x), [inp(shape, { range: [-2, 2] })]);
    check('sin', (x) => sin(x), [inp(shape, { range: [-3, 3] })]);
    check('cos', (x) => cos(x), [inp(shape, { range: [-3, 3] })]);
    check('sigmoid', (x) => sigmoid(x), [inp(shape, { range: [-4, 4] })]);
    check('tanh', (x) => tanh(x), [inp(shape, { range: [-2, 2] })]);
  });
  it('log sqrt (positive inputs)', () => {
    check('log', (x) => log(x), [inp(shape, { range: [0.3, 3] })]);
    check('sqrt', (x) => sqrt(x), [inp(shape, { range: [0.3, 3] })]);
  });
  it('abs relu (away from 0)', () => {
    check('abs', (x) => abs(x), [inp(shape, { values: awayFromZero(n, 0.05, 2, 'abs') })]);
    check('relu', (x) => relu(x), [inp(shape, { values: awayFromZero(n, 0.05, 2, 'relu') })]);
  });
});

describe('gradcheck: reductions', () => {
  const shape = [2, 3, 4];
  const dims: (number | number[] | undefined)[] = [undefined, 0, 1, -1, [0, 2]];
  for (const dim of dims) {
    for (const keepDim of [false, true]) {
      const label = `dim ${JSON.stringify(dim) ?? 'all'} keepDim ${keepDim}`;
      it(`sum / mean, ${label}`, () => {
        check(`sum ${label}`, (x) => sum(x, dim, keepDim), [inp(shape)]);
        check(`mean ${label}`, (x) => mean(x, dim, keepDim), [inp(shape)]);
      });
      it(`max / min (no ties), ${label}`, () => {
        const values = distinct(24, `maxmin:${label}`, 0.1);
        check(`max ${label}`, (x) => max(x, dim, keepDim), [inp(shape, { values })]);
        check(`min ${label}`, (x) => min(x, dim, keepDim), [inp(shape, { values })]);
      });
    }
  }
  it('max splits the gradient evenly on exact ties (PyTorch amax rule)', () => {
    tidy(() => {
      const x = tensor([1, 3, 3, 2], [4], { requiresGrad: true });
      max(x).backward();
      expect(Array.from(x.grad!.dataSync())).toEqual([0, 0.5, 0.5, 0]);
      x.grad!.dispose();
    });
  });
});

describe('gradcheck: matmul and linear', () => {
  it('matmul 2-D', () => check('matmul 2-D', (a, b) => matmul(a, b), [inp([3, 4]), inp([4, 5])]));
  it('matmul batched', () => check('matmul batched', (a, b) => matmul(a, b), [inp([2, 3, 4]), inp([2, 4, 5])]));
  it('matmul with a broadcast batch (either side)', () => {
    check('matmul [2,3,4]x[4,5]', (a, b) => matmul(a, b), [inp([2, 3, 4]), inp([4, 5])]);
    check('matmul [3,4]x[2,4,5]', (a, b) => matmul(a, b), [inp([3, 4]), inp([2, 4, 5])]);
    check('matmul [2,2,3,4]x[1,4,2]', (a, b) => matmul(a, b), [inp([2, 2, 3, 4]), inp([1, 4, 2])]);
    // Batch dims of different ranks broadcast as in NumPy (leading 1s).
    check('matmul [1,1,3,4]x[2,4,5]', (a, b) => matmul(a, b), [inp([1, 1, 3, 4]), inp([2, 4, 5])]);
    check('matmul [2,3,4]x[1,2,4,5]', (a, b) => matmul(a, b), [inp([2, 3, 4]), inp([1, 2, 4, 5])]);
  });
  it('matmul output shapes follow NumPy broadcasting of the batch dims', () => {
    tidy(() => {
      expect(matmul(tensor(new Float32Array(20), [1, 1, 4, 5]), tensor(new Float32Array(60), [2, 5, 6])).shape).toEqual([1, 2, 4, 6]);
      expect(matmul(tensor(new Float32Array(24), [2, 3, 4]), tensor(new Float32Array(40), [1, 2, 4, 5])).shape).toEqual([1, 2, 3, 5]);
      expect(matmul(tensor(new Float32Array(24), [2, 3, 4]), tensor(new Float32Array(4), [4])).shape).toEqual([2, 3]);
    });
  });
  it('matmul with 1-D operands', () => {
    check('matmul [4]x[4,5]', (a, b) => matmul(a, b), [inp([4]), inp([4, 5])]);
    check('matmul [3,4]x[4]', (a, b) => matmul(a, b), [inp([3, 4]), inp([4])]);
    check('matmul [4]x[4]', (a, b) => matmul(a, b), [inp([4]), inp([4])]);
    check('matmul [4]x[2,4,3]', (a, b) => matmul(a, b), [inp([4]), inp([2, 4, 3])]);
  });
  it('linear with and without bias, 1-D, 2-D and 3-D x', () => {
    check('linear+bias', (x, w, b) => linear(x, w, b), [inp([5, 4]), inp([3, 4]), inp([3])]);
    check('linear no bias', (x, w) => linear(x, w), [inp([5, 4]), inp([3, 4])]);
    check('linear 3-D x', (x, w, b) => linear(x, w, b), [inp([2, 3, 4]), inp([3, 4]), inp([3])]);
    check('linear 1-D x', (x, w, b) => linear(x, w, b), [inp([4]), inp([3, 4]), inp([3])]);
  });
});

describe('gradcheck: layout', () => {
  const s = [2, 3, 4];
  it('reshape (with -1) and view', () => {
    check('reshape', (x) => reshape(x, [6, 4]), [inp(s)]);
    check('reshape -1', (x) => reshape(x, [4, -1]).mul(reshape(x, [4, -1])), [inp(s)]);
  });
  it('flatten squeeze unsqueeze', () => {
    check('flatten(1)', (x) => flatten(x, 1), [inp(s)]);
    check('flatten all', (x) => flatten(x), [inp(s)]);
    check('squeeze', (x) => squeeze(x), [inp([2, 1, 3, 1])]);
    check('squeeze(1)', (x) => squeeze(x, 1), [inp([2, 1, 3])]);
    check('unsqueeze', (x) => unsqueeze(x, 1).mul(unsqueeze(x, -1).sum()), [inp([2, 3])]);
  });
  it('permute transpose', () => {
    check('permute', (x) => permute(x, [2, 0, 1]), [inp(s)]);
    check('transpose(0, 2)', (x) => transpose(x, 0, 2), [inp(s)]);
    check('transpose default', (x) => transpose(x), [inp(s)]);
  });
  it('slice (begin/size, -1 size, negative begin)', () => {
    check('slice', (x) => slice(x, [1, 0, 1], [1, 2, 2]), [inp(s)]);
    check('slice -1', (x) => slice(x, [0, 1], [-1, -1]), [inp(s)]);
    check('slice negative begin', (x) => slice(x, [0, -2, 0], [2, 2, 3]), [inp(s)]);
  });
  it('concat stack', () => {
    check('concat dim 1', (a, b, c) => concat([a, b, c], 1), [inp([2, 1, 3]), inp([2, 3, 3]), inp([2, 2, 3])]);
    check('concat dim -1', (a, b) => concat([a, b], -1), [inp([2, 3]), inp([2, 1])]);
    check('concat same tensor twice', (a) => concat([a, a], 0), [inp([2, 3])]);
    check('stack dim 1', (a, b) => stack([a, b], 1), [inp([2, 3]), inp([2, 3])]);
    check('stack dim -1', (a, b, c) => stack([a, b, c], -1), [inp([3]), inp([3]), inp([3])]);
  });
  it('broadcastTo clone', () => {
    check('broadcastTo', (x) => broadcastTo(x, [2, 3, 4]), [inp([3, 1])]);
    check('broadcastTo scalar', (x) => broadcastTo(x, [2, 3]), [inp([])]);
    check('clone', (x) => clone(x), [inp(s)]);
  });
});

describe('gradcheck: softmax and logSoftmax', () => {
  for (const dim of [0, 1, 2, -1]) {
    it(`softmax / logSoftmax dim ${dim}`, () => {
      check(`softmax dim ${dim}`, (x) => softmax(x, dim), [inp([2, 3, 4], { range: [-2, 2] })]);
      check(`logSoftmax dim ${dim}`, (x) => logSoftmax(x, dim), [inp([2, 3, 4], { range: [-2, 2] })]);
    });
  }
  it('softmax on large logits (stability)', () => {
    check('softmax large', (x) => softmax(x, 1), [inp([2, 3], { values: [100, 101, 99.5, -50, -51, -49.2] })]);
    check('logSoftmax large', (x) => logSoftmax(x, 1), [inp([2, 3], { values: [100, 101, 99.5, -50, -51, -49.2] })]);
  });
});

describe('gradcheck: conv3d', () => {
  const cases: { name: string; x: number[]; w: number[]; bias: boolean; opts: Parameters<typeof conv3d>[3] }[] = [
    { name: 'stride 1, no padding', x: [1, 2, 4, 4, 4], w: [3, 2, 2, 2, 2], bias: false, opts: {} },
    { name: 'stride 2, padding 1, bias, batch 2, odd sizes', x: [2, 2, 5, 4, 3], w: [3, 2, 3, 3, 2], bias: true, opts: { stride: 2, padding: 1 } },
    { name: 'dilation 2, padding [1, 2, 0]', x: [1, 2, 5, 6, 5], w: [2, 2, 2, 3, 2], bias: true, opts: { dilation: 2, padding: [1, 2, 0] } },
    { name: 'stride [1, 2, 3], dilation [2, 1, 1]', x: [2, 1, 5, 5, 7], w: [2, 1, 2, 3, 2], bias: false, opts: { stride: [1, 2, 3], dilation: [2, 1, 1] } },
    { name: '1x1x1 kernel, batch 3', x: [3, 3, 2, 3, 2], w: [4, 3, 1, 1, 1], bias: true, opts: {} },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const inputs = [inp(c.x, { name: 'x' }), inp(c.w, { name: 'weight' })];
      if (c.bias) inputs.push(inp([c.w[0]], { name: 'bias' }));
      check(`conv3d ${c.name}`, (x, w, b) => conv3d(x, w, b ?? null, c.opts), inputs);
    });
  }
});

describe('gradcheck: pooling', () => {
  const poolCases: { name: string; x: number[]; opts: Parameters<typeof maxPool3d>[1] }[] = [
    { name: 'kernel 2', x: [1, 2, 4, 4, 4], opts: { kernelSize: 2 } },
    { name: 'overlapping kernel 3 stride 2, batch 2, odd sizes', x: [2, 2, 5, 5, 3], opts: { kernelSize: 3, stride: 2 } },
    { name: 'padding 1, kernel 3 stride 2', x: [1, 2, 5, 4, 5], opts: { kernelSize: 3, stride: 2, padding: 1 } },
    { name: 'kernel [1, 2, 2] (C3D pool1), padding [0, 1, 1]', x: [1, 2, 3, 4, 5], opts: { kernelSize: [1, 2, 2], padding: [0, 1, 1] } },
    { name: 'ceilMode', x: [1, 1, 5, 5, 5], opts: { kernelSize: 2, stride: 2, ceilMode: true } },
  ];
  for (const c of poolCases) {
    it(`maxPool3d ${c.name} (no ties)`, () => {
      check(`maxPool3d ${c.name}`, (x) => maxPool3d(x, c.opts), [inp(c.x, { values: distinct(size(c.x), `mp:${c.name}`, 0.05) })]);
    });
    for (const countIncludePad of [true, false]) {
      it(`avgPool3d ${c.name}, countIncludePad ${countIncludePad}`, () => {
        check(`avgPool3d ${c.name} ${countIncludePad}`, (x) => avgPool3d(x, { ...c.opts, countIncludePad }), [inp(c.x)]);
      });
    }
  }
});

describe('gradcheck: dropout and where', () => {
  it('dropout (training): same mask every evaluation, gradient = mask / (1 - p)', () => {
    check('dropout', (x) => {
      manualSeed(1234);
      return dropout(x, 0.4, true);
    }, [inp([3, 5])]);
    // The gradient is the mask scaled: y = x * m, dL/dx = m with m in {0, 1/(1-p)}.
    tidy(() => {
      const xs = uniform(200, 0.5, 1.5, 'dropout-mask');
      const x = tensor(xs, [200], { requiresGrad: true });
      manualSeed(99);
      const y = dropout(x, 0.25, true);
      y.sum().backward();
      const yv = y.dataSync();
      const gv = x.grad!.dataSync();
      let dropped = 0;
      for (let i = 0; i < 200; i++) {
        const m = yv[i] === 0 ? 0 : 1 / 0.75;
        if (m === 0) dropped++;
        expect(gv[i]).toBeCloseTo(m, 6);
        expect(yv[i]).toBeCloseTo(xs[i] * m, 5);
      }
      expect(dropped).toBeGreaterThan(20);
      expect(dropped).toBeLessThan(80);
      x.grad!.dispose();
    });
  });
  it('dropout in eval mode and p = 0 is the identity, with gradient 1', () => {
    check('dropout eval', (x) => dropout(x, 0.5, false), [inp([4])]);
    check('dropout p=0', (x) => dropout(x, 0, true), [inp([4])]);
  });
  it('where (with broadcasting; the condition gets no gradient)', () => {
    const cond = [1, 0, 1, 0, 0, 1];
    check('where', (c, a, b) => where(c, a, b), [inp([2, 3], { values: cond, requiresGrad: false, name: 'condition' }), inp([2, 3], { name: 'a' }), inp([2, 3], { name: 'b' })]);
    check('where broadcast', (c, a, b) => where(c, a, b), [inp([2, 1], { values: [1, 0], requiresGrad: false, name: 'condition' }), inp([3], { name: 'a' }), inp([2, 3], { name: 'b' })]);
  });
});

describe('gradcheck: lstmSequence', () => {
  const B = 3;
  const T = 4;
  const I = 3;
  const H = 2;
  // Row 0 is full length, rows 1 and 2 have 2 and 3 valid steps (valid steps first).
  const lengths = [4, 2, 3];
  const mask = Float32Array.from({ length: B * T }, (_, k) => (k % T < lengths[Math.floor(k / T)] ? 1 : 0));
  const all = [
    inp([B, T, I], { name: 'x' }),
    inp([4 * H, I], { name: 'weightIh', range: [-0.8, 0.8] }),
    inp([4 * H, H], { name: 'weightHh', range: [-0.8, 0.8] }),
    inp([4 * H], { name: 'biasIh', range: [-0.5, 0.5] }),
    inp([4 * H], { name: 'biasHh', range: [-0.5, 0.5] }),
    inp([B, H], { name: 'h0' }),
    inp([B, H], { name: 'c0' }),
  ];
  it('all inputs (x, weights, biases, h0, c0), several steps, a mask with different lengths per row', () => {
    check(
      'lstmSequence masked',
      (x, wIh, wHh, bIh, bHh, h0, c0, m) => {
        const r = lstmSequence(x, { weightIh: wIh, weightHh: wHh, biasIh: bIh, biasHh: bHh }, h0, c0, m);
        return [r.output, r.h, r.c];
      },
      [...all, inp([B, T], { values: mask, requiresGrad: false, name: 'mask' })],
      { maxElements: 30 },
    );
  });
  it('no mask, no biases, zero initial state', () => {
    check(
      'lstmSequence plain',
      (x, wIh, wHh) => {
        const r = lstmSequence(x, { weightIh: wIh, weightHh: wHh, biasIh: null, biasHh: null }, null, null, null);
        return [r.output, r.h, r.c];
      },
      all.slice(0, 3),
    );
  });
  it('only the last hidden state used (gradient flows back through every step)', () => {
    check(
      'lstmSequence h only',
      (x, wIh, wHh, bIh, bHh, h0, c0) => lstmSequence(x, { weightIh: wIh, weightHh: wHh, biasIh: bIh, biasHh: bHh }, h0, c0, null).h,
      all,
    );
  });
  it('padded steps output zeros and h, c are the states after each row\'s last valid step', () => {
    tidy(() => {
      const vals = all.map((s, i) => tensor(uniform(size([...s.shape]), -0.8, 0.8, `lstm-state:${i}`), s.shape));
      const [x, wIh, wHh, bIh, bHh, h0, c0] = vals;
      const w = { weightIh: wIh, weightHh: wHh, biasIh: bIh, biasHh: bHh };
      const masked = lstmSequence(x, w, h0, c0, tensor(mask, [B, T]));
      const out = masked.output.dataSync();
      for (let b = 0; b < B; b++) {
        // Run row b alone on its valid prefix: its final state must match.
        const alone = lstmSequence(slice(x, [b, 0, 0], [1, lengths[b], I]), w, slice(h0, [b, 0], [1, H]), slice(c0, [b, 0], [1, H]), null);
        expectClose(slice(masked.h, [b, 0], [1, H]).dataSync(), alone.h.dataSync(), { rtol: 1e-6, atol: 1e-7, label: `h row ${b}` });
        expectClose(slice(masked.c, [b, 0], [1, H]).dataSync(), alone.c.dataSync(), { rtol: 1e-6, atol: 1e-7, label: `c row ${b}` });
        for (let t = lengths[b]; t < T; t++) for (let j = 0; j < H; j++) expect(Math.abs(out[(b * T + t) * H + j])).toBe(0);
      }
    });
  });
});
