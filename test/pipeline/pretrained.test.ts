// Pretrained C3D weights in the pipeline (`--c3d-weights`): extraction switches to c3d-pytorch's
// preprocessing, training starts from the weights (frozen or fine-tuned by the preset), a features
// folder extracted another way is refused with the fix named, and the CLI takes the option.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDataset, loadTorchCheckpoint } from '../../src/index.js';
import {
  extractFeatures,
  syntheticSources,
  PAPER_EXTRACT,
  type VideoExtractOptions,
} from '../../src/pipeline/extract.js';
import { splitFeatures } from '../../src/pipeline/dataset.js';
import { trainMethod } from '../../src/pipeline/train.js';
import { checkPretrainedExtract, pretrainedExtract } from '../../src/pipeline/pretrained.js';
import { SMALL_EXTRACT, SMALL_TRAINING } from '../../src/pipeline/demo-config.js';
import * as fs from 'node:fs';

const WEIGHTS = join(__dirname, '..', 'fixtures', 'torch', 'c3d-small.pickle');
const tmp = () => mkdtempSync(join(tmpdir(), 'plm-ipe-pretrained-'));

describe('pretrained C3D in the pipeline', () => {
  it("pretrainedExtract switches to predict.py's preprocessing and keeps the rest", () => {
    expect(pretrainedExtract(PAPER_EXTRACT)).toEqual({
      ...PAPER_EXTRACT,
      crop: 'c3d-pytorch',
      normalize: 'raw',
      clipBaseline: 'none',
    });
    expect(() => checkPretrainedExtract(pretrainedExtract(SMALL_EXTRACT), 'f', 'w.pt')).not.toThrow();
    expect(() => checkPretrainedExtract(SMALL_EXTRACT, 'features folder feats', 'c3d.pickle')).toThrow(
      /features folder feats was extracted with crop 'aligned'.*expect clips preprocessed as c3d-pytorch's predict.py does.*extract again with --c3d-weights c3d.pickle/,
    );
  });

  it('trains from the weights: frozen backbone keeps them, the first epoch starts from them', async () => {
    const ds = generateDataset({
      seed: 3,
      subjects: 5,
      sessionsPerSubject: 1,
      outfitsPerSession: 3,
      size: 48,
      fps: 8,
      minSeconds: 1.2,
      maxSeconds: 1.5,
    });
    const extract: VideoExtractOptions = pretrainedExtract({ ...SMALL_EXTRACT, descriptorCropSize: 48 });
    const { features } = await extractFeatures(syntheticSources(ds), { cacheDir: tmp(), extract });
    expect(Math.max(...features[0].clips)).toBeGreaterThan(1); // raw 0-255 values
    const split = splitFeatures(features, { seed: 1 });
    const preset = {
      ...SMALL_TRAINING,
      trainBackbone: false,
      landmark: { inputSize: 72, hiddenSize: 8, numClasses: 3 },
    };
    const { method } = await trainMethod({
      method: 'PBE',
      preset,
      features,
      split,
      epochs: 1,
      seed: 1,
      checkpointDir: tmp(),
      c3dWeights: WEIGHTS,
      skipTrainAccuracy: true,
    });
    const want = await loadTorchCheckpoint(fs.readFileSync(WEIGHTS));
    const got = method.pixelEstimator!.c3d.stateDict();
    for (const key of ['conv1.weight', 'fc7.bias'])
      expect([...got[key].dataSync()], key).toEqual([...want[key].dataSync()]);
    for (const t of [...Object.values(want), ...Object.values(got)]) t.dispose();
  });
});

describe('plm-ipe --c3d-weights', () => {
  const MAIN = join(__dirname, '../../src/cli/main.ts');
  const cli = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      encoding: 'utf8',
      timeout: 60_000,
      cwd: join(__dirname, '../..'),
    });
  it.each(['extract', 'train', 'demo'])('%s lists the option', (cmd) => {
    expect(cli([cmd, '--help']).stdout).toContain('--c3d-weights <file>');
  });
  it('names a file that is missing or refused, before any work', () => {
    const missing = cli(['demo', '--c3d-weights', '/nonexistent/c3d.pickle', '--out', tmp()]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("plm-ipe: error: --c3d-weights: cannot read '/nonexistent/c3d.pickle'");
    const refused = cli([
      'demo',
      '--c3d-weights',
      join(__dirname, '..', 'fixtures', 'torch', 'refused-os-system.pt'),
      '--out',
      tmp(),
    ]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/refuses the global '(posix|os)\.system'/);
  });
  it('names weights that do not fit the preset, and a conflicting --crop', () => {
    const misfit = cli(['demo', '--preset', 'paper', '--c3d-weights', WEIGHTS, '--out', tmp()]);
    expect(misfit.status).toBe(1);
    expect(misfit.stderr).toContain(
      "holds a C3D of width 0.0625 whose fc6 takes 128 inputs, but this run's C3D has width 1 on 16-frame 112x112 clips (fc6 takes 8192)",
    );
    const crop = cli(['extract', 'manifest.jsonl', '--crop', 'face', '--c3d-weights', WEIGHTS, '--out', tmp()]);
    expect(crop.status).toBe(1);
    expect(crop.stderr).toContain('--crop face and --c3d-weights conflict');
  });
});
