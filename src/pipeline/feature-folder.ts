// A features folder made by `plm-ipe extract`: `extract.json` (the manifest's path, the extraction
// options and the landmark source) beside `cache/` (one entry per video) and `failures/` (one record
// per video that could not be extracted). `train`, `eval` and `predict` read it back; reading reruns
// extraction, which only hits the cache when it is complete. Shards of one manifest share a folder.
import { writeFileAtomic } from '../io/atomic-write.js';
import { readManifest } from '../data/manifest-node.js';
import type { ProgressStream } from '../data/progress.js';
import type { LandmarkProvider } from '../landmarks/index.js';
import {
  extractFeatures,
  extractionStatus,
  manifestSources,
  type VideoExtractOptions,
  type ExtractResult,
} from './extract.js';
import { upgradeExtractOptions } from './video-features.js';
import { shardItems, type ExtractionStatus, type Shard } from './extract-status.js';

/** The contents of `extract.json`. */
export interface FeatureFolderInfo {
  format: 'plm-ipe-features';
  manifest: string;
  extract: VideoExtractOptions;
  /** Landmark provider used for entries without a landmark file, if any. */
  provider: string | null;
}

/** Creates the landmark provider named on the command line. */
export async function createProvider(name: string): Promise<{ name: string; provider: LandmarkProvider }> {
  if (name !== 'face-api') throw new Error(`unknown landmark provider '${name}'; known: face-api`);
  const { createFaceApiProvider } = await import('../landmarks/providers/face-api-node.js');
  return { name, provider: await createFaceApiProvider() };
}

/** Options of {@link extractManifest}. */
export interface ExtractManifestOptions {
  extract: VideoExtractOptions;
  provider?: string;
  progress?: ProgressStream;
  /** Extract only this shard's 1/N of the manifest (see parseShard). */
  shard?: Shard;
  /** Stop at the first video that fails (default: record it under `failures/` and go on). */
  strict?: boolean;
  /** Keep the features in memory (default true; a shard that only fills the folder passes false). */
  keepFeatures?: boolean;
}

/**
 * Extracts the entries of a manifest (or one shard's share) into `<dir>/cache` and writes
 * `<dir>/extract.json`. Several processes may run this on one folder at once: cache entries and
 * failure records are written atomically, so none is ever read half-written.
 */
export async function extractManifest(
  manifest: string,
  dir: string,
  options: ExtractManifestOptions,
): Promise<ExtractResult> {
  const path = await import('node:path');
  const fs = await import('node:fs/promises');
  const entries = shardItems(await readManifest(manifest), options.shard);
  const provider = options.provider ? await createProvider(options.provider) : undefined;
  await fs.mkdir(dir, { recursive: true });
  const info: FeatureFolderInfo = {
    format: 'plm-ipe-features',
    manifest: path.resolve(manifest),
    extract: options.extract,
    provider: options.provider ?? null,
  };
  await writeFileAtomic(path.join(dir, 'extract.json'), JSON.stringify(info, null, 2));
  try {
    return await extractFeatures(manifestSources(entries, provider), {
      cacheDir: path.join(dir, 'cache'),
      extract: options.extract,
      progress: options.progress,
      onError: options.strict ? 'stop' : 'continue',
      failureDir: dir,
      shardLabel: options.shard ? `${options.shard.index}/${options.shard.count}` : undefined,
      keepFeatures: options.keepFeatures,
    });
  } finally {
    await provider?.provider.dispose?.();
  }
}

/** Done, failed and missing videos of a features folder, without extracting (for `extract --status`). */
export async function featureFolderStatus(dir: string): Promise<ExtractionStatus> {
  const path = await import('node:path');
  const info = await readFeatureFolder(dir);
  const entries = await readManifest(info.manifest);
  return extractionStatus(manifestSources(entries), {
    cacheDir: path.join(dir, 'cache'),
    extract: info.extract,
    failureDir: dir,
  });
}

/** Reads `extract.json` of a features folder. */
export async function readFeatureFolder(dir: string): Promise<FeatureFolderInfo> {
  const path = await import('node:path');
  const fs = await import('node:fs/promises');
  const file = path.join(dir, 'extract.json');
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw new Error(
      `${dir} is not a features folder (no extract.json); run 'plm-ipe extract <manifest> --out ${dir}' first`,
    );
  }
  const info = JSON.parse(text) as FeatureFolderInfo;
  if (info.format !== 'plm-ipe-features') throw new Error(`${file} is not a plm-ipe features file`);
  return { ...info, extract: upgradeExtractOptions(info.extract) };
}

/**
 * Loads the features of a folder (extracting what is missing, e.g. after an interrupted extract);
 * videos that fail are left out and listed in `failed`.
 */
export async function loadFeatureFolder(
  dir: string,
  progress?: ProgressStream,
): Promise<ExtractResult & { info: FeatureFolderInfo }> {
  const info = await readFeatureFolder(dir);
  const result = await extractManifest(info.manifest, dir, {
    extract: info.extract,
    provider: info.provider ?? undefined,
    progress,
  });
  return { ...result, info };
}
