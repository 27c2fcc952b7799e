// PyTorch checkpoints by path (Node): reads the file and hands its bytes to the browser-safe
// reader (src/io/torch), naming the path in every error. Node-only; exported from plm-ipe/node.
import { readFile } from 'node:fs/promises';
import type { NamedTensors } from '../io/safetensors.js';
import { loadTorchCheckpoint, type TorchLoadOptions } from '../io/torch/checkpoint.js';

/**
 * Loads a PyTorch checkpoint file (`.pt`, `.pth`, `.pickle`; zip or legacy format) as float32
 * tensors by state-dict key. See {@link loadTorchCheckpoint} for what loads and what is refused.
 * @example
 * const state = await loadTorchCheckpointFile('c3d.pickle');
 */
export async function loadTorchCheckpointFile(path: string, options: TorchLoadOptions = {}): Promise<NamedTensors> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new Error(`loadTorchCheckpoint: cannot read '${path}': ${(err as Error).message}`);
  }
  return loadTorchCheckpoint(bytes, { label: `'${path}'`, ...options });
}
