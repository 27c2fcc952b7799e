// Memory is the library's job: tidy disposes what a scope made except what it returns or
// keeps; backward frees the graph's saved tensors; live handles (liveTensorCount) and live
// backend buffers (memory().buffers) return to their baseline after a training step, inside
// tidy or with explicit dispose; and, given a collectable garbage collector, tensors nobody
// disposed are freed by the FinalizationRegistry (vitest.config.ts passes --expose-gc for that).
import { describe, expect, it } from 'vitest';
import {
  conv3d,
  keep,
  linear,
  liveTensorCount,
  logSoftmax,
  lstmSequence,
  maxPool3d,
  memory,
  randn,
  relu,
  tensor,
  tidy,
  type Tensor,
} from '../../src/index.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('memory tests need node --expose-gc (set in vitest.config.ts execArgv)');

function counts(): { tensors: number; buffers: number } {
  const m = memory();
  expect(m.tensors).toBe(liveTensorCount());
  return { tensors: m.tensors, buffers: m.buffers };
}

interface Params {
  convW: Tensor;
  convB: Tensor;
  fcW: Tensor;
  fcB: Tensor;
  wIh: Tensor;
  wHh: Tensor;
  bIh: Tensor;
}

function makeParams(): Params {
  return {
    convW: randn([2, 1, 3, 3, 3], { requiresGrad: true }),
    convB: randn([2], { requiresGrad: true }),
    fcW: randn([3, 2 * 2 * 2 * 2], { requiresGrad: true }),
    fcB: randn([3], { requiresGrad: true }),
    wIh: randn([8, 3], { requiresGrad: true }),
    wHh: randn([8, 2], { requiresGrad: true }),
    bIh: randn([8], { requiresGrad: true }),
  };
}

/**
 * A small C3D-then-LSTM step: conv3d, relu, maxPool3d, linear, an LSTM over the clip's
 * features, cross entropy from logSoftmax. Returns the loss and every tensor it made, so the
 * no-tidy test can dispose them one by one.
 */
function forward(p: Params, x: Tensor, target: Tensor, made: Tensor[] = []): Tensor {
  const t = <T extends Tensor>(v: T): T => {
    made.push(v);
    return v;
  };
  const h = t(relu(t(conv3d(x, p.convW, p.convB, { padding: 1 }))));
  const pooled = t(maxPool3d(h, { kernelSize: 2 })); // [2, 2, 2, 2, 2]
  const feats = t(linear(t(pooled.reshape([2, 16])), p.fcW, p.fcB)); // [2, 3]
  const seq = t(feats.reshape([1, 2, 3]));
  const mask = t(tensor([1, 1], [1, 2]));
  const r = lstmSequence(seq, { weightIh: p.wIh, weightHh: p.wHh, biasIh: p.bIh, biasHh: null }, null, null, mask);
  t(r.output);
  t(r.c);
  const logits = t(t(r.h.reshape([1, 2])).mul(1));
  made.push(r.h);
  const logp = t(logSoftmax(logits, 1));
  return t(t(t(t(logp.mul(target)).sum()).neg()).mul(1));
}

function disposeGrads(p: Params): void {
  for (const v of Object.values(p)) {
    v.grad?.dispose();
    v.grad = null;
  }
}

describe('tidy', () => {
  it('disposes intermediates but keeps returned tensors (directly, in arrays and objects) and kept ones', () => {
    const before = counts();
    let keptOne: Tensor | null = null;
    let intermediate: Tensor | null = null;
    const result = tidy(() => {
      const a = randn([3]);
      intermediate = a.mul(2);
      keptOne = keep(a.add(1));
      return { direct: a.exp(), list: [a.neg(), [a.abs()]], nested: { deep: { t: a.square() } }, n: 3, s: 'x' };
    });
    expect(intermediate!.isDisposed).toBe(true);
    expect(keptOne!.isDisposed).toBe(false);
    for (const t of [result.direct, result.list[0] as Tensor, (result.list[1] as Tensor[])[0], result.nested.deep.t]) {
      expect(t.isDisposed).toBe(false);
      expect(t.dataSync().length).toBe(3);
    }
    expect(counts().tensors).toBe(before.tensors + 5);
    for (const t of [
      keptOne!,
      result.direct,
      result.list[0] as Tensor,
      (result.list[1] as Tensor[])[0],
      result.nested.deep.t,
    ])
      t.dispose();
    expect(counts()).toEqual(before);
  });

  it('nested: a returned tensor moves to the enclosing scope and is disposed there unless returned again', () => {
    const before = counts();
    const outer = tidy(() => {
      const inner = tidy(() => randn([2]).mul(3));
      expect(inner.isDisposed).toBe(false);
      const other = tidy(() => randn([2]).add(1));
      return { inner, otherSum: other.sum().item() };
    });
    expect(outer.inner.isDisposed).toBe(false);
    outer.inner.dispose();
    expect(counts()).toEqual(before);
  });

  it('returning a tensor made outside the scope does not hand it to the enclosing scope', () => {
    const w = randn([3]);
    tidy(() => {
      const same = tidy(() => w); // an identity function, e.g. a layer that passes its input through
      expect(same).toBe(w);
      return 0;
    });
    expect(w.isDisposed).toBe(false);
    w.dispose();
  });

  it('a scope that throws still disposes what it made', () => {
    const before = counts();
    expect(() =>
      tidy(() => {
        randn([4]).mul(2);
        throw new Error('failed step');
      }),
    ).toThrow('failed step');
    expect(counts()).toEqual(before);
  });
});

