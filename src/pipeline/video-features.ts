// One video's features, as training and inference both compute them: pixel clips `[K, 3, L, H, W]`
// (preprocessVideo, clip selection, baseline) and 72-d landmark descriptors `[T, 72]`
// (describeVideo), with the options that say how (VideoExtractOptions). No Node imports, so a
// browser page computes exactly what `plm-ipe demo` trained on.
import { preprocessVideo, type Normalization } from '../data/preprocess.js';
import type { ManifestEntry } from '../data/manifest.js';
import { framePoints, type LandmarkTrack, type RgbVideo } from '../data/types.js';
import { alignFace, describeVideo } from '../landmarks/index.js';

/**
 * How videos become features (one video's pixel clips and landmark descriptors). Part of every
 * cache key: change one, get new entries.
 */
export interface VideoExtractOptions {
  /** Frames per pixel clip (C3D: 16). */
  clipLength: number;
  /** Side of the square pixel clips (C3D: 112). */
  clipSize: number;
  /**
   * `center`: C3D's centre crop; `face`: one box per video around the landmarks; `aligned`: every frame
   * aligned to the landmark template; `c3d-pytorch`: c3d-pytorch's predict.py, for its pretrained weights
   * (see preprocessVideo).
   */
  crop: 'center' | 'face' | 'aligned' | 'c3d-pytorch';
  /** Pixel normalisation (see preprocessVideo). */
  normalize: Normalization;
  /** Keep at most this many clips per video (0: all). Bounds the pixel branch's cost. */
  maxClips: number;
  /**
   * Which clips `maxClips` keeps: `'spread'` (default) evenly over the video; `'apex'` the clips whose
   * faces have moved furthest from the first frame (aligned landmarks, as micro-expression work picks
   * an apex frame), so a short reaction is not missed by a clip that happens to sit before or after it.
   */
  clipSelection?: 'spread' | 'apex';
  /** Use every `frameStep`-th frame (1: all). Applied to frames and landmarks together. */
  frameStep: number;
  /**
   * Side in pixels of the aligned face crop the optical flow runs on (describeVideo's `size`; the
   * paper's 128). Not `descriptorSize()`, which is the descriptor's width (72 features).
   */
  descriptorCropSize: number;
  /**
   * The old name of `descriptorCropSize`, still read (options saved in a run's config.json or a
   * features folder's extract.json before the rename carry it). When both are present, as in old code
   * that spreads a preset and overrides this key, this one wins.
   * @deprecated Use `descriptorCropSize`; this key goes in the next release.
   */
  descriptorSize?: number;
  /**
   * The descriptor's magnitude block (describeVideo's `magnitude`): `'max'` divides by the frame's
   * largest region motion (the paper's per-frame normalisation, default); `'iod'` keeps absolute
   * motion in inter-ocular distances, so idle drift stays small next to a real expression.
   */
  descriptorMagnitude?: 'max' | 'iod';
  /**
   * The frame each flow starts from (describeVideo's `reference`): `'previous'` (consecutive frames,
   * default) or `'first'` (the video's first frame, MDMO's choice: a held reaction stays visible).
   */
  descriptorReference?: 'previous' | 'first';
  /**
   * `'first-frame'` subtracts the video's first (preprocessed) frame from every clip frame, so the pixel
   * branch sees what changed since the stimulus appeared rather than who the person is: with few
   * training subjects a small C3D otherwise memorises identity, skin tone and lighting. Default
   * `'none'` (the paper's raw clips).
   */
  clipBaseline?: 'none' | 'first-frame';
}

/** The paper's extraction: 16-frame 112x112 centre crops, C3D mean, every clip, 128-px flow crops. */
export const PAPER_EXTRACT: Readonly<VideoExtractOptions> = Object.freeze({
  clipLength: 16,
  clipSize: 112,
  crop: 'center' as const,
  normalize: 'c3d' as const,
  maxClips: 0,
  frameStep: 1,
  descriptorCropSize: 128,
});

