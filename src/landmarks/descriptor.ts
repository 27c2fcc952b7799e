// The PLM-IPE landmark-based descriptor (paper §3.3, after MDMO): per facial region, the main
// direction of the optical flow (8 bins of 45°) and its mean magnitude, giving 36 orientations then
// 36 magnitudes per frame. Owns the per-region statistics, one frame pair, and the video loop with
// missing-face handling. Pixels come from warp.ts, flow from farneback.ts, regions from regions.ts.
import { alignFace, type AlignedFace } from './align.js';
import { argumentError, describeValue, toPointArray } from './errors.js';
import { farneback, FarnebackWorkspace, type FarnebackOptions } from './farneback.js';
import { correctHeadMotion, type HeadMotionOptions } from './head-motion.js';
import { faceRegions, REGION_COUNT, regionLabelMap, type LabelMap, type RegionOptions } from './regions.js';
import { ALIGN_ANCHORS } from './template.js';
import type { FlowField, Frame, LandmarkInput, Point2, SimilarityTransform } from './types.js';
import { frameChannels, warpGray, type WarpedCrop, type WarpOptions } from './warp.js';

const TWO_PI = 2 * Math.PI;
const BIN = Math.PI / 4;

/** Options of the per-region statistics ({@link describeFlow}). */
export interface RegionFeatureOptions {
  /**
   * Noise floor of the max-normalisation, px: m_k = ρ_k / max(max_j ρ_j, rhoFloor). Default
   * 0.15·(S/128). Calibrate it as the ~95th percentile of max_j ρ_j over truly static frames.
   */
  rhoFloor?: number;
  /** Regions with ρ_k below this are static: o_k = m_k = 0. Default 0.5·rhoFloor. */
  rhoStatic?: number;
  /** Regions with fewer valid pixels are treated as empty. Default 10. */
  minPixels?: number;
  /** Mean of the main-direction bin: `'polar'` (mean ρ, circular-mean θ; MDMO, default) or `'cartesian'`. */
  mean?: 'polar' | 'cartesian';
  /**
   * Magnitude block: `'max'` (default) ρ_k / max(max_j ρ_j, rhoFloor); `'iod'` min(ρ_k / IOD · fps/25, 0.1),
   * which keeps absolute intensity and frame-rate invariance.
   */
  magnitude?: 'max' | 'iod';
  /** Frames per second, for `magnitude: 'iod'` with consecutive-frame flow. Default 25. */
  fps?: number;
  /**
   * What the flow measures, for `magnitude: 'iod'`: `'step'` (default) motion between consecutive
   * frames, scaled by fps/25 and clipped at 0.1·IOD; `'displacement'` motion since a reference frame
   * (no fps scaling, clipped at 0.5·IOD). Set by the stream from its `reference` option.
   */
  motion?: 'step' | 'displacement';
  /** Inter-ocular distance in crop px, for `magnitude: 'iod'` and `rhoIod`. Default 0.4164·S (the template's). */
  iod?: number;
  /**
   * Orientation block: `'angle'` (default) θ_k / 2π ∈ [0, 1) → 72 values; `'sincos'` (cos θ_k, sin θ_k) for
   * moving regions → 108 values (cos block, sin block, magnitude block), which avoids the 0/1 wrap.
   */
  orientation?: 'angle' | 'sincos';
}

/** Per-region statistics of one flow field. */
export interface RegionFeatures {
  /** The descriptor: 36 orientations then 36 magnitudes (72), or cos, sin, magnitude blocks (108). */
  readonly values: Float32Array;
  /** Main-direction mean magnitude per region, px (0 for empty regions). */
  readonly rho: Float32Array;
  /** Main-direction mean angle per region, radians in [0, 2π), x right and y down (π/2 = moving down). */
  readonly theta: Float32Array;
  /** Valid pixels per region. */
  readonly pixels: Uint32Array;
}

/**
 * The MDMO-style statistics of a flow field over a label image: for each region, histogram the flow
 * directions into 8 bins of 45° (θ = atan2(dy, dx) mod 2π; ties go to the lower bin), keep the fullest
 * bin, and average ρ and θ over its vectors; then normalise (see {@link RegionFeatureOptions}).
 *
 * @param valid optional mask (1 = use the pixel), e.g. from {@link warpGray}.
 */
