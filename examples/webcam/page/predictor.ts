// Runs the landmark estimator on a rolling window of descriptor rows: the last `window` rows
// (zeros where no face was found, as in training) go through the LSTM as one [1, T, 72]
// sequence; the softmax is read back with `await data()`, which every backend supports.
import { noGrad, tensor, tidy, type FrameDescriptor, type LandmarkEstimator } from '../../../src/index.js';

/** A rolling window of descriptors and the model that reads it. */
export class RollingPredictor {
  private readonly rows: { values: Float32Array; valid: boolean }[] = [];

  constructor(
    public model: LandmarkEstimator,
    private readonly window: number,
    /** Valid rows the window needs before a prediction is made. */
    private readonly minValid = 4,
  ) {}

  /** Adds one frame's descriptor (valid or not). */
  push(d: FrameDescriptor): void {
    this.rows.push({ values: d.valid ? d.values.slice(0, 72) : new Float32Array(72), valid: d.valid });
    if (this.rows.length > this.window) this.rows.shift();
  }

  /** Forgets the window (new checkpoint, face lost for long). */
  reset(): void {
    this.rows.length = 0;
  }

  /** Whether enough valid rows are in the window to predict. */
  get ready(): boolean {
    let n = 0;
    for (const r of this.rows) if (r.valid) n++;
    return n >= this.minValid;
  }

  /** Class probabilities [negative, neutral, positive] for the current window. */
  async predict(): Promise<Float32Array> {
    const T = this.rows.length;
    const data = new Float32Array(T * 72);
    this.rows.forEach((r, t) => data.set(r.values, t * 72));
    const probs = tidy(() => noGrad(() => this.model.predictProba({ descriptors: tensor(data, [1, T, 72]), lengths: [T] })));
    try {
      return await probs.data();
    } finally {
      probs.dispose();
    }
  }
}
