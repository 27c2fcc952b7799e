// Shapes of the browser op table. `small` fits software rendering (SwiftShader on a machine
// without a GPU: ~0.03-0.2 GFLOP/s); `c3d` is the target workload's scale for a real GPU.

export interface Preset {
  conv: { n: number; ci: number; co: number; d: number; hw: number };
  matmul: { m: number; k: number; n: number };
  lstm: { b: number; i: number; h: number };
  pool: { c: number; d: number; hw: number };
  /** A reduced C3D training step: conv-relu-pool blocks, a linear head, cross-entropy, Adam. */
  c3d: { n: number; d: number; hw: number; channels: number[]; classes: number };
}

export const PRESETS: Record<string, Preset> = {
  small: {
    conv: { n: 1, ci: 3, co: 16, d: 8, hw: 28 },
    matmul: { m: 512, k: 512, n: 512 },
    lstm: { b: 8, i: 72, h: 128 },
    pool: { c: 16, d: 8, hw: 28 },
    c3d: { n: 1, d: 8, hw: 32, channels: [3, 8, 16], classes: 5 },
  },
  c3d: {
    conv: { n: 2, ci: 64, co: 128, d: 8, hw: 56 },
    matmul: { m: 512, k: 512, n: 512 },
    lstm: { b: 32, i: 72, h: 128 },
    pool: { c: 64, d: 16, hw: 56 },
    c3d: { n: 4, d: 16, hw: 64, channels: [3, 64, 128, 256], classes: 5 },
  },
};