export function describeFlow(
  flow: FlowField,
  labels: LabelMap,
  valid?: ArrayLike<number> | null,
  options: RegionFeatureOptions = {},
): RegionFeatures {
  const fn = 'describeFlow';
  const { width: W, height: H } = flow;
  if (flow.data?.length !== W * H * 2) {
    throw argumentError(
      fn,
      'flow.data.length',
      `${W * H * 2} (width ${W} x height ${H} x 2)`,
      String(flow.data?.length),
    );
  }
  if (labels.width !== W || labels.height !== H || labels.data.length !== W * H) {
    throw argumentError(
      fn,
      'labels',
      `a ${W}x${H} label map`,
      `${labels.width}x${labels.height} (${labels.data.length} values)`,
    );
  }
  if (valid && valid.length !== W * H) throw argumentError(fn, 'valid.length', String(W * H), String(valid.length));
  const hist = directionHistograms(flow, labels, valid);
  const size = Math.min(W, H);
  const rhoFloor = options.rhoFloor ?? 0.15 * (size / 128);
  const limits = { size, rhoFloor, rhoStatic: options.rhoStatic ?? 0.5 * rhoFloor, minPixels: options.minPixels ?? 10 };
  const { rho, theta } = dominantDirections(hist, limits.minPixels, (options.mean ?? 'polar') === 'polar');
  const values = normaliseRegions(rho, theta, hist.pixels, options, limits);
  return { values, rho, theta, pixels: hist.pixels };
}

/** Per region and 45° direction bin: how many vectors, and the sums their means need. */
interface DirectionHistograms {
  count: Uint32Array;
  sumRho: Float64Array;
  sumSin: Float64Array;
  sumCos: Float64Array;
  sumU: Float64Array;
  sumV: Float64Array;
  /** Valid pixels per region. */
  pixels: Uint32Array;
}

function directionHistograms(flow: FlowField, labels: LabelMap, valid?: ArrayLike<number> | null): DirectionHistograms {
  const R = REGION_COUNT;
  const count = new Uint32Array(R * 8);
  const sumRho = new Float64Array(R * 8);
  const sumSin = new Float64Array(R * 8);
  const sumCos = new Float64Array(R * 8);
  const sumU = new Float64Array(R * 8);
  const sumV = new Float64Array(R * 8);
  const pixels = new Uint32Array(R);
  const lab = labels.data;
  const f = flow.data;
  for (let p = 0; p < flow.width * flow.height; p++) {
    const k = lab[p];
    if (k === 0 || k > R || (valid && !valid[p])) continue;
    const u = f[2 * p];
    const v = f[2 * p + 1];
    const rho = Math.sqrt(u * u + v * v);
    let th = Math.atan2(v, u);
    if (th < 0) th += TWO_PI;
    const bin = Math.min(Math.floor(th / BIN), 7);
    const j = (k - 1) * 8 + bin;
    pixels[k - 1]++;
    count[j]++;
    sumRho[j] += rho;
    if (rho > 0) {
      sumSin[j] += v / rho;
      sumCos[j] += u / rho;
    } else {
      sumCos[j] += 1;
    }
    sumU[j] += u;
    sumV[j] += v;
  }
  return { count, sumRho, sumSin, sumCos, sumU, sumV, pixels };
}

/** Each region's fullest bin (ties to the lower), and the mean ρ and θ of its vectors (polar or vector mean). */
function dominantDirections(
  hist: DirectionHistograms,
  minPixels: number,
  polar: boolean,
): { rho: Float32Array; theta: Float32Array } {
  const R = REGION_COUNT;
  const { count, sumRho, sumSin, sumCos, sumU, sumV, pixels } = hist;
  const rhoOut = new Float32Array(R);
  const thetaOut = new Float32Array(R);
  for (let k = 0; k < R; k++) {
    if (pixels[k] < minPixels) continue;
    let best = 0;
    for (let b = 1; b < 8; b++) if (count[k * 8 + b] > count[k * 8 + best]) best = b;
    const j = k * 8 + best;
    const n = count[j];
    let rho: number;
    let th: number;
    if (polar) {
      rho = sumRho[j] / n;
      th = Math.atan2(sumSin[j], sumCos[j]);
    } else {
      rho = Math.hypot(sumU[j], sumV[j]) / n;
      th = Math.atan2(sumV[j], sumU[j]);
    }
    if (th < 0) th += TWO_PI;
    if (th >= TWO_PI) th -= TWO_PI;
    rhoOut[k] = rho;
    thetaOut[k] = th;
  }
  return { rho: rhoOut, theta: thetaOut };
}

