// Autograd nodes with several outputs (src/tensor/tensor.ts recordMultiOutputOp): one node makes
// several tensors, and its backward runs once with one cotangent per output, null for an output
// no gradient reached. Proven on a small two-output op defined here (sin and cos of x), then on
// the two real ones: lstmSequence's output, h and c, and maxPool3d's node-owned argmax.
import { describe, expect, it } from 'vitest';
import {
  cos,
  lstmSequence,
  manualSeed,
  maxPool3d,
  memory,
  noGrad,
  randn,
  sin,
  tensor,
  tidy,
  type Tensor,
} from '../../src/index.js';
import { recordMultiOutputOp, saveForBackward } from '../../src/tensor/tensor.js';
import { CpuBackend } from '../../src/backend/cpu/cpu-backend.js';
import { expectClose } from '../conformance/compare.js';

const values = (t: Tensor | null): number[] => Array.from(t!.dataSync());
const buffers = (): number => memory().buffers;
const gc =
  (globalThis as { gc?: () => void }).gc ??
  ((): never => {
    throw new Error('this test needs node --expose-gc (set in vitest.config.ts execArgv)');
  });

const xs = [0.3, -1.2, 2];

/** What the two-output op's backward was called with, one entry per call. */
type Calls = ('given' | 'null')[][];

/** [sin x, cos x] as one node; d/dx = ds cos x - dc sin x. Saves x, so its release is observable. */
function sinCos(x: Tensor, calls: Calls = []): [Tensor, Tensor] {
  const [s, c] = noGrad(() => [sin(x), cos(x)]);
  const sx = saveForBackward(x);
  return recordMultiOutputOp([s, c], {
    op: 'sinCos',
    inputs: [x],
    saved: [sx],
    backward: ([ds, dc]) => {
      calls.push([ds ? 'given' : 'null', dc ? 'given' : 'null']);
      const fromS = ds ? ds.mul(cos(sx)) : null;
      const fromC = dc ? dc.mul(sin(sx)).neg() : null;
      return [fromS && fromC ? fromS.add(fromC) : (fromS ?? fromC)];
    },
  });
}

describe('a node with two outputs', () => {
  const expected = (useS: boolean, useC: boolean): number[] =>
    xs.map((v) => (useS ? Math.cos(v) : 0) - (useC ? Math.sin(v) : 0));

  for (const [useS, useC] of [
    [true, true],
    [true, false],
    [false, true],
  ] as const) {
    const which = useS && useC ? 'both outputs' : useS ? 'the first only' : 'the second only';
    it(`backward gets a cotangent for ${which}`, () => {
      tidy(() => {
        const x = tensor(xs, [3], { requiresGrad: true });
        const calls: Calls = [];
        const [s, c] = sinCos(x, calls);
        expect(s.node).toBe(c.node);
        expect([s.outputIndex, c.outputIndex]).toEqual([0, 1]);
        const loss = useS && useC ? s.sum().add(c.sum()) : useS ? s.sum() : c.sum();
        loss.backward();
        expect(calls).toEqual([[useS ? 'given' : 'null', useC ? 'given' : 'null']]);
        expectClose(values(x.grad), expected(useS, useC), { rtol: 1e-6, atol: 1e-7 });
        x.grad!.dispose();
      });
    });
  }

  it('runs backward once, after the gradients of every use of every output are summed', () => {
    tidy(() => {
      const x = tensor(xs, [3], { requiresGrad: true });
      const calls: Calls = [];
      const [s, c] = sinCos(x, calls);
      // L = sum(2 s + s c + c): dL/ds = 2 + c, dL/dc = s + 1, arriving through three consumers.
      s.mul(2).sum().add(s.mul(c).sum()).add(c.sum()).backward();
      expect(calls).toEqual([['given', 'given']]);
      const want = xs.map((v) => (2 + Math.cos(v)) * Math.cos(v) - (Math.sin(v) + 1) * Math.sin(v));
      expectClose(values(x.grad), want, { rtol: 1e-5, atol: 1e-6 });
      x.grad!.dispose();
    });
  });

  it('an op used twice, once on its own output, is two nodes whose gradients add up', () => {
    tidy(() => {
      const x = tensor(xs, [3], { requiresGrad: true });
      const calls: Calls = [];
      const [s1] = sinCos(x, calls);
      const [, c2] = sinCos(s1, calls); // cos(sin x)
      const [s3] = sinCos(x, calls); // a second, independent use on x
      c2.sum().add(s3.sum()).backward();
      expect(calls).toHaveLength(3);
      const want = xs.map((v) => -Math.sin(Math.sin(v)) * Math.cos(v) + Math.cos(v));
      expectClose(values(x.grad), want, { rtol: 1e-5, atol: 1e-6 });
      x.grad!.dispose();
    });
  });

  it('backward from a later output as the root', () => {
    tidy(() => {
      const x = tensor(xs, [3], { requiresGrad: true });
      const calls: Calls = [];
      const [, c] = sinCos(x, calls);
      c.backward(tensor([1, 1, 1], [3]));
      expect(calls).toEqual([['null', 'given']]);
      expectClose(values(x.grad), expected(false, true), { rtol: 1e-6, atol: 1e-7 });
      x.grad!.dispose();
    });
  });

  it('after backward, every output knows the node was freed, also the one backward never reached', () => {
    tidy(() => {
      const x = tensor(xs, [3], { requiresGrad: true });
      const [s, c] = sinCos(x);
      s.sum().backward();
      expect(() => c.backward(tensor([1, 1, 1], [3]))).toThrow(/backward: the graph of this tensor was already freed/);
      expect(() => c.sum().backward()).toThrow(/backward: part of the graph was already freed/);
      x.grad!.dispose();
    });
  });
});

