// Safetensors by path (Node only): save atomically, load from a file or bytes. The format itself
// is ./safetensors.ts, which stays browser-safe. Exported from the `plm-ipe/node` entry.
import { parseSafetensors, serializeSafetensors, type NamedTensors } from './safetensors.js';
import { writeFileAtomic } from './atomic-write.js';

/**
 * Writes tensors to `path` as safetensors, atomically (temp file, fsync, rename): a crash never
 * leaves a half-written file where a good one was. Node only.
 * @example
 * await saveSafetensors(model.stateDict(), 'model.safetensors');
 */
export async function saveSafetensors(
  tensors: NamedTensors,
  path: string,
  metadata?: Record<string, string>,
): Promise<void> {
  await writeFileAtomic(path, serializeSafetensors(tensors, metadata));
}

/**
 * Reads safetensors from a path (Node) or from bytes (anywhere) into tensors.
 * @example
 * model.loadStateDict(await loadSafetensors('c3d.safetensors'));
 */
export async function loadSafetensors(source: string | ArrayBuffer | Uint8Array): Promise<NamedTensors> {
  if (typeof source === 'string') {
    const fs = await import('node:fs/promises');
    let bytes: Uint8Array;
    try {
      bytes = await fs.readFile(source);
    } catch (err) {
      throw new Error(`loadSafetensors: cannot read '${source}': ${(err as Error).message}`);
    }
    return parseSafetensors(bytes, `'${source}'`).tensors;
  }
  return parseSafetensors(source).tensors;
}