/** The feature vector: orientation (θ/2π, or cos and sin) then magnitude, zero for static or small regions. */
function normaliseRegions(
  rhoOut: Float32Array,
  thetaOut: Float32Array,
  pixels: Uint32Array,
  options: RegionFeatureOptions,
  limits: { size: number; rhoFloor: number; rhoStatic: number; minPixels: number },
): Float32Array {
  const { size, rhoFloor, rhoStatic, minPixels } = limits;
  const R = REGION_COUNT;
  let maxRho = 0;
  for (let k = 0; k < R; k++) maxRho = Math.max(maxRho, rhoOut[k]);
  const sincos = options.orientation === 'sincos';
  const values = new Float32Array(sincos ? 3 * R : 2 * R);
  const magOffset = sincos ? 2 * R : R;
  const iod = options.iod ?? 0.4164 * size;
  const displacement = options.motion === 'displacement';
  const fpsScale = displacement ? 1 : (options.fps ?? 25) / 25;
  const iodClip = displacement ? 0.5 : 0.1;
  for (let k = 0; k < R; k++) {
    const rho = rhoOut[k];
    if (pixels[k] < minPixels || rho < rhoStatic) continue;
    if (sincos) {
      values[k] = Math.cos(thetaOut[k]);
      values[R + k] = Math.sin(thetaOut[k]);
    } else {
      values[k] = thetaOut[k] / TWO_PI;
    }
    const magnitude =
      options.magnitude === 'iod' ? Math.min((rho / iod) * fpsScale, iodClip) : rho / Math.max(maxRho, rhoFloor);
    values[magOffset + k] = magnitude;
  }
  return values;
}

/** Options of {@link landmarkDescriptor}, {@link DescriptorStream} and {@link describeVideo}. */
export interface DescriptorOptions extends RegionFeatureOptions {
  /** Crop side S. Default 128. */
  size?: number;
  /**
   * `'shared'` (default): warp both frames of a pair with frame t−1's transform, so landmark jitter cannot
   * create flow. `'per-frame'`: align each frame with its own landmarks (the literal paper reading).
   */
  alignment?: 'shared' | 'per-frame';
  /** Landmarks the similarity fit uses. Default nose + eye corners. */
  anchors?: readonly number[];
  /** Farneback parameters. Default (0.5, 2, 9, 3, 5, 1.1, box). */
  flow?: Omit<FarnebackOptions, 'initialFlow' | 'workspace'>;
  /** Residual head-motion removal. Default similarity on nose and inner eye corners. */
  headMotion?: HeadMotionOptions;
  /** Region geometry. */
  regions?: RegionOptions;
  /** Crop sampling. */
  warp?: WarpOptions;
  /** Keep the crops, flow, polygons and labels on the result (for overlays and debugging). Default false. */
  keepDetails?: boolean;
}

/** Intermediate data of one pair, kept when `keepDetails` is set. */
export interface DescriptorDetails {
  readonly prevCrop: WarpedCrop;
  readonly nextCrop: WarpedCrop;
  /** Flow after head-motion correction, on the crop grid. */
  readonly flow: FlowField;
  /** The 36 polygons in crop coordinates. */
  readonly polygons: Point2[][];
  readonly labels: LabelMap;
  readonly aligned: AlignedFace;
}

/** The descriptor of one frame pair. */
export interface FrameDescriptor {
  /** 72 values (36 orientations, then 36 magnitudes), or 108 with `orientation: 'sincos'`. All 0 when invalid. */
  readonly values: Float32Array;
  /** False when there was no face (or no previous frame): then `values` is all zero. */
  readonly valid: boolean;
  /** Raw main-direction magnitude per region divided by the inter-ocular distance (diagnostics). */
  readonly rhoIod: Float32Array;
  /** Similarity used for the crop, when valid. */
  readonly transform?: SimilarityTransform;
  readonly details?: DescriptorDetails;
}

/** Input of {@link landmarkDescriptor}: two consecutive frames and their landmarks. */
export interface FramePair {
  readonly prev: Frame;
  readonly next: Frame;
  /** 68 landmarks of `prev` in frame pixels, or null when no face was found. */
  readonly landmarks: LandmarkInput | null;
  /** 68 landmarks of `next`; used by `alignment: 'per-frame'` only (falls back to `landmarks`). */
  readonly nextLandmarks?: LandmarkInput | null;
}

