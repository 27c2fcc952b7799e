// Real use: a whole model saved as one safetensors file plus its JSON config and loaded back;
// mismatched configurations named by field; a C3D backbone loaded from a file laid out like a
// PyTorch conversion (fc8 dropped); cached C3D features (frozen backbone) equal to a live forward.
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { manualSeed, noGrad, randn, memory } from '../../src/index.js';
import { C3D, PLMIPE, PixelEstimator, extractClipFeatures } from '../../src/models/index.js';
import { loadModel, loadModelInto, saveModel, loadC3DWeights, saveSafetensors } from '../../src/node/index.js';
import { TINY_C3D, TINY_LANDMARK, featureBatch, snapshot, changedKeys, maxAbsDiff } from './fixtures.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'plm-ipe-models-'));

describe('saveModel / loadModel', () => {
  it('round-trips a PLMIPE model: same config, same weights, same predictions', async () => {
    manualSeed(20);
    const dir = tmp();
    const model = new PLMIPE({ pixel: { c3d: TINY_C3D }, landmark: TINY_LANDMARK, lambda: 0.4, klDirection: 'dml' });
    const files = await saveModel(model, path.join(dir, 'plm'));
    expect(files).toEqual({ weights: path.join(dir, 'plm.safetensors'), json: path.join(dir, 'plm.json') });
    const json = JSON.parse(fs.readFileSync(files.json, 'utf8'));
    expect(json.kind).toBe('PLMIPE');
    expect(json.config.lambda).toBe(0.4);
    expect(json.config.pixel.c3d.width).toBe(1 / 16);
    const again = (await loadModel(path.join(dir, 'plm.safetensors'))) as PLMIPE;
    expect(again).toBeInstanceOf(PLMIPE);
    expect(again.config).toEqual(model.config);
    expect(changedKeys(snapshot(model), snapshot(again))).toEqual([]);
    const batch = featureBatch([1, 1], [3, 2], [0, 1]);
    expect(maxAbsDiff(model.predictProba(batch).dataSync(), again.predictProba(batch).dataSync())).toBe(0);
    // no temp files left behind by the atomic writes
    expect(fs.readdirSync(dir).sort()).toEqual(['plm.json', 'plm.safetensors']);
  });

  it('loadModelInto names the first configuration field that differs', async () => {
    const dir = tmp();
    await saveModel(new PLMIPE({ pixel: { c3d: TINY_C3D }, landmark: TINY_LANDMARK }), path.join(dir, 'm'));
    const other = new PLMIPE({ pixel: { c3d: { ...TINY_C3D, width: 1 / 8 } }, landmark: TINY_LANDMARK });
    await expect(loadModelInto(other, path.join(dir, 'm'))).rejects.toThrow(
      /configuration of '.*m\.json' does not match the model: field 'pixel\.c3d\.width' is 0\.0625 in the file but 0\.125 in the model/,
    );
    const lbe = new PLMIPE({ pixel: { c3d: TINY_C3D }, landmark: TINY_LANDMARK, temperature: 4 });
    await expect(loadModelInto(lbe, path.join(dir, 'm'))).rejects.toThrow(
      /field 'temperature' is 10 in the file but 4 in the model/,
    );
    await expect(loadModelInto(new C3D(TINY_C3D), path.join(dir, 'm'))).rejects.toThrow(/holds a PLMIPE, not a C3D/);
    await expect(loadModel(path.join(dir, 'missing'))).rejects.toThrow(/cannot read the model config/);
  });

  it('rejects a weights file from a different save than its JSON', async () => {
    const dir = tmp();
    await saveModel(new C3D(TINY_C3D), path.join(dir, 'a'));
    await saveModel(new C3D({ ...TINY_C3D, dropout: 0.5 }), path.join(dir, 'b'));
    fs.copyFileSync(path.join(dir, 'b.safetensors'), path.join(dir, 'a.safetensors'));
    await expect(loadModel(path.join(dir, 'a'))).rejects.toThrow(
      /saved with a different configuration .*field 'dropout' is 0.5 in the weights but 0 in the json/,
    );
  });
});

describe('loadC3DWeights (PyTorch C3D converted to safetensors)', () => {
  it('loads conv1..fc7 by key, drops fc8, and rejects files that do not fit', async () => {
    manualSeed(21);
    const dir = tmp();
    const source = new C3D(TINY_C3D);
    // What the Python recipe in docs/models.md writes: the state dict with fc8 (here 487 classes).
    const file = path.join(dir, 'c3d.safetensors');
    await saveSafetensors({ ...source.stateDict(), 'fc8.weight': randn([487, 256]), 'fc8.bias': randn([487]) }, file);
    const target = new C3D(TINY_C3D);
    expect(await loadC3DWeights(target, file)).toEqual(['fc8.bias', 'fc8.weight']);
    expect(changedKeys(snapshot(source), snapshot(target))).toEqual([]);
    const pbe = new PixelEstimator({ c3d: TINY_C3D });
    await loadC3DWeights(pbe.c3d, fs.readFileSync(file));
    expect(changedKeys(snapshot(source), snapshot(pbe.c3d))).toEqual([]);
    await expect(loadC3DWeights(new C3D({ ...TINY_C3D, width: 1 / 8 }), file)).rejects.toThrow(
      /loadC3DWeights: '.*c3d.safetensors' does not fit this C3D \(width 0.125, clips \[3, 4, 16, 16\]\): loadStateDict: 'conv1.bias' has shape \[4\] in the state dict but \[8\] in C3D/,
    );
    const partial = path.join(dir, 'partial.safetensors');
    await saveSafetensors({ 'conv1.weight': source.conv1.weight }, partial);
    await expect(loadC3DWeights(new C3D(TINY_C3D), partial)).rejects.toThrow(/missing keys: conv1.bias, conv2.weight/);
  });
});

describe('extractClipFeatures (frozen backbone)', () => {
  it('equals the eval-mode forward, batch by batch, restores training mode and frees its temporaries', () => {
    manualSeed(22);
    const c3d = new C3D({ ...TINY_C3D, dropout: 0.5 });
    const clips = randn([5, 3, 4, 16, 16]);
    const progress: number[] = [];
    const base = memory().buffers;
    const features = extractClipFeatures(c3d, clips, {
      batchSize: 2,
      onProgress: (done, total) => progress.push(done / total),
    });
    expect(memory().buffers).toBe(base + 1);
    expect(progress).toEqual([0.4, 0.8, 1]);
    expect(c3d.training).toBe(true);
    c3d.eval();
    const direct = noGrad(() => c3d.forward(clips));
    expect(features.shape).toEqual([5, 256]);
    expect(maxAbsDiff(features.dataSync(), direct.dataSync())).toBeLessThan(1e-5);
    const fromList = extractClipFeatures(c3d, [clips.slice([0], [2]), clips.slice([2], [3])]);
    expect(maxAbsDiff(fromList.dataSync(), direct.dataSync())).toBeLessThan(1e-5);
    expect(() => extractClipFeatures(c3d, randn([1, 3, 5, 16, 16]))).toThrow(
      /extractClipFeatures \(clips\): clips must be \[N, 3, 4, 16, 16\]/,
    );
  });
});
