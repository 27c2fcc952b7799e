// One trial of the demo: the frames from the moment an outfit appears (or a face is found) until a
// fixed length, described as training described its videos. The DescriptorStream is reset at the
// trial's start, so with reference 'first' every row is motion since the trial's first frame; the
// downscaled RGB frames and landmark tracks are kept so computeClips can cut the same pixel clips
// (face crop, clip selection, first-frame baseline) the model was trained on.
import {
  DescriptorStream, computeClips, descriptorOptions, makeBatch, noGrad, tensor, tidy,
  type FrameDescriptor, type Point2, type Tensor, type VideoFeatures,
} from '../../../src/index.js';
import type { LoadedCheckpoint } from './checkpoint.js';

/** A frame kept for the pixel branch: RGB bytes at a modest size. */
export interface SmallFrame {
  width: number;
  height: number;
  /** `width * height * 3` bytes. */
  rgb: Uint8Array;
  /** Small-frame pixels per processing-frame pixel. */
  scale: number;
}

/** What one prediction of a trial gave, each row [negative, neutral, positive]. */
export interface TrialPrediction {
  /** The landmark branch's probabilities (ŷL). */
  landmark: number[];
  /** The pixel branch's (ŷP), when it ran. */
  pixel: number[] | null;
  /** Eq. 8, λ ŷL + (1-λ) ŷP, when the pixel branch ran. */
  fused: number[] | null;
  /** Milliseconds of the whole call (for the pixel branch: clips, C3D, LSTM and fusion). */
  ms: number;
  /** Pixel clips that went through C3D (0 when the branch did not run). */
  clips: number;
}

/** Reads a `[1, 3]` probability tensor back (every backend supports `await data()`) and frees it. */
async function row(t: Tensor): Promise<number[]> {
  try {
    return Array.from(await t.data());
  } finally {
    t.dispose();
  }
}

/** A trial's descriptor rows, frames and landmark tracks, and the model calls on them. */
export class Trial {
  private readonly stream: DescriptorStream;
  private readonly rows: Float32Array[] = [];
  private readonly valid: number[] = [];
  private readonly frames: Uint8Array[] = [];
  private readonly track: Float32Array[] = [];
  private size: { width: number; height: number } | null = null;
  private lastTrack: Float32Array | null = null;
  /** 1-based number of the current trial (0 before the first). */
  index = 0;
  /** Whether a trial is under way (false while waiting for a face). */
  running = false;

  constructor(
    private readonly checkpoint: LoadedCheckpoint,
    /** Frames per second the camera is sampled at. */
    readonly fps: number,
    /** Frames after which the trial is complete. */
    readonly maxFrames: number,
  ) {
    this.stream = new DescriptorStream({ ...descriptorOptions(checkpoint.extract), fps, keepDetails: true });
  }

  /** Starts a new trial: the next frame becomes the reference of every descriptor and the clips' baseline. */
  start(): void {
    this.stream.reset();
    this.rows.length = 0;
    this.valid.length = 0;
    this.frames.length = 0;
    this.track.length = 0;
    this.size = null;
    this.lastTrack = null;
    this.index++;
    this.running = true;
  }

  /** Ends the trial (face lost, or full); the page starts the next one. */
  stop(): void {
    this.running = false;
  }

  /** Frames in the trial so far. */
  get length(): number {
    return this.rows.length;
  }

  /** Valid descriptor rows so far (the first frame's row never is). */
  get validRows(): number {
    return this.valid.reduce((a, b) => a + b, 0);
  }

  /** Whether the trial has reached its fixed length. */
  get full(): boolean {
    return this.rows.length >= this.maxFrames;
  }

  /**
   * Adds one frame: `frame` at processing size with its landmarks (null when the detector missed
   * it; the stream holds the last ones for a few frames), and its small copy for the pixel branch.
   */
  push(frame: Parameters<DescriptorStream['push']>[0], points: Point2[] | null, small: SmallFrame | null): FrameDescriptor {
    const d = this.stream.push(frame, points);
    // Training's rows: zeros where no descriptor was measured (the first frame, a lost face).
    this.rows.push(d.valid ? d.values.slice(0, 72) : new Float32Array(72));
    this.valid.push(d.valid ? 1 : 0);
    if (small && this.checkpoint.plm) {
      if (this.size && (this.size.width !== small.width || this.size.height !== small.height)) {
        throw new Error(`Trial.push: the camera changed size mid-trial (${this.size.width}x${this.size.height} to ${small.width}x${small.height})`);
      }
      this.size = { width: small.width, height: small.height };
      if (points) {
        const t = new Float32Array(136);
        points.forEach((p, i) => {
          t[2 * i] = p.x * small.scale;
          t[2 * i + 1] = p.y * small.scale;
        });
        this.lastTrack = t;
      }
      // A missed detection reuses the last landmarks, as the descriptor stream does.
      if (this.lastTrack) {
        this.frames.push(small.rgb);
        this.track.push(this.lastTrack);
      }
    }
    return d;
  }

  /** The trial's descriptor rows as one `[T * 72]` array. */
  private descriptors(): Float32Array {
    const data = new Float32Array(this.rows.length * 72);
    this.rows.forEach((r, t) => data.set(r, t * 72));
    return data;
  }

  /** Whether the pixel branch can run: a PLMIPE and at least one clip's worth of frames. */
  get pixelReady(): boolean {
    return this.checkpoint.plm !== null && this.frames.length >= this.checkpoint.extract.clipLength && this.frames.length === this.rows.length;
  }

  /** The landmark branch alone on the trial's rows so far. */
  async predictLandmark(): Promise<TrialPrediction> {
    const t0 = performance.now();
    const T = this.rows.length;
    const data = this.descriptors();
    const model = this.checkpoint.landmark;
    const probs = tidy(() => noGrad(() => model.predictProba({ descriptors: tensor(data, [1, T, 72]), lengths: [T] })));
    const landmark = await row(probs);
    return { landmark, pixel: null, fused: null, ms: performance.now() - t0, clips: 0 };
  }

  /**
   * Both branches and eq. 8 through the model's own predictAll, on the trial as one video: pixel clips
   * by computeClips (training's preprocessing, clip selection and baseline), batched by makeBatch.
   */
  async predictBoth(): Promise<TrialPrediction> {
    const plm = this.checkpoint.plm;
    if (!plm || !this.size || !this.pixelReady) throw new Error('Trial.predictBoth: the pixel branch needs a PLMIPE and a full clip of frames');
    const t0 = performance.now();
    const { width, height } = this.size;
    const name = `trial ${this.index}`;
    const { clips, clipShape } = computeClips({ width, height, fps: this.fps, frames: this.frames }, this.track, this.checkpoint.extract, name);
    const features: VideoFeatures = {
      id: name, label: 0, subject: '-', session: '-', clips, clipShape,
      descriptors: this.descriptors(), valid: Uint8Array.from(this.valid), dim: 72,
    };
    const batch = makeBatch([features], [0]);
    let out: { fused: Tensor; pixel: Tensor; landmark: Tensor };
    try {
      out = plm.predictAll(batch);
    } finally {
      batch.pixel.clips?.dispose();
      batch.landmark.descriptors.dispose();
    }
    const [fused, pixel, landmark] = await Promise.all([row(out.fused), row(out.pixel), row(out.landmark)]);
    return { landmark, pixel, fused, ms: performance.now() - t0, clips: clipShape[0] };
  }
}