/** Output width of the descriptor for the given options: 72, or 108 with `orientation: 'sincos'`. */
export function descriptorSize(options: Pick<RegionFeatureOptions, 'orientation'> = {}): number {
  return options.orientation === 'sincos' ? 3 * REGION_COUNT : 2 * REGION_COUNT;
}

function invalid(options: DescriptorOptions): FrameDescriptor {
  return { values: new Float32Array(descriptorSize(options)), valid: false, rhoIod: new Float32Array(REGION_COUNT) };
}

/**
 * The descriptor of one frame pair (t−1 → t): align, warp both frames to S×S crops, Farneback flow,
 * residual head-motion removal, 36 regions from frame t−1's aligned landmarks, per-region main
 * direction and magnitude. With `landmarks: null` the result is a zero vector with `valid: false`.
 *
 * @example
 * ```ts
 * const d = landmarkDescriptor({ prev: frame0, next: frame1, landmarks: points0 });
 * d.values; // Float32Array(72): [o_1..o_36, m_1..m_36]
 * ```
 */
export function landmarkDescriptor(pair: FramePair, options: DescriptorOptions = {}): FrameDescriptor {
  const fn = 'landmarkDescriptor';
  if (!pair || typeof pair !== 'object') throw argumentError(fn, 'pair', '{ prev, next, landmarks }', String(pair));
  frameChannels(pair.prev, fn, 'pair.prev');
  frameChannels(pair.next, fn, 'pair.next');
  if (pair.prev.width !== pair.next.width || pair.prev.height !== pair.next.height) {
    throw argumentError(
      fn,
      'pair.next',
      `a ${pair.prev.width}x${pair.prev.height} frame (same as pair.prev)`,
      `${pair.next.width}x${pair.next.height}`,
    );
  }
  if (pair.landmarks == null) return invalid(options);
  const lm = toPointArray(fn, 'pair.landmarks', pair.landmarks, 68);
  const nextLm = pair.nextLandmarks != null ? toPointArray(fn, 'pair.nextLandmarks', pair.nextLandmarks, 68) : null;
  return describePair(pair.prev, pair.next, lm, nextLm, options, new FarnebackWorkspace());
}

function flatToInput(flat: Float64Array): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
  return out;
}

function describePair(
  prev: Frame,
  next: Frame,
  lm: Float64Array,
  nextLm: Float64Array | null,
  options: DescriptorOptions,
  workspace: FarnebackWorkspace,
): FrameDescriptor {
  const size = options.size ?? 128;
  const anchors = options.anchors ?? ALIGN_ANCHORS;
  const aligned = alignFace(flatToInput(lm), { size, anchors });
  const nextT =
    options.alignment === 'per-frame' && nextLm
      ? alignFace(flatToInput(nextLm), { size, anchors }).transform
      : aligned.transform;
  const prevCrop = warpGray(prev, aligned.transform, size, options.warp);
  const nextCrop = warpGray(next, nextT, size, options.warp);
  const raw = farneback(prevCrop, nextCrop, { ...options.flow, workspace });
  const alignedFlat = new Float64Array(136);
  aligned.landmarks.forEach((p, i) => {
    alignedFlat[2 * i] = p.x;
    alignedFlat[2 * i + 1] = p.y;
  });
  const flow = correctHeadMotion(raw, alignedFlat, options.headMotion).flow;
  const polygons = faceRegions(aligned.landmarks, options.regions);
  const labels = regionLabelMap(polygons, size);
  const valid = new Uint8Array(size * size);
  for (let i = 0; i < valid.length; i++) valid[i] = prevCrop.valid[i] & nextCrop.valid[i];
  const feats = describeFlow(flow, labels, valid, { ...options, iod: options.iod ?? aligned.iod });
  const rhoIod = new Float32Array(REGION_COUNT);
  for (let k = 0; k < REGION_COUNT; k++) rhoIod[k] = feats.rho[k] / aligned.iod;
  return {
    values: feats.values,
    valid: true,
    rhoIod,
    transform: aligned.transform,
    details: options.keepDetails ? { prevCrop, nextCrop, flow, polygons, labels, aligned } : undefined,
  };
}

