// Pretrained C3D weights in the pipeline (`--c3d-weights`): the extraction options that match
// what the weights were trained on (c3d-pytorch's predict.py), the check that a features folder
// was extracted that way, and loading the weights into each method's C3D before training.
// Imports the preprocessing constants and the checkpoint loader only.
import { C3D_PYTORCH_PREPROCESS } from '../data/preprocess.js';
import { loadC3DWeights } from '../models/checkpoint-node.js';
import type { PreferenceMethod } from '../models/method.js';
import type { VideoExtractOptions } from './video-features.js';

/**
 * `extract` with the pixel preprocessing pretrained C3D weights expect: the c3d-pytorch crop, raw
 * 0-255 values, and no first-frame baseline (predict.py subtracts nothing). Other options are kept.
 * @example
 * const extract = pretrainedExtract(PAPER_EXTRACT); // crop 'c3d-pytorch', normalize 'raw'
 */
export function pretrainedExtract(extract: Readonly<VideoExtractOptions>): VideoExtractOptions {
  return { ...extract, ...C3D_PYTORCH_PREPROCESS, clipBaseline: 'none' };
}

/** Throws, naming the folder and the fix, when features were not extracted for pretrained weights. */
export function checkPretrainedExtract(extract: Readonly<VideoExtractOptions>, where: string, weights: string): void {
  const baseline = extract.clipBaseline ?? 'none';
  if (
    extract.crop !== C3D_PYTORCH_PREPROCESS.crop ||
    extract.normalize !== C3D_PYTORCH_PREPROCESS.normalize ||
    baseline !== 'none'
  ) {
    throw new Error(
      `${where} was extracted with crop '${extract.crop}', normalize ${JSON.stringify(extract.normalize)} and baseline '${baseline}', ` +
        `but the pretrained C3D weights ${weights} expect clips preprocessed as c3d-pytorch's predict.py does (crop 'c3d-pytorch', normalize 'raw', no baseline); ` +
        `extract again with --c3d-weights ${weights}`,
    );
  }
}

/** Loads the weights into a method's C3D (methods without a pixel branch are left alone). Returns the dropped keys. */
export async function loadPretrainedC3D(method: PreferenceMethod, weights: string | Uint8Array): Promise<string[]> {
  if (!method.pixelEstimator) return [];
  return loadC3DWeights(method.pixelEstimator.c3d, weights);
}
