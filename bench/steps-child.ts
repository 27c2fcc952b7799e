// One side of bench/steps-before-after.ts: times the conv3d forward+backward steps of
// bench/peers.ts (C3D's conv2 and conv3a shapes and a small one) and its LSTM training step, and
// prints `RESULT {case: [ms, ...]}`. It is copied into the "before" checkout and run there too, so
// it imports only the package root, whose API both sides have.
// Run: node --import tsx bench/steps-child.ts [--repeats=5]
import { Adam, LSTM, Linear, conv3d, crossEntropy, manualSeed, randn, ready, tidy, type Tensor } from '../src/index.js';

const flag = (name: string): string | undefined =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const repeats = Number(flag('repeats') ?? 5);

function dropGrads(...ts: Tensor[]): void {
  for (const t of ts) {
    t.grad?.dispose();
    t.grad = null;
  }
}

function convStep(cin: number, cout: number, d: number, hw: number): () => unknown {
  manualSeed(1);
  const x = randn([1, cin, d, hw, hw], { requiresGrad: true });
  const w = randn([cout, cin, 3, 3, 3]).mul(0.05).detach().requiresGrad_();
  const dy = randn([1, cout, d, hw, hw]);
  return () =>
    tidy(() => {
      conv3d(x, w, null, { padding: 1 }).mul(dy).sum().backward();
      const r = x.grad!.dataSync()[0] + w.grad!.dataSync()[0];
      dropGrads(x, w);
      return r;
    });
}

function lstmStep(B: number, T: number, I: number, H: number): () => unknown {
  manualSeed(5);
  const lstm = new LSTM({ inputSize: I, hiddenSize: H, batchFirst: true });
  const head = new Linear(H, 3);
  const opt = new Adam([...lstm.parameters(), ...head.parameters()], { lr: 5e-3 });
  const x = randn([B, T, I]);
  const y = Array.from({ length: B }, (_, i) => i % 3);
  return () =>
    tidy(() => {
      opt.zeroGrad();
      const loss = crossEntropy(head.forward(lstm.forward(x).h.squeeze(0)), y);
      loss.backward();
      opt.step();
      return loss.item();
    });
}

async function main(): Promise<void> {
  await ready();
  const cases: Record<string, () => unknown> = {
    'conv3d fwd+bwd 32->64 8x28x28': convStep(32, 64, 8, 28),
    'conv3d fwd+bwd conv2 64->128 16x56x56': convStep(64, 128, 16, 56),
    'conv3d fwd+bwd conv3a 128->256 8x28x28': convStep(128, 256, 8, 28),
    'LSTM train step B32 T50 72->256 +Adam': lstmStep(32, 50, 72, 256),
  };
  const out: Record<string, number[]> = {};
  for (const [name, step] of Object.entries(cases)) {
    // Warm-up for at least 300 ms: the kernels' workers start and the JIT settles.
    const t0 = performance.now();
    for (let i = 0; i < 2 || performance.now() - t0 < 300; i++) step();
    out[name] = [];
    for (let i = 0; i < repeats; i++) {
      const t = performance.now();
      step();
      out[name].push(performance.now() - t);
    }
  }
  console.log(`RESULT ${JSON.stringify(out)}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