/**
 * The options with the deprecated `descriptorSize` key moved to `descriptorCropSize` (see there);
 * the same object when it has no deprecated key. Everything that reads options from a file or a
 * caller passes them through this first.
 * @example
 * upgradeExtractOptions(JSON.parse(oldConfigJson).extract).descriptorCropSize; // the old descriptorSize
 */
export function upgradeExtractOptions(options: Readonly<VideoExtractOptions>): VideoExtractOptions {
  const { descriptorSize, ...rest } = options;
  if (descriptorSize === undefined) return options as VideoExtractOptions;
  return { ...rest, descriptorCropSize: descriptorSize };
}

/** One video's features as stored in the cache. */
export interface VideoFeatures {
  id: string;
  /** Class index (0 negative, 1 neutral, 2 positive). */
  label: number;
  /** The manifest's score (0-100) the label came from, so other thresholds can relabel it. */
  score?: number;
  subject: string;
  session: string;
  gender?: ManifestEntry['gender'];
  /** `[K, 3, L, H, W]` floats. */
  clips: Float32Array;
  clipShape: [number, number, number, number, number];
  /** `[T, 72]` descriptors, row t = motion into frame t (row 0 is zeros). */
  descriptors: Float32Array;
  /** `[T]` 1 where the row is a real measurement. */
  valid: Uint8Array;
  /** Descriptor width (72). */
  dim: number;
}

/** Every `step`-th element. */
function everyNth<T>(items: readonly T[], step: number): T[] {
  return step <= 1 ? [...items] : items.filter((_, i) => i % step === 0);
}

/** Keeps `max` of `k` clips, evenly spread over the video (all when max is 0 or k <= max). */
export function pickClips(k: number, max: number): number[] {
  if (max <= 0 || k <= max) return Array.from({ length: k }, (_, i) => i);
  return Array.from({ length: max }, (_, i) => Math.floor(((i + 0.5) * k) / max));
}

/**
 * Keeps the `max` clips of `clipLength` frames whose landmarks moved furthest from the first frame's
 * (mean over the clip's frames of the aligned points' RMS displacement), in temporal order. Head pose
 * is removed by aligning every frame to the template first. All clips when max is 0 or k <= max.
 */
export function pickApexClips(track: LandmarkTrack, k: number, clipLength: number, max: number): number[] {
  if (max <= 0 || k <= max) return pickClips(k, max);
  const aligned = track.map((f) => alignFace(framePoints(f), { size: 64 }).landmarks);
  const first = aligned[0];
  const displacement = aligned.map((pts) =>
    Math.sqrt(pts.reduce((s, p, i) => s + (p.x - first[i].x) ** 2 + (p.y - first[i].y) ** 2, 0) / 68),
  );
  const score = Array.from({ length: k }, (_, c) => {
    // The last clip may be padded with repeats of the last frame: score only the real frames.
    const frames = displacement.slice(c * clipLength, (c + 1) * clipLength);
    return frames.reduce((a, b) => a + b, 0) / Math.max(1, frames.length);
  });
  return Array.from({ length: k }, (_, i) => i)
    .sort((a, b) => score[b] - score[a] || a - b)
    .slice(0, max)
    .sort((a, b) => a - b);
}

/** clips[k, ch, t] -= first[0, ch, 0] for every kept clip k and frame t (layout [K, C, L, H*W]). */
export function subtractFirstFrame(
  clips: Float32Array,
  all: Float32Array,
  k: number,
  c: number,
  l: number,
  hw: number,
): void {
  for (let ch = 0; ch < c; ch++) {
    const first = all.subarray(ch * l * hw, ch * l * hw + hw);
    for (let i = 0; i < k; i++) {
      for (let t = 0; t < l; t++) {
        const base = ((i * c + ch) * l + t) * hw;
        for (let p = 0; p < hw; p++) clips[base + p] -= first[p];
      }
    }
  }
}

