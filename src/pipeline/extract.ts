// Feature extraction for a whole dataset: every video becomes pixel clips `[K, 3, L, H, W]`
// (preprocessVideo) and 72-d landmark descriptors `[T, 72]` (describeVideo), cached on disk per
// video in a FeatureCache keyed by the video's content hash plus every extraction option, so a
// crash or Ctrl-C loses at most the video in flight and a rerun resumes. Node only (the cache).
// Knows nothing about models or training.
import { FeatureCache, cacheKey, hashBytes, hashFile, stableStringify } from '../data/cache.js';
import { createProgress, type ProgressStream } from '../data/progress.js';
import { preprocessVideo, type Normalization } from '../data/preprocess.js';
import { loadVideo } from '../data/video.js';
import { readLandmarks } from '../data/landmark-file.js';
import { scoreToLabel, type ManifestEntry } from '../data/manifest.js';
import type { LandmarkTrack, RgbVideo } from '../data/types.js';
import type { SyntheticDataset } from '../data/synthetic/dataset.js';
import { describeVideo, type LandmarkProvider } from '../landmarks/index.js';

/** How videos become features. Part of every cache key: change one, get new entries. */
export interface ExtractOptions {
  /** Frames per pixel clip (C3D: 16). */
  clipLength: number;
  /** Side of the square pixel clips (C3D: 112). */
  clipSize: number;
  /** `center`: C3D's centre crop; `face`: one box per video around the landmarks. */
  crop: 'center' | 'face';
  /** Pixel normalisation (see preprocessVideo). */
  normalize: Normalization;
  /** Keep at most this many clips per video, evenly spread (0: all). Bounds the pixel branch's cost. */
  maxClips: number;
  /** Use every `frameStep`-th frame (1: all). Applied to frames and landmarks together. */
  frameStep: number;
  /** Side of the aligned face crop the optical flow runs on (describeVideo's `size`, 128 by default). */
  descriptorSize: number;
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
export const PAPER_EXTRACT: Readonly<ExtractOptions> = Object.freeze({
  clipLength: 16,
  clipSize: 112,
  crop: 'center' as const,
  normalize: 'c3d' as const,
  maxClips: 0,
  frameStep: 1,
  descriptorSize: 128,
});

/** One video's features as stored in the cache. */
export interface VideoFeatures {
  id: string;
  /** Class index (0 negative, 1 neutral, 2 positive). */
  label: number;
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

/** A video to extract: its manifest entry plus how to get its bytes. */
export interface VideoSource {
  entry: ManifestEntry;
  /** Identifies the content (hash of the file, or of the generator's options and the entry id). */
  contentHash(): Promise<string>;
  /** Frames and a landmark track (null when a provider must detect them). */
  load(): Promise<{ video: RgbVideo; landmarks: LandmarkTrack | null }>;
}

/** Where landmarks come from when a video is not synthetic. */
export type LandmarkSource = { kind: 'file' } | { kind: 'provider'; name: string; provider: LandmarkProvider };

/** Sources for the videos of a generated dataset; landmarks are the generator's detector-like (jittered) points. */
export function syntheticSources(ds: SyntheticDataset): VideoSource[] {
  const optionsHash = stableStringify(ds.options);
  return ds.entries.map((entry) => ({
    entry,
    contentHash: () => hashBytes(`synthetic\n${optionsHash}\n${entry.id}`),
    load: async () => {
      const v = ds.renderVideo(entry);
      return { video: { width: v.width, height: v.height, fps: v.fps, frames: v.frames }, landmarks: v.landmarks };
    },
  }));
}

/**
 * Sources for the entries of a manifest (paths already resolved by readManifest). Landmarks come
 * from each entry's `landmarks` file, or from `provider` (a detector) for entries without one.
 */
export function manifestSources(entries: readonly ManifestEntry[], provider?: { name: string; provider: LandmarkProvider }): VideoSource[] {
  return entries.map((entry) => ({
    entry,
    contentHash: async () => {
      const parts = [await hashFile(entry.video)];
      // Detected landmarks depend on the detector, so its name is part of the key.
      parts.push(entry.landmarks ? await hashFile(entry.landmarks) : `provider:${provider?.name ?? 'none'}`);
      return hashBytes(parts.join('\n'));
    },
    load: async () => {
      const video = await loadVideo(entry.video);
      if (entry.landmarks) {
        const file = await readLandmarks(entry.landmarks);
        if (file.landmarks.length !== video.frames.length) {
          throw new Error(`${entry.landmarks}: has ${file.landmarks.length} frames of landmarks but video ${entry.video} has ${video.frames.length} frames`);
        }
        return { video, landmarks: file.landmarks };
      }
      if (!provider) {
        throw new Error(`manifest entry '${entry.id}' has no landmark file; pass a landmark provider (--provider face-api)`);
      }
      const track: (Float32Array | null)[] = [];
      for (const frame of video.frames) {
        const pts = await provider.provider.detect({ width: video.width, height: video.height, data: frame, channels: 3 });
        track.push(pts ? flattenPoints(pts as ArrayLike<{ x: number; y: number } | readonly [number, number]>) : null);
      }
      return { video, landmarks: fillMissing(track, entry.id) };
    },
  }));
}

function flattenPoints(pts: ArrayLike<{ x: number; y: number } | readonly [number, number]>): Float32Array {
  const out = new Float32Array(136);
  for (let i = 0; i < 68; i++) {
    const p = pts[i];
    out[2 * i] = Array.isArray(p) || ArrayBuffer.isView(p) ? (p as readonly number[])[0] : (p as { x: number }).x;
    out[2 * i + 1] = Array.isArray(p) || ArrayBuffer.isView(p) ? (p as readonly number[])[1] : (p as { y: number }).y;
  }
  return out;
}

// A track with holes (no face found) keeps the nearest detection, so face crops still work; the
// descriptor sees the same points twice there, which reads as "no motion".
function fillMissing(track: (Float32Array | null)[], id: string): LandmarkTrack {
  const first = track.findIndex((t) => t !== null);
  if (first < 0) throw new Error(`video '${id}': the landmark provider found no face in any frame`);
  let last = track[first]!;
  return track.map((t) => (t ? (last = t) : last));
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

/** clips[k, ch, t] -= first[0, ch, 0] for every kept clip k and frame t (layout [K, C, L, H*W]). */
function subtractFirstFrame(clips: Float32Array, all: Float32Array, k: number, c: number, l: number, hw: number): void {
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

/** Computes one video's features from its frames and landmark track (no cache). */
export function computeFeatures(video: RgbVideo, landmarks: LandmarkTrack, options: ExtractOptions, name: string): { clips: Float32Array; clipShape: VideoFeatures['clipShape']; descriptors: Float32Array; valid: Uint8Array; dim: number } {
  const frames = everyNth(video.frames, options.frameStep);
  const track = everyNth(landmarks, options.frameStep);
  const sub: RgbVideo = { ...video, fps: video.fps / options.frameStep, frames };
  // 'pad' so a video shorter than one clip still gets one (its last frame repeated).
  const batch = preprocessVideo(sub, {
    clipLength: options.clipLength, size: options.clipSize, crop: options.crop, normalize: options.normalize,
    landmarks: track, remainder: 'pad', name,
  });
  const [k, c, l, h, w] = batch.shape;
  const keep = pickClips(k, options.maxClips);
  const per = c * l * h * w;
  const clips = new Float32Array(keep.length * per);
  keep.forEach((src, dst) => clips.set(batch.data.subarray(src * per, (src + 1) * per), dst * per));
  const baseline = options.clipBaseline ?? 'none';
  if (baseline !== 'none' && baseline !== 'first-frame') {
    throw new Error(`computeFeatures: extract.clipBaseline must be 'none' or 'first-frame', got ${JSON.stringify(baseline)}`);
  }
  if (baseline === 'first-frame') subtractFirstFrame(clips, batch.data, keep.length, c, l, h * w);
  const pts = track.map((f) => Array.from({ length: 68 }, (_, i) => [f[2 * i], f[2 * i + 1]] as [number, number]));
  const rgb = frames.map((data) => ({ width: video.width, height: video.height, data, channels: 3 as const }));
  const d = describeVideo(rgb, pts, { size: options.descriptorSize, fps: sub.fps, magnitude: options.descriptorMagnitude ?? 'max', reference: options.descriptorReference ?? 'previous' });
  return { clips, clipShape: [keep.length, c, l, h, w], descriptors: d.values, valid: d.valid, dim: d.dim };
}

/** Options of {@link extractFeatures}. */
export interface ExtractRunOptions {
  /** Cache folder (created when missing). */
  cacheDir: string;
  extract: ExtractOptions;
  /** Progress output (a bar on a TTY, plain lines otherwise). */
  progress?: ProgressStream;
  /** Called after each video is available (cached or computed); tests use it to simulate a crash. */
  onVideo?: (index: number, id: string, fromCache: boolean) => void;
}

/** Summary of an extraction run. */
export interface ExtractResult {
  features: VideoFeatures[];
  /** Videos computed in this run. */
  computed: number;
  /** Videos read back from the cache. */
  cached: number;
}

/**
 * Extracts (or reads back) the features of every source, one cache entry per video.
 * @example
 * const { features } = await extractFeatures(syntheticSources(ds), { cacheDir: 'out/cache', extract: opts });
 */
export async function extractFeatures(sources: readonly VideoSource[], options: ExtractRunOptions): Promise<ExtractResult> {
  const fs = await import('node:fs/promises');
  await fs.mkdir(options.cacheDir, { recursive: true });
  const cache = new FeatureCache(options.cacheDir);
  await cache.removeStaleTemp();
  const progress = createProgress({ total: sources.length, label: 'extract', stream: options.progress });
  const features: VideoFeatures[] = [];
  let computed = 0;
  let cached = 0;
  for (let i = 0; i < sources.length; i++) {
    const { entry } = sources[i];
    const key = await cacheKey(await sources[i].contentHash(), 'plm-ipe-features-v1', options.extract);
    let fromCache = true;
    const hit = await cache.getOrCompute(key, async () => {
      fromCache = false;
      const { video, landmarks } = await sources[i].load();
      if (!landmarks) throw new Error(`video '${entry.id}': no landmarks`);
      const f = computeFeatures(video, landmarks, options.extract, entry.id);
      return {
        clips: { data: f.clips, shape: f.clipShape },
        descriptors: { data: f.descriptors, shape: [f.valid.length, f.dim] },
        valid: { data: f.valid },
      };
    }, { id: entry.id });
    if (fromCache) cached++;
    else computed++;
    const clipShape = hit.shapes.clips as VideoFeatures['clipShape'];
    features.push({
      id: entry.id,
      label: scoreToLabel(entry.score),
      subject: entry.subject,
      session: entry.session,
      gender: entry.gender,
      clips: hit.arrays.clips as Float32Array,
      clipShape,
      descriptors: hit.arrays.descriptors as Float32Array,
      valid: hit.arrays.valid as Uint8Array,
      dim: hit.shapes.descriptors[1],
    });
    progress.tick();
    options.onVideo?.(i, entry.id, fromCache);
  }
  progress.finish();
  return { features, computed, cached };
}
