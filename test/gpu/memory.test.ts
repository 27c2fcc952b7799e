// Memory on the gpu backend: 200 training steps of a small Linear + LSTM model with Adam leave
// the live device buffers (memory().buffers) at their post-warm-up count and the process RSS
// roughly flat. On GL this proves every intermediate texture is deleted (an immutable kernel
// output that is never deleted costs its texture for good).
import { describe, expect, it } from 'vitest';
import { Adam, crossEntropy, Linear, LSTM, memory, randn, tidy } from '../../src/index.js';
import { HEADLESSGL_SKIP, MODES, useGpu } from './helpers.js';
import { setBackend } from '../../src/index.js';

const gc = (globalThis as { gc?: () => void }).gc;

for (const { mode, available } of MODES) {
  describe.skipIf(!available)(`gpu memory (${mode})${available ? '' : ` — ${HEADLESSGL_SKIP}`}`, () => {
    it('200 Linear+LSTM+Adam steps keep buffers and RSS flat', () => {
      useGpu(mode);
      try {
        const proj = new Linear(6, 8);
        const lstm = new LSTM({ inputSize: 8, hiddenSize: 8, batchFirst: true });
        const head = new Linear(8, 3);
        const opt = new Adam([...proj.parameters(), ...lstm.parameters(), ...head.parameters()], { lr: 0.01 });
        const x = randn([4, 5, 6]);
        const targets = [0, 1, 2, 1];
        const step = (): number =>
          tidy(() => {
            opt.zeroGrad();
            const { h } = lstm.forward(proj.forward(x));
            const loss = crossEntropy(head.forward(h.squeeze(0)), targets);
            loss.backward();
            opt.step();
            return loss.item();
          });
        const first = step();
        for (let i = 0; i < 9; i++) step();
        gc?.();
        const base = memory();
        const rss0 = process.memoryUsage().rss;
        let last = first;
        for (let i = 0; i < 200; i++) {
          last = step();
          if (i % 50 === 49) expect(memory().buffers, `buffers after ${i + 1} steps`).toBe(base.buffers);
        }
        gc?.();
        const after = memory();
        const rssGrowth = process.memoryUsage().rss - rss0;
        expect(after.buffers).toBe(base.buffers);
        expect(after.bytes).toBe(base.bytes);
        // Every step makes ~100 device buffers; a leak of one per step would be thousands.
        // RSS: allow allocator noise, far below what 200 steps of leaked textures would cost.
        expect(rssGrowth, `RSS grew ${(rssGrowth / 1e6).toFixed(1)} MB`).toBeLessThan(40e6);
        expect(last).toBeLessThan(first); // and it learns
      } finally {
        setBackend('cpu');
      }
    });
  });
}
