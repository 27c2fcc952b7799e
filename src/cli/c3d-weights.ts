// The `--c3d-weights FILE` option shared by extract, train and demo: pretrained C3D weights
// (PyTorch .pickle/.pt/.pth or safetensors). One builder and one check of the file, so each
// command's edit stays a line or two. The pipeline side is src/pipeline/pretrained.ts.
import { Option } from 'commander';
import { readFile } from 'node:fs/promises';
import { loadTorchCheckpoint } from '../io/torch/checkpoint.js';
import { parseSafetensors, type NamedTensors } from '../io/safetensors.js';
import { c3dGeometry, type C3DOptions } from '../models/c3d.js';

/** `--c3d-weights <file>`. */
export function c3dWeightsOption(): Option {
  return new Option(
    '--c3d-weights <file>',
    "pretrained C3D weights (PyTorch .pickle/.pt/.pth or safetensors, e.g. c3d-pytorch's Sports-1M c3d.pickle); clips are then preprocessed as its predict.py does, and training starts from them (frozen or fine-tuned, as the preset says)",
  );
}

/**
 * Reads the weights once up front so a wrong file fails before hours of extraction, and returns
 * a line describing them (conv1's channels give the width, fc6 its input size). With `c3d`, the
 * C3D the run will build, a file that cannot fit it fails here too (shapes only, nothing allocated).
 */
export async function describeC3DWeights(file: string, c3d?: C3DOptions): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new Error(`--c3d-weights: cannot read '${file}': ${(err as Error).message}`);
  }
  const label = `'${file}'`;
  const tensors: NamedTensors =
    bytes.length > 8 && bytes[8] === 0x7b
      ? parseSafetensors(bytes, label).tensors
      : await loadTorchCheckpoint(bytes, { label, integers: 'drop' });
  try {
    const conv1 = tensors['conv1.weight'];
    const fc6 = tensors['fc6.weight'];
    if (!conv1 || !fc6)
      throw new Error(
        `--c3d-weights: ${label} has no conv1.weight or fc6.weight, so it is not a C3D checkpoint (keys: ${Object.keys(tensors).slice(0, 6).join(', ')})`,
      );
    if (c3d) {
      const g = c3dGeometry(c3d);
      if (conv1.shape[0] !== g.channels.conv1 || fc6.shape[1] !== g.fc6In || fc6.shape[0] !== g.featureSize) {
        const { width, clipLength, inputSize } = g.config;
        throw new Error(
          `--c3d-weights: ${label} holds a C3D of width ${conv1.shape[0] / 64} whose fc6 takes ${fc6.shape[1]} inputs, but this run's C3D has width ${width} ` +
            `on ${clipLength}-frame ${inputSize.join('x')} clips (fc6 takes ${g.fc6In}); use a preset that matches the weights (c3d-pytorch's Sports-1M weights: --preset paper)`,
        );
      }
    }
    return `C3D weights ${file}: width ${conv1.shape[0] / 64} (conv1 ${conv1.shape[0]} channels), fc6 ${fc6.shape[1]} -> ${fc6.shape[0]}`;
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
}