describe('memory returns to its baseline', () => {
  it('after forward + backward inside tidy (leaf grads disposed afterwards)', () => {
    const before = counts();
    const p = makeParams();
    const x = randn([2, 1, 4, 4, 4]);
    const target = tensor([0, 1], [1, 2]);
    const withParams = counts();
    for (let step = 0; step < 2; step++) {
      const loss = tidy(() => {
        const l = forward(p, x, target);
        l.backward();
        return l.item();
      });
      expect(Number.isFinite(loss)).toBe(true);
      // Only the 7 parameter grads survive the step.
      expect(counts()).toEqual({ tensors: withParams.tensors + 7, buffers: withParams.buffers + 7 });
      disposeGrads(p);
      expect(counts()).toEqual(withParams);
    }
    for (const v of [...Object.values(p), x, target]) v.dispose();
    expect(counts()).toEqual(before);
  });

  it('after forward + backward without tidy, once every handle and the leaf grads are disposed', () => {
    const before = counts();
    const p = makeParams();
    const x = randn([2, 1, 4, 4, 4]);
    const target = tensor([0, 1], [1, 2]);
    const made: Tensor[] = [];
    const loss = forward(p, x, target, made);
    loss.backward();
    // backward freed its own temporaries and the graph's saved tensors: what is live now is
    // exactly the user's handles plus one grad per parameter.
    expect(counts().tensors).toBe(before.tensors + Object.keys(p).length + 2 + new Set(made).size + 7);
    for (const t of made) t.dispose();
    disposeGrads(p);
    for (const v of [...Object.values(p), x, target]) v.dispose();
    expect(counts()).toEqual(before);
  });

  it('disposing one of two handles that share storage (reshape, detach) keeps the buffer', () => {
    const before = counts();
    const a = randn([2, 3]);
    const b = a.reshape([3, 2]);
    const c = a.detach();
    expect(counts()).toEqual({ tensors: before.tensors + 3, buffers: before.buffers + 1 });
    a.dispose();
    a.dispose(); // idempotent
    expect(b.dataSync().length).toBe(6);
    b.dispose();
    expect(counts()).toEqual({ tensors: before.tensors + 1, buffers: before.buffers + 1 });
    c.dispose();
    expect(counts()).toEqual(before);
  });

  describe('via the FinalizationRegistry after gc (needs --expose-gc)', () => {
    async function collect(target: { tensors: number; buffers: number }): Promise<void> {
      for (let i = 0; i < 20; i++) {
        gc!();
        await new Promise((r) => setTimeout(r, 5));
        const now = memory();
        if (now.tensors === target.tensors && now.buffers === target.buffers) return;
      }
    }
    it('a forward + backward nobody disposed is freed once unreachable', async () => {
      const before = counts();
      (() => {
        const p = makeParams();
        forward(p, randn([2, 1, 4, 4, 4]), tensor([0, 1], [1, 2])).backward();
      })();
      expect(counts().tensors).toBeGreaterThan(before.tensors);
      await collect(before);
      expect(counts()).toEqual(before);
    });
    it('a forward without backward (graph never run) is freed once unreachable, saved tensors included', async () => {
      const before = counts();
      (() => {
        const p = makeParams();
        tidy(() => {
          forward(p, randn([2, 1, 4, 4, 4]), tensor([0, 1], [1, 2]));
        });
      })();
      // tidy disposed every handle the forward made, but the graph's saved tensors stay until
      // the graph is collected (a later backward through it would still need them).
      await collect(before);
      expect(counts()).toEqual(before);
    });
  });
});

describe('disposed tensors', () => {
  it('using a disposed tensor throws an Error naming it (shape and id)', () => {
    const x = randn([2, 3]);
    const y = x.mul(1);
    x.dispose();
    expect(x.isDisposed).toBe(true);
    expect(() => x.dataSync()).toThrow(
      new RegExp(`Tensor \\[2, 3\\] \\(id ${x.id}\\) was disposed and can no longer be used`),
    );
    expect(() => x.add(1)).toThrow(/Tensor \[2, 3\] \(id \d+\) was disposed/);
    expect(() => conv3d(x.reshape([1, 1, 1, 2, 3]), randn([1, 1, 1, 1, 1]))).toThrow(/was disposed/);
    expect(y.dataSync().length).toBe(6);
    y.dispose();
  });
});