describe('memory of a node with several outputs', () => {
  it('its saved values are released by backward, even when only one output was used', () => {
    const before = buffers();
    const x = tensor(xs, [3], { requiresGrad: true });
    const [s, c] = sinCos(x);
    const loss = s.sum();
    x.dispose(); // the node's saved reference keeps x's storage
    expect(buffers()).toBe(before + 4); // x (saved), s, c, loss
    loss.backward();
    expect(buffers()).toBe(before + 4); // x's storage went with the node; x.grad came
    for (const t of [s, c, loss, x.grad!]) t.dispose();
    expect(buffers()).toBe(before);
  });

  it('without recording (noGrad) the saved values are released at once', () => {
    const before = buffers();
    const x = tensor(xs, [3], { requiresGrad: true });
    const [s, c] = noGrad(() => sinCos(x));
    expect(s.node).toBeNull();
    x.dispose();
    expect(buffers()).toBe(before + 2);
    s.dispose();
    c.dispose();
    expect(buffers()).toBe(before);
  });

  it('tidy leaves nothing behind after backward', () => {
    const before = memory();
    const x = tensor(xs, [3], { requiresGrad: true });
    tidy(() => {
      const [s, c] = sinCos(x);
      s.sum().add(c.sum()).backward();
    });
    x.grad!.dispose();
    x.dispose();
    expect(memory()).toEqual(before);
  });

  it('a node nobody back-propagated releases its saved values once unreachable (gc)', async () => {
    const before = memory();
    const x = tensor(xs, [3], { requiresGrad: true });
    tidy(() => {
      sinCos(x);
    });
    x.dispose();
    // The graph keeps x's storage until backward, or until the node is garbage-collected.
    for (let i = 0; i < 20 && memory().buffers !== before.buffers; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(memory()).toEqual(before);
  });
});

type Fused = Pick<CpuBackend, 'lstmLayer' | 'lstmLayerGrad'>;

const pathName = (fused: boolean): string => (fused ? 'whole-layer' : 'step-by-step');

/** Runs `fn` on the cpu backend with or without its whole-layer LSTM primitives. */
function withLstmPath<T>(fused: boolean, fn: () => T): T {
  const proto = CpuBackend.prototype as Partial<Fused>;
  const kept = { lstmLayer: proto.lstmLayer, lstmLayerGrad: proto.lstmLayerGrad };
  if (!fused) Object.assign(proto, { lstmLayer: undefined, lstmLayerGrad: undefined });
  try {
    return fn();
  } finally {
    Object.assign(proto, kept);
  }
}

describe('lstmSequence: one node, three outputs', () => {
  const [B, T, I, H] = [3, 4, 2, 3];
  const outputs = ['output', 'h', 'c'] as const;
  type Which = (typeof outputs)[number];

  /** Gradients of every input for a loss using only the outputs in `use`. */
  function grads(use: readonly Which[], masked: boolean): number[][] {
    return tidy(() => {
      manualSeed(3);
      const g = { requiresGrad: true };
      const leaves = [
        randn([B, T, I], g),
        randn([4 * H, I], g),
        randn([4 * H, H], g),
        randn([4 * H], g),
        randn([4 * H], g),
        randn([B, H], g),
        randn([B, H], g),
      ];
      const [x, wIh, wHh, bIh, bHh, h0, c0] = leaves;
      const mask = masked ? tensor([1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0], [B, T]) : null;
      const r = lstmSequence(x, { weightIh: wIh, weightHh: wHh, biasIh: bIh, biasHh: bHh }, h0, c0, mask);
      expect(r.h.node).toBe(r.output.node);
      expect(r.c.node).toBe(r.output.node);
      expect(outputs.map((k) => r[k].outputIndex)).toEqual([0, 1, 2]);
      const weights = { output: randn([B, T, H]), h: randn([B, H]), c: randn([B, H]) };
      use
        .map((k) => r[k].mul(weights[k]).sum())
        .reduce((a, b) => a.add(b))
        .backward();
      return leaves.map((t) => values(t.grad));
    });
  }

  for (const fused of [true, false]) {
    for (const masked of [false, true]) {
      it(`${pathName(fused)} path${masked ? ', masked' : ''}: one, two or all cotangents`, () => {
        withLstmPath(fused, () => {
          const single = outputs.map((k) => grads([k], masked));
          const all = grads(outputs, masked);
          // The loss is linear in the outputs, so each input's gradient is the sum of the three.
          all.forEach((g, i) => {
            const sum = g.map((_, j) => single[0][i][j] + single[1][i][j] + single[2][i][j]);
            expectClose(g, sum, { rtol: 1e-5, atol: 1e-6, label: `input ${i}` });
          });
          const two = grads(['h', 'c'], masked);
          two.forEach((g, i) => {
            const sum = g.map((_, j) => single[1][i][j] + single[2][i][j]);
            expectClose(g, sum, { rtol: 1e-5, atol: 1e-6, label: `h+c input ${i}` });
          });
        });
      });
    }
  }

  for (const fused of [true, false]) {
    it(`${pathName(fused)} path: no tensor or buffer outlives tidy, with backward or under noGrad`, () => {
      withLstmPath(fused, () => {
        const before = memory();
        tidy(() => {
          manualSeed(4);
          const wIh = randn([4 * H, I], { requiresGrad: true });
          const w = { weightIh: wIh, weightHh: randn([4 * H, H]), biasIh: null, biasHh: null };
          lstmSequence(randn([B, T, I]), w, null, null, null)
            .c.sum()
            .backward();
          noGrad(() => lstmSequence(randn([B, T, I]), w, null, null, null));
          w.weightIh.grad!.dispose();
        });
        expect(memory()).toEqual(before);
      });
    });
  }
});

describe('maxPool3d: the argmax belongs to the node', () => {
  it('no argmax buffer stays without a node, and backward releases it with the node', () => {
    const x = randn([1, 1, 2, 4, 4], { requiresGrad: true });
    const before = buffers();
    const y0 = noGrad(() => maxPool3d(x, { kernelSize: 2 }));
    expect(buffers()).toBe(before + 1); // y only
    y0.dispose();
    const y = maxPool3d(x, { kernelSize: 2 });
    expect(y.node!.saved).toHaveLength(1);
    expect(buffers()).toBe(before + 2); // y and the node's argmax
    const loss = y.sum();
    loss.backward();
    expect(buffers()).toBe(before + 3); // y, loss and x.grad: the argmax went with the node
    expect(y.node!.saved).toHaveLength(0);
    y.dispose();
    loss.dispose();
    x.grad!.dispose();
    expect(buffers()).toBe(before);
    x.dispose();
  });
});
