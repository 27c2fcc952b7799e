// Op semantics that are not a comparison with an oracle, so not rows of the conformance table:
// max's gradient on exact ties, matmul's broadcast output shapes, dropout's mask and scaling, and
// lstmSequence's padded steps and final states.
import { describe, expect, it } from 'vitest';
import { dropout, lstmSequence, manualSeed, matmul, max, slice, tensor, tidy } from '../../src/index.js';
import { expectClose } from '../conformance/compare.js';
import { inputValues } from '../conformance/gradcheck.js';
import { uniform } from '../conformance/inputs.js';
import { lstmOutputs } from '../conformance/rows/lstm.js';
import { LSTM_INPUTS, LSTM_MASK } from '../conformance/rows/ops.js';

describe('op semantics', () => {
  it('max splits the gradient evenly on exact ties (PyTorch amax rule)', () => {
    tidy(() => {
      const x = tensor([1, 3, 3, 2], [4], { requiresGrad: true });
      max(x).backward();
      expect(Array.from(x.grad!.dataSync())).toEqual([0, 0.5, 0.5, 0]);
      x.grad!.dispose();
    });
  });

  it('matmul output shapes follow NumPy broadcasting of the batch dims', () => {
    tidy(() => {
      expect(matmul(tensor(new Float32Array(20), [1, 1, 4, 5]), tensor(new Float32Array(60), [2, 5, 6])).shape).toEqual(
        [1, 2, 4, 6],
      );
      expect(matmul(tensor(new Float32Array(24), [2, 3, 4]), tensor(new Float32Array(40), [1, 2, 4, 5])).shape).toEqual(
        [1, 2, 3, 5],
      );
      expect(matmul(tensor(new Float32Array(24), [2, 3, 4]), tensor(new Float32Array(4), [4])).shape).toEqual([2, 3]);
    });
  });

  it('dropout (training): the gradient is the mask scaled, y = x * m, dL/dx = m with m in {0, 1/(1-p)}', () => {
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

  it("lstmSequence: padded steps output zeros and h, c are the states after each row's last valid step", () => {
    const [B, T, I] = LSTM_INPUTS[0].shape;
    const H = LSTM_INPUTS[5].shape[1];
    const lengths = [0, 1, 2].map((b) => LSTM_MASK.slice(b * T, (b + 1) * T).reduce((a, v) => a + v, 0));
    tidy(() => {
      const ranged = LSTM_INPUTS.map((s) => ({ ...s, range: [-0.8, 0.8] as const }));
      const [x, wIh, wHh, bIh, bHh, h0, c0] = inputValues('lstm-state', ranged).map((v, i) =>
        tensor(v, LSTM_INPUTS[i].shape),
      );
      const w = { weightIh: wIh, weightHh: wHh, biasIh: bIh, biasHh: bHh };
      const [output, h, c] = lstmOutputs(lstmSequence(x, w, h0, c0, tensor(LSTM_MASK, [B, T])));
      const out = output.dataSync();
      for (let b = 0; b < B; b++) {
        // Row b alone on its valid prefix must end in the same state.
        const row = (t: typeof x, n: number) => slice(t, [b, 0], [1, n]);
        const alone = lstmOutputs(
          lstmSequence(slice(x, [b, 0, 0], [1, lengths[b], I]), w, row(h0, H), row(c0, H), null),
        );
        expectClose(row(h, H).dataSync(), alone[1].dataSync(), { rtol: 1e-6, atol: 1e-7, label: `h row ${b}` });
        expectClose(row(c, H).dataSync(), alone[2].dataSync(), { rtol: 1e-6, atol: 1e-7, label: `c row ${b}` });
        for (let t = lengths[b]; t < T; t++)
          for (let j = 0; j < H; j++) expect(Math.abs(out[(b * T + t) * H + j])).toBe(0);
      }
    });
  });
});