/** Options of {@link DescriptorStream} and {@link describeVideo}. */
export interface StreamOptions extends DescriptorOptions {
  /**
   * The frame each flow starts from. `'previous'` (default): consecutive frames, the motion into frame t.
   * `'first'`: the first frame with a face (MDMO's choice), so row t is the displacement accumulated since
   * the stream started or was {@link DescriptorStream.reset reset}: a reaction then shows for as long as it
   * is held, not only during its few onset frames, which makes subtle expressions far easier to learn
   * at low frame rates. With `'first'`, `alignment` defaults to `'per-frame'` (each frame aligned with its
   * own landmarks; head motion since the reference would otherwise dominate the flow) and `'iod'`
   * magnitudes are displacements (see {@link RegionFeatureOptions.motion}). Reset the stream when a new
   * stimulus (outfit) appears.
   */
  reference?: 'previous' | 'first';
  /**
   * Frames a lost face's last landmarks are reused for (about 0.2 s at 25 fps). Beyond that, rows are
   * zero with validity 0, and the chain restarts at re-detection (that frame has no flow). A row t is
   * valid only when frames t−1 and t both have landmarks, detected or held. Default 5.
   */
  holdFrames?: number;
}

/**
 * Online descriptor: push frames with their landmarks (or null) one at a time; each push returns
 * the descriptor of the motion from the previous frame to this one. The first push is invalid (no
 * previous frame). Buffers are reused across pushes.
 *
 * @example
 * ```ts
 * const stream = new DescriptorStream();
 * for await (const frame of decoder) {
 *   const d = stream.push(frame, await provider.detect(frame));
 *   if (d.valid) model.feed(d.values);
 * }
 * ```
 */
export class DescriptorStream {
  private readonly options: StreamOptions;
  private readonly workspace = new FarnebackWorkspace();
  private readonly fromFirst: boolean;
  private prevFrame: Frame | null = null;
  private prevLandmarks: Float64Array | null = null;
  private lastGood: Float64Array | null = null;
  private missing = 0;

  constructor(options: StreamOptions = {}) {
    const hold = options.holdFrames ?? 5;
    if (!Number.isInteger(hold) || hold < 0) {
      throw argumentError('DescriptorStream', 'options.holdFrames', 'an integer >= 0', String(hold));
    }
    const reference = options.reference ?? 'previous';
    if (reference !== 'previous' && reference !== 'first') {
      throw argumentError('DescriptorStream', 'options.reference', "'previous' or 'first'", String(reference));
    }
    this.fromFirst = reference === 'first';
    this.options = this.fromFirst
      ? { ...options, alignment: options.alignment ?? 'per-frame', motion: options.motion ?? 'displacement' }
      : options;
  }

  /** Adds frame t with its landmarks (or null when no face was found) and returns the descriptor of t−1 → t. */
  push(
    frame: Frame,
    landmarks: LandmarkInput | null,
    fn = 'DescriptorStream.push',
    arg = 'landmarks',
  ): FrameDescriptor {
    frameChannels(frame, fn, 'frame');
    const lm = landmarks == null ? null : toPointArray(fn, arg, landmarks, 68);
    const hold = this.options.holdFrames ?? 5;
    if (lm) {
      this.lastGood = lm;
      this.missing = 0;
    } else {
      this.missing++;
    }
    const current = lm ?? (this.lastGood && this.missing <= hold ? this.lastGood : null);
    let out: FrameDescriptor;
    // A row needs a face (detected or held) in both frames: a face that vanished makes the pair meaningless.
    if (this.prevFrame && this.prevLandmarks && current) {
      if (this.prevFrame.width !== frame.width || this.prevFrame.height !== frame.height) {
        throw argumentError(
          fn,
          'frame',
          `${this.prevFrame.width}x${this.prevFrame.height} (as the previous frame)`,
          `${frame.width}x${frame.height}`,
        );
      }
      out = describePair(this.prevFrame, frame, this.prevLandmarks, current, this.options, this.workspace);
    } else {
      out = invalid(this.options);
    }
    // With reference 'first' the pair's first frame stays put until the face is lost for good.
    if (!this.fromFirst || !current || !this.prevFrame || !this.prevLandmarks) {
      this.prevFrame = current ? frame : null;
      this.prevLandmarks = current;
    }
    return out;
  }

  /** Forgets the previous frame, e.g. at a scene cut. */
  reset(): void {
    this.prevFrame = null;
    this.prevLandmarks = null;
    this.lastGood = null;
    this.missing = 0;
  }
}

/** Options of {@link describeVideo}. */
export interface VideoOptions extends StreamOptions {
  /**
   * N frames give N−1 pair descriptors. `true` (default) prepends an invalid zero row so row t is the
   * motion into frame t and there is one row per frame; `false` returns the N−1 rows only.
   */
  prependZero?: boolean;
}