/** The pixel clips of one video (preprocessVideo, then `maxClips` selection and the baseline). */
export function computeClips(
  video: RgbVideo,
  landmarks: LandmarkTrack,
  options: VideoExtractOptions,
  name: string,
): { clips: Float32Array; clipShape: VideoFeatures['clipShape'] } {
  const frames = everyNth(video.frames, options.frameStep);
  const track = everyNth(landmarks, options.frameStep);
  const sub: RgbVideo = { ...video, fps: video.fps / options.frameStep, frames };
  // 'pad' so a video shorter than one clip still gets one (its last frame repeated).
  const batch = preprocessVideo(sub, {
    clipLength: options.clipLength,
    size: options.clipSize,
    crop: options.crop,
    normalize: options.normalize,
    landmarks: track,
    remainder: 'pad',
    name,
  });
  const [k, c, l, h, w] = batch.shape;
  const selection = options.clipSelection ?? 'spread';
  if (selection !== 'spread' && selection !== 'apex') {
    throw new Error(
      `computeFeatures: extract.clipSelection must be 'spread' or 'apex', got ${JSON.stringify(selection)}`,
    );
  }
  const keep = selection === 'apex' ? pickApexClips(track, k, l, options.maxClips) : pickClips(k, options.maxClips);
  const per = c * l * h * w;
  const clips = new Float32Array(keep.length * per);
  keep.forEach((src, dst) => clips.set(batch.data.subarray(src * per, (src + 1) * per), dst * per));
  const baseline = options.clipBaseline ?? 'none';
  if (baseline !== 'none' && baseline !== 'first-frame') {
    throw new Error(
      `computeFeatures: extract.clipBaseline must be 'none' or 'first-frame', got ${JSON.stringify(baseline)}`,
    );
  }
  if (baseline === 'first-frame') subtractFirstFrame(clips, batch.data, keep.length, c, l, h * w);
  return { clips, clipShape: [keep.length, c, l, h, w] };
}

/**
 * Computes one video's features from its frames and landmark track (no cache): the pixel clips of
 * {@link computeClips} and the descriptors of `describeVideo`, with the options' flow settings.
 * @example
 * const f = computeFeatures(video, track, SMALL_EXTRACT, 'clip.mp4');
 * const batch = makeBatch([{ id: 'clip.mp4', label: 0, subject: '-', session: '-', ...f }], [0]);
 */
export function computeFeatures(
  video: RgbVideo,
  landmarks: LandmarkTrack,
  options: VideoExtractOptions,
  name: string,
): {
  clips: Float32Array;
  clipShape: VideoFeatures['clipShape'];
  descriptors: Float32Array;
  valid: Uint8Array;
  dim: number;
} {
  const { clips, clipShape } = computeClips(video, landmarks, options, name);
  const frames = everyNth(video.frames, options.frameStep);
  const track = everyNth(landmarks, options.frameStep);
  const pts = track.map(framePoints);
  const rgb = frames.map((data) => ({ width: video.width, height: video.height, data, channels: 3 as const }));
  const d = describeVideo(rgb, pts, { ...descriptorOptions(options), fps: video.fps / options.frameStep });
  return { clips, clipShape, descriptors: d.values, valid: d.valid, dim: d.dim };
}

/**
 * The `describeVideo` / `DescriptorStream` options an extraction uses (crop side, magnitude, reference),
 * so a live stream describes frames exactly as training did.
 */
export function descriptorOptions(options: VideoExtractOptions): {
  size: number;
  magnitude: 'max' | 'iod';
  reference: 'previous' | 'first';
} {
  const { descriptorCropSize, descriptorMagnitude, descriptorReference } = upgradeExtractOptions(options);
  const reference = descriptorReference ?? 'previous';
  return { size: descriptorCropSize, magnitude: descriptorMagnitude ?? 'max', reference };
}
