// A features folder made by `plm-ipe extract`: `extract.json` (the manifest's path, the extraction
// options and the landmark source) beside `cache/` (one entry per video). `train`, `eval` and
// `predict` read it back; reading reruns extraction, which only hits the cache when it is complete.
import { writeFileAtomic } from '../io/atomic-write.js';
import { readManifest } from '../data/manifest-node.js';
import type { ProgressStream } from '../data/progress.js';
import type { LandmarkProvider } from '../landmarks/index.js';
import { extractFeatures, manifestSources, type ExtractOptions, type ExtractResult } from './extract.js';

/** The contents of `extract.json`. */
export interface FeatureFolderInfo {
  format: 'plm-ipe-features';
  manifest: string;
  extract: ExtractOptions;
  /** Landmark provider used for entries without a landmark file, if any. */
  provider: string | null;
}

/** Creates the landmark provider named on the command line. */
export async function createProvider(name: string): Promise<{ name: string; provider: LandmarkProvider }> {
  if (name !== 'face-api') throw new Error(`unknown landmark provider '${name}'; known: face-api`);
  const { createFaceApiProvider } = await import('../landmarks/providers/face-api-node.js');
  return { name, provider: await createFaceApiProvider() };
}

/** Extracts every entry of a manifest into `<dir>/cache` and writes `<dir>/extract.json`. */
export async function extractManifest(manifest: string, dir: string, options: { extract: ExtractOptions; provider?: string; progress?: ProgressStream }): Promise<ExtractResult> {
  const path = await import('node:path');
  const fs = await import('node:fs/promises');
  const entries = await readManifest(manifest);
  const provider = options.provider ? await createProvider(options.provider) : undefined;
  await fs.mkdir(dir, { recursive: true });
  const info: FeatureFolderInfo = { format: 'plm-ipe-features', manifest: path.resolve(manifest), extract: options.extract, provider: options.provider ?? null };
  await writeFileAtomic(path.join(dir, 'extract.json'), JSON.stringify(info, null, 2));
  try {
    return await extractFeatures(manifestSources(entries, provider), { cacheDir: path.join(dir, 'cache'), extract: options.extract, progress: options.progress });
  } finally {
    await provider?.provider.dispose?.();
  }
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
    throw new Error(`${dir} is not a features folder (no extract.json); run 'plm-ipe extract <manifest> --out ${dir}' first`);
  }
  const info = JSON.parse(text) as FeatureFolderInfo;
  if (info.format !== 'plm-ipe-features') throw new Error(`${file} is not a plm-ipe features file`);
  return info;
}

/** Loads the features of a folder (extracting what is missing, e.g. after an interrupted extract). */
export async function loadFeatureFolder(dir: string, progress?: ProgressStream): Promise<ExtractResult & { info: FeatureFolderInfo }> {
  const info = await readFeatureFolder(dir);
  const result = await extractManifest(info.manifest, dir, { extract: info.extract, provider: info.provider ?? undefined, progress });
  return { ...result, info };
}
