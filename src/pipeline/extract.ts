// Feature extraction for a whole dataset: every video becomes pixel clips `[K, 3, L, H, W]`
// (preprocessVideo) and 72-d landmark descriptors `[T, 72]` (describeVideo), cached on disk per
// video in a FeatureCache keyed by the video's content hash plus every extraction option, so a
// crash or Ctrl-C loses at most the video in flight and a rerun resumes. A video that fails can be
// recorded and skipped instead of stopping the run (extract-status.ts keeps the records). Node only
// (the cache). Knows nothing about models or training.
import { FeatureCache, cacheKey, hashBytes, hashFile, stableStringify } from '../data/cache.js';
import { createProgress, type ProgressStream } from '../data/progress.js';
import { loadVideo } from '../data/video.js';
import { readLandmarks } from '../data/landmark-file-node.js';
import { scoreToLabel, type ManifestEntry } from '../data/manifest.js';
import type { LandmarkTrack, RgbVideo } from '../data/types.js';
import type { SyntheticDataset } from '../data/synthetic/dataset.js';
import type { LandmarkProvider } from '../landmarks/index.js';
import { fillTrackGaps } from '../landmarks/track.js';
import {
  computeFeatures,
  upgradeExtractOptions,
  type VideoExtractOptions,
  type VideoFeatures,
} from './video-features.js';
import {
  clearFailure,
  readFailures,
  recordFailure,
  type ExtractionStatus,
  type FailureRecord,
} from './extract-status.js';

// The per-video computation lives in video-features.ts (browser-safe); re-exported for existing imports.
export {
  computeFeatures,
  pickClips,
  pickApexClips,
  PAPER_EXTRACT,
  type VideoExtractOptions,
  type VideoFeatures,
} from './video-features.js';

/**
 * The cache key of one video's features: its content hash and every extraction option. The crop side
 * goes in under its old name `descriptorSize`, so entries cached before it was renamed
 * `descriptorCropSize` are still found.
 */
