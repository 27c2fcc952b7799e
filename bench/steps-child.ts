// One side of bench/steps-before-after.ts: times the conv3d forward+backward steps of
// bench/peers.ts (C3D's conv2 and conv3a shapes and a small one) and its LSTM training step, and
// prints `RESULT {case: [ms, ...]}`. It is copied into the "before" checkout and run there too,
// with this checkout's bench/util.ts (the steps themselves), so both sides time the same code.
// Run: node --import tsx bench/steps-child.ts [--repeats=5]
import { ready } from '../src/index.js';
import { convTrainStep, lstmTrainStep } from './util.js';

const flag = (name: string): string | undefined =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const repeats = Number(flag('repeats') ?? 5);

async function main(): Promise<void> {
  await ready();
  const cases: Record<string, () => unknown> = {
    'conv3d fwd+bwd 32->64 8x28x28': convTrainStep(32, 64, 8, 28).step,
    'conv3d fwd+bwd conv2 64->128 16x56x56': convTrainStep(64, 128, 16, 56).step,
    'conv3d fwd+bwd conv3a 128->256 8x28x28': convTrainStep(128, 256, 8, 28).step,
    'LSTM train step B32 T50 72->256 +Adam': lstmTrainStep(32, 50, 72, 256).step,
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
