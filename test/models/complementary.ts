// A generated two-view problem where the views carry complementary evidence: for a third of the
// videos only the pixel view shows the class, for a third only the landmark descriptors do, for
// the rest both; everything else is noise. The pixel view is given as cached clip features (two
// clips per video, 256-d, a block of 64 dims raised for the class), the frozen-backbone input:
// a randomly initialised C3D, like PyTorch's, maps every clip to nearly the same fc7 vector
// (the default init shrinks the signal through ten layers), so class evidence must stand for
// a pretrained backbone's. Deterministic for a seed. Public API only.
import { createRng, tensor, type Tensor } from '../../src/index.js';

export interface ComplementaryData {
  /** `[2n, featureSize]`: clip features, clips 2i and 2i+1 belong to video i. */
  features: Tensor;
  videoIndex: number[];
  /** `[n, steps, 72]` */
  descriptors: Tensor;
  lengths: number[];
  labels: number[];
  /** 0: only the pixel view is informative, 1: only the landmark view, 2: both. */
  mode: number[];
}

export function complementaryData(
  n: number,
  seed: string,
  { featureSize = 256, steps = 8, pixelSignal = 0.6, landmarkSignal = 0.6 } = {},
): ComplementaryData {
  const rng = createRng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const block = featureSize / 4;
  const features = new Float32Array(2 * n * featureSize);
  const desc = new Float32Array(n * steps * 72);
  const labels: number[] = [];
  const mode: number[] = [];
  const lengths: number[] = [];
  for (let i = 0; i < n; i++) {
    const y = Math.floor(rng() * 3);
    const m = i % 3;
    labels.push(y);
    mode.push(m);
    for (let clip = 0; clip < 2; clip++) {
      for (let d = 0; d < featureSize; d++) {
        const boost = m !== 1 && Math.floor(d / block) === y ? pixelSignal : 0;
        features[(2 * i + clip) * featureSize + d] = Math.max(0, gauss() + boost); // post-ReLU, like fc7
      }
    }
    const len = steps - Math.floor(rng() * 3);
    lengths.push(len);
    for (let t = 0; t < len; t++) {
      for (let d = 0; d < 72; d++) {
        const boost = m !== 0 && Math.floor(d / 24) === y ? landmarkSignal : 0;
        desc[(i * steps + t) * 72 + d] = gauss() + boost;
      }
    }
  }
  return {
    features: tensor(features, [2 * n, featureSize]),
    videoIndex: Array.from({ length: 2 * n }, (_, j) => j >> 1),
    descriptors: tensor(desc, [n, steps, 72]),
    lengths,
    labels,
    mode,
  };
}