export function featureCacheKey(contentHash: string, extract: Readonly<VideoExtractOptions>): Promise<string> {
  const { descriptorCropSize, ...rest } = upgradeExtractOptions(extract);
  return cacheKey(contentHash, 'plm-ipe-features-v1', { ...rest, descriptorSize: descriptorCropSize });
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
export function manifestSources(
  entries: readonly ManifestEntry[],
  provider?: { name: string; provider: LandmarkProvider },
): VideoSource[] {
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
          throw new Error(
            `${entry.landmarks}: has ${file.landmarks.length} frames of landmarks but video ${entry.video} has ${video.frames.length} frames`,
          );
        }
        return { video, landmarks: file.landmarks };
      }
      if (!provider) {
        throw new Error(
          `manifest entry '${entry.id}' has no landmark file; pass a landmark provider (--provider face-api)`,
        );
      }
      const track: (Float32Array | null)[] = [];
      for (const frame of video.frames) {
        const pts = await provider.provider.detect({
          width: video.width,
          height: video.height,
          data: frame,
          channels: 3,
        });
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
// descriptor sees the same points twice there, which reads as "no motion". No face at all is a
// NoFaceError naming the video, which a dataset run can record and skip.
function fillMissing(track: (Float32Array | null)[], id: string): LandmarkTrack {
  return fillTrackGaps(track, id).track;
}

/** Options of {@link extractFeatures}. */
export interface ExtractRunOptions {
  /** Cache folder (created when missing). */
  cacheDir: string;
  extract: VideoExtractOptions;
  /** Progress output (a bar on a TTY, plain lines otherwise). */
  progress?: ProgressStream;
  /** Called after each video is available (cached or computed); tests use it to simulate a crash. */
  onVideo?: (index: number, id: string, fromCache: boolean) => void;
  /**
   * What a video that cannot be extracted (unreadable file, no face, wrong landmark count) does:
   * 'stop' (default) throws; 'continue' records it in `failed` (and under `failureDir`) and goes on.
   */
  onError?: 'stop' | 'continue';
  /** Folder whose `failures/` records each failed video's reason (cleared when the video later succeeds). */
  failureDir?: string;
  /** `I/N` written into failure records by a shard. */
  shardLabel?: string;
  /** Keep every video's features in `features` (default true); shard workers that only fill the cache pass false. */
  keepFeatures?: boolean;
}

/** Summary of an extraction run. */
export interface ExtractResult {
  features: VideoFeatures[];
  /** Videos computed in this run. */
  computed: number;
  /** Videos read back from the cache. */
  cached: number;
  /** Videos that failed (only with `onError: 'continue'`), in source order; they have no features. */
  failed: FailureRecord[];
}

/**
 * Extracts (or reads back) the features of every source, one cache entry per video.
 * @example
 * const { features } = await extractFeatures(syntheticSources(ds), { cacheDir: 'out/cache', extract: opts });
 */
export async function extractFeatures(
  sources: readonly VideoSource[],
  options: ExtractRunOptions,
): Promise<ExtractResult> {
  const fs = await import('node:fs/promises');
  await fs.mkdir(options.cacheDir, { recursive: true });
  const cache = new FeatureCache(options.cacheDir);
  await cache.removeStaleTemp();
  const progress = createProgress({ total: sources.length, label: 'extract', stream: options.progress });
  const extract = upgradeExtractOptions(options.extract);
  const features: VideoFeatures[] = [];
  const failed: FailureRecord[] = [];
  const known = options.failureDir ? await readFailures(options.failureDir) : new Map<string, FailureRecord>();
  let computed = 0;
  let cached = 0;
  for (let i = 0; i < sources.length; i++) {
    const { entry } = sources[i];
    let fromCache = true;
    let hit;
    try {
      const key = await featureCacheKey(await sources[i].contentHash(), extract);
      hit = await cache.getOrCompute(
        key,
        async () => {
          fromCache = false;
          const { video, landmarks } = await sources[i].load();
          if (!landmarks) throw new Error(`video '${entry.id}': no landmarks`);
          const f = computeFeatures(video, landmarks, extract, entry.id);
          return {
            clips: { data: f.clips, shape: f.clipShape },
            descriptors: { data: f.descriptors, shape: [f.valid.length, f.dim] },
            valid: { data: f.valid },
          };
        },
        { id: entry.id },
      );
    } catch (err) {
      if (options.onError !== 'continue')
        throw new Error(`video '${entry.id}' (${entry.video}): ${(err as Error).message}`);
      const record: FailureRecord = {
        id: entry.id,
        video: entry.video,
        reason: (err as Error).message,
        at: new Date().toISOString(),
        ...(options.shardLabel ? { shard: options.shardLabel } : {}),
      };
      failed.push(record);
      if (options.failureDir) await recordFailure(options.failureDir, record);
      progress.tick();
      continue;
    }
    if (options.failureDir && known.has(entry.id)) await clearFailure(options.failureDir, entry.id);
    if (fromCache) cached++;
    else computed++;
    const clipShape = hit.shapes.clips as VideoFeatures['clipShape'];
    if (options.keepFeatures ?? true) {
      features.push({
        id: entry.id,
        label: scoreToLabel(entry.score),
        score: entry.score,
        subject: entry.subject,
        session: entry.session,
        gender: entry.gender,
        clips: hit.arrays.clips as Float32Array,
        clipShape,
        descriptors: hit.arrays.descriptors as Float32Array,
        valid: hit.arrays.valid as Uint8Array,
        dim: hit.shapes.descriptors[1],
      });
    }
    progress.tick();
    options.onVideo?.(i, entry.id, fromCache);
  }
  progress.finish();
  return { features, computed, cached, failed };
}

/**
 * Which sources are done (a complete cache entry exists), failed (a failure record and no entry) or
 * missing, without extracting anything (hashes every video's file to find its cache key).
 */
export async function extractionStatus(
  sources: readonly VideoSource[],
  options: { cacheDir: string; extract: VideoExtractOptions; failureDir: string },
): Promise<ExtractionStatus> {
  const cache = new FeatureCache(options.cacheDir);
  const failures = await readFailures(options.failureDir);
  const status: ExtractionStatus = { done: [], failed: [], missing: [] };
  for (const { entry, contentHash } of sources) {
    let key: string | null = null;
    try {
      key = await featureCacheKey(await contentHash(), options.extract);
    } catch (err) {
      // An unreadable file cannot be done; its failure record (if any) says why.
      if (!failures.has(entry.id))
        status.failed.push({ id: entry.id, video: entry.video, reason: (err as Error).message, at: '' });
    }
    if (key && (await cache.has(key))) status.done.push(entry.id);
    else if (failures.has(entry.id)) status.failed.push(failures.get(entry.id)!);
    else if (key) status.missing.push(entry.id);
  }
  return status;
}
