// The webcam page's checkpoint drop without a browser: a PLMIPE pair with or without the run's
// config.json, a LandmarkEstimator, and wrong drops refused with a message naming what was expected.
// (The trials themselves are the library's PredictionSession: test/predict/predictor.test.ts.)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LandmarkEstimator, PLMIPE, SMALL_EXTRACT, SMALL_TRAINING, manualSeed } from '../../src/index.js';
import { saveModel } from '../../src/node/index.js';
import { checkpointFromFiles } from '../../examples/webcam/page/checkpoint.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'plm-webcam-trial-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function smallPlm(): PLMIPE {
  manualSeed(3);
  return new PLMIPE({ pixel: { c3d: { ...SMALL_TRAINING.c3d, init: 'pytorch' } }, landmark: SMALL_TRAINING.landmark });
}

/** The files a user would drop, read back from disk as DOM Files. */
function files(...names: string[]): File[] {
  return names.map((n) => new File([fs.readFileSync(path.join(tmp, n))], n));
}

describe('webcam page checkpoint loading', () => {
  it('loads a PLMIPE pair with its config.json, or falls back to SMALL_EXTRACT without one', async () => {
    await saveModel(smallPlm(), path.join(tmp, 'epoch-003'));
    fs.writeFileSync(path.join(tmp, 'config.json'), JSON.stringify({ extract: SMALL_EXTRACT, dataset: { fps: 8 } }));
    const withConfig = await checkpointFromFiles(files('epoch-003.json', 'epoch-003.safetensors', 'config.json'));
    expect(withConfig.predictor.hasPixelBranch).toBe(true);
    expect(withConfig.predictor.fps).toBe(8);
    expect(withConfig.extractSource).toBe('dropped config.json');
    const without = await checkpointFromFiles(files('epoch-003.safetensors', 'epoch-003.json'));
    expect(without.predictor.extract).toEqual({ ...SMALL_EXTRACT });
    expect(without.extractSource).toMatch(/^SMALL_EXTRACT/);
  });

  it('loads a LandmarkEstimator as the landmark branch only', async () => {
    await saveModel(new LandmarkEstimator({ hiddenSize: 16 }), path.join(tmp, 'lbe'));
    const c = await checkpointFromFiles(files('lbe.json', 'lbe.safetensors'));
    expect(c.predictor.hasPixelBranch).toBe(false);
    expect(c.predictor.runner.landmark?.config.hiddenSize).toBe(16);
  });

  it('names what was expected for wrong drops', async () => {
    await expect(checkpointFromFiles(files('epoch-003.json'))).rejects.toThrow(
      /drop one model \.json, its \.safetensors.*got epoch-003\.json/,
    );
    fs.writeFileSync(
      path.join(tmp, 'other-config.json'),
      JSON.stringify({ extract: { ...SMALL_EXTRACT, clipSize: 112 } }),
    );
    await expect(
      checkpointFromFiles(files('epoch-003.json', 'epoch-003.safetensors', 'other-config.json')),
    ).rejects.toThrow(/C3D takes 8-frame 32x32 clips but the run's extraction makes 8-frame 112x112 clips/);
    fs.writeFileSync(path.join(tmp, 'bad-config.json'), JSON.stringify({ seed: 1 }));
    await expect(
      checkpointFromFiles(files('epoch-003.json', 'epoch-003.safetensors', 'bad-config.json')),
    ).rejects.toThrow(/extract expected the extraction options of a run/);
    // The run's config.json dropped in place of the model's JSON.
    await expect(checkpointFromFiles(files('config.json', 'epoch-003.safetensors'))).rejects.toThrow(
      /drop one model \.json/,
    );
  });
});
