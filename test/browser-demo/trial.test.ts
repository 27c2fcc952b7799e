// The webcam page's model side without a browser: its Trial, fed a synthetic video frame by frame,
// gives exactly what training's features (computeFeatures + makeBatch + predictAll) give on that
// video; its checkpoint loader takes a PLMIPE pair with or without the run's config.json, a
// LandmarkEstimator, and refuses wrong drops with a message naming what was expected.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  LandmarkEstimator, PLMIPE, SMALL_EXTRACT, SMALL_TRAINING, computeFeatures, demoConfig, generateDataset, makeBatch, manualSeed,
} from '../../src/index.js';
import { saveModel } from '../../src/node/index.js';
import { checkpointFromFiles, type LoadedCheckpoint } from '../../examples/webcam/page/checkpoint.js';
import { Trial } from '../../examples/webcam/page/trial.js';

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

describe('webcam page trial', () => {
  it('computes the same fused, pixel and landmark probabilities as training features on the same video', async () => {
    const { dataset } = demoConfig({ size: 'tiny' });
    const ds = generateDataset({ ...dataset, subjects: 1 });
    const video = ds.renderVideo(ds.entries[0]);
    const extract = { ...SMALL_EXTRACT };
    const plm = smallPlm();
    const ckpt: LoadedCheckpoint = { plm, landmark: plm.landmarkEstimator, extract, extractSource: 'test', fps: video.fps, label: 'test' };
    const trial = new Trial(ckpt, video.fps, video.frames.length);
    trial.start();
    video.frames.forEach((rgb, t) => {
      const pts = Array.from({ length: 68 }, (_, i) => ({ x: video.landmarks[t][2 * i], y: video.landmarks[t][2 * i + 1] }));
      trial.push({ width: video.width, height: video.height, data: rgb, channels: 3 }, pts, { width: video.width, height: video.height, rgb, scale: 1 });
    });
    expect(trial.full).toBe(true);
    expect(trial.pixelReady).toBe(true);
    const got = await trial.predictBoth();

    const f = computeFeatures({ width: video.width, height: video.height, fps: video.fps, frames: video.frames }, video.landmarks, extract, 'v');
    const out = plm.predictAll(makeBatch([{ id: 'v', label: 0, subject: '-', session: '-', ...f }], [0]));
    const want = { fused: Array.from(out.fused.dataSync()), pixel: Array.from(out.pixel.dataSync()), landmark: Array.from(out.landmark.dataSync()) };
    for (const k of ['fused', 'pixel', 'landmark'] as const) {
      got[k]!.forEach((v, i) => expect(v, `${k}[${i}]`).toBeCloseTo(want[k][i], 5));
    }
    // The landmark-only call reads the same rows.
    const lm = await trial.predictLandmark();
    lm.landmark.forEach((v, i) => expect(v).toBeCloseTo(want.landmark[i], 5));
  }, 60_000);
});

describe('webcam page checkpoint loading', () => {
  it('loads a PLMIPE pair with its config.json, or falls back to SMALL_EXTRACT without one', async () => {
    await saveModel(smallPlm(), path.join(tmp, 'epoch-003'));
    fs.writeFileSync(path.join(tmp, 'config.json'), JSON.stringify({ extract: SMALL_EXTRACT, dataset: { fps: 8 } }));
    const withConfig = await checkpointFromFiles(files('epoch-003.json', 'epoch-003.safetensors', 'config.json'));
    expect(withConfig.plm).not.toBeNull();
    expect(withConfig.fps).toBe(8);
    expect(withConfig.extractSource).toBe('dropped config.json');
    const without = await checkpointFromFiles(files('epoch-003.safetensors', 'epoch-003.json'));
    expect(without.extract).toEqual({ ...SMALL_EXTRACT });
    expect(without.extractSource).toMatch(/^SMALL_EXTRACT/);
  });

  it('loads a LandmarkEstimator as the landmark branch only', async () => {
    await saveModel(new LandmarkEstimator({ hiddenSize: 16 }), path.join(tmp, 'lbe'));
    const c = await checkpointFromFiles(files('lbe.json', 'lbe.safetensors'));
    expect(c.plm).toBeNull();
    expect(c.landmark.config.hiddenSize).toBe(16);
  });

  it('names what was expected for wrong drops', async () => {
    await expect(checkpointFromFiles(files('epoch-003.json'))).rejects.toThrow(/drop one model \.json, its \.safetensors.*got epoch-003\.json/);
    fs.writeFileSync(path.join(tmp, 'other-config.json'), JSON.stringify({ extract: { ...SMALL_EXTRACT, clipSize: 112 } }));
    await expect(checkpointFromFiles(files('epoch-003.json', 'epoch-003.safetensors', 'other-config.json'))).rejects.toThrow(
      /C3D takes 8-frame 32x32 clips but the extraction options make 8-frame 112x112 clips/,
    );
    fs.writeFileSync(path.join(tmp, 'bad-config.json'), JSON.stringify({ seed: 1 }));
    await expect(checkpointFromFiles(files('epoch-003.json', 'epoch-003.safetensors', 'bad-config.json'))).rejects.toThrow(/no 'extract' field/);
    // The run's config.json dropped in place of the model's JSON.
    await expect(checkpointFromFiles(files('config.json', 'epoch-003.safetensors'))).rejects.toThrow(/drop one model \.json/);
  });
});
