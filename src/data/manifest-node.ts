// Reading a manifest file from disk (Node only: node:fs, node:path); parsing and the splits are
// ./manifest.ts, which stays browser-safe. Exported from the `plm-ipe/node` entry.
import { parseManifest, type ManifestEntry } from './manifest.js';

/**
 * Reads and parses a manifest file (Node only). With `resolvePaths` (default true) the `video` and
 * `landmarks` paths come back absolute, resolved against the manifest's folder.
 */
export async function readManifest(path: string, options: { resolvePaths?: boolean } = {}): Promise<ManifestEntry[]> {
  const fs = await import('node:fs/promises');
  const nodePath = await import('node:path');
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read manifest ${path}: ${(err as Error).message}`);
  }
  const entries = parseManifest(text, path);
  if (entries.length === 0) throw new Error(`manifest ${path} has no entries`);
  if (options.resolvePaths ?? true) {
    const dir = nodePath.dirname(nodePath.resolve(path));
    for (const e of entries) {
      e.video = nodePath.resolve(dir, e.video);
      if (e.landmarks) e.landmarks = nodePath.resolve(dir, e.landmarks);
    }
  }
  return entries;
}
