// Reading a landmark-track file from disk (Node only: node:fs); the format is ./landmark-file.ts,
// which stays browser-safe. Exported from the `plm-ipe/node` entry.
import { parseLandmarks, type LandmarkFile } from './landmark-file.js';

/** Reads a landmark file (Node only). */
export async function readLandmarks(path: string): Promise<LandmarkFile> {
  const fs = await import('node:fs/promises');
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read landmarks ${path}: ${(err as Error).message}`);
  }
  return parseLandmarks(text, path);
}