/** Descriptors of a whole video, row-major. */
export interface VideoDescriptor {
  /** Values per row (72, or 108 with `orientation: 'sincos'`). */
  readonly dim: number;
  /** Number of rows. */
  readonly length: number;
  /** `length × dim` values. */
  readonly values: Float32Array;
  /** 1 per valid row, 0 where there was no face or no previous frame (use as the sequence mask). */
  readonly valid: Uint8Array;
  /** `length × 36` raw magnitudes over inter-ocular distance. */
  readonly rhoIod: Float32Array;
}

/**
 * Descriptors for a sequence of frames with one landmark set (or null) per frame, with the
 * missing-face rules of {@link StreamOptions.holdFrames}.
 *
 * @example
 * ```ts
 * const video = describeVideo(frames, landmarksPerFrame);
 * video.values.subarray(t * video.dim, (t + 1) * video.dim); // row t
 * ```
 */
export function describeVideo(
  frames: ArrayLike<Frame>,
  landmarks: ArrayLike<LandmarkInput | null>,
  options: VideoOptions = {},
): VideoDescriptor {
  const fn = 'describeVideo';
  if (!frames || typeof frames.length !== 'number')
    throw argumentError(fn, 'frames', 'an array of frames', describeValue(frames));
  if (!landmarks || landmarks.length !== frames.length) {
    throw argumentError(
      fn,
      'landmarks.length',
      `${frames.length} (one entry per frame, null for no face)`,
      String(landmarks?.length),
    );
  }
  // Validate everything before the expensive part, so a bad frame 290 fails fast.
  for (let t = 0; t < frames.length; t++) {
    frameChannels(frames[t], fn, `frames[${t}]`);
    if (landmarks[t] != null) toPointArray(fn, `landmarks[${t}]`, landmarks[t], 68);
  }
  const stream = new DescriptorStream(options);
  const collected: FrameDescriptor[] = [];
  for (let t = 0; t < frames.length; t++) collected.push(stream.push(frames[t], landmarks[t], fn, `landmarks[${t}]`));
  return pack(collected, options);
}

/** A source of 68 landmarks per frame, so any detector can feed the descriptor. */
export interface LandmarkProvider {
  /** 68 points in frame pixels for the (single) tracked face, or null when none is found. */
  detect(frame: Frame): Promise<LandmarkInput | null> | LandmarkInput | null;
  /** Frees models or GPU memory, if any. */
  dispose?(): void | Promise<void>;
}

/**
 * {@link describeVideo} for frames that arrive over time (a decoder, a camera) and landmarks from a
 * {@link LandmarkProvider}.
 *
 * @example
 * ```ts
 * const { width, height, frames } = await streamVideo('clip.mp4', { fps: 10 }); // plm-ipe/node
 * async function* rgb() { for await (const data of frames) yield { width, height, data, channels: 3 as const }; }
 * const video = await describeVideoAsync(rgb(), await createFaceApiProvider());
 * ```
 */
export async function describeVideoAsync(
  frames: Iterable<Frame> | AsyncIterable<Frame>,
  provider: LandmarkProvider,
  options: VideoOptions = {},
): Promise<VideoDescriptor> {
  if (!provider || typeof provider.detect !== 'function') {
    throw argumentError('describeVideoAsync', 'provider', 'an object with detect(frame)', describeValue(provider));
  }
  const stream = new DescriptorStream(options);
  const collected: FrameDescriptor[] = [];
  let t = 0;
  for await (const frame of frames) {
    const lm = await provider.detect(frame);
    collected.push(stream.push(frame, lm, 'describeVideoAsync', `provider.detect(frames[${t}])`));
    t++;
  }
  return pack(collected, options);
}

function pack(rows: FrameDescriptor[], options: VideoOptions): VideoDescriptor {
  const dim = descriptorSize(options);
  const kept = options.prependZero === false ? rows.slice(1) : rows;
  const values = new Float32Array(kept.length * dim);
  const valid = new Uint8Array(kept.length);
  const rhoIod = new Float32Array(kept.length * REGION_COUNT);
  kept.forEach((r, t) => {
    values.set(r.values, t * dim);
    valid[t] = r.valid ? 1 : 0;
    rhoIod.set(r.rhoIod, t * REGION_COUNT);
  });
  return { dim, length: kept.length, values, valid, rhoIod };
}
