// The extraction options' renamed crop side: `descriptorCropSize`, with the old key `descriptorSize`
// still read from code, run configs and features folders, and cache keys unchanged by the rename.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheKey } from '../../src/data/cache.js';
import { descriptorOptions, upgradeExtractOptions } from '../../src/pipeline/video-features.js';
import type { VideoExtractOptions } from '../../src/pipeline/video-features.js';
import { featureCacheKey } from '../../src/pipeline/extract.js';
import { SMALL_EXTRACT } from '../../src/pipeline/demo-config.js';
import { readRunConfig } from '../../src/pipeline/run-config.js';
import { readFeatureFolder } from '../../src/pipeline/feature-folder.js';
import { checkExtract } from '../../src/predict/run-settings.js';

/** SMALL_EXTRACT as it was written before the rename. */
function oldStyle(): Record<string, unknown> {
  const { descriptorCropSize, ...rest } = SMALL_EXTRACT;
  return { ...rest, descriptorSize: descriptorCropSize };
}

describe('upgradeExtractOptions', () => {
  it('returns options without the old key as they are', () => {
    expect(upgradeExtractOptions(SMALL_EXTRACT)).toBe(SMALL_EXTRACT);
  });
  it('moves the old key to descriptorCropSize', () => {
    const up = upgradeExtractOptions(oldStyle() as unknown as VideoExtractOptions);
    expect(up).toEqual(SMALL_EXTRACT);
    expect('descriptorSize' in up).toBe(false);
  });
  it('lets the old key win over a spread preset, as old code meant', () => {
    expect(upgradeExtractOptions({ ...SMALL_EXTRACT, descriptorSize: 48 }).descriptorCropSize).toBe(48);
    expect(descriptorOptions({ ...SMALL_EXTRACT, descriptorSize: 48 }).size).toBe(48);
  });
});

describe('feature cache keys', () => {
  it('are the keys made before the rename', async () => {
    const before = await cacheKey('video-hash', 'plm-ipe-features-v1', oldStyle());
    expect(await featureCacheKey('video-hash', SMALL_EXTRACT)).toBe(before);
    expect(await featureCacheKey('video-hash', oldStyle() as unknown as VideoExtractOptions)).toBe(before);
    expect(await featureCacheKey('video-hash', { ...SMALL_EXTRACT, descriptorCropSize: 48 })).not.toBe(before);
  });
});

describe('files written before the rename', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'plm-ipe-extract-options-'));
  it("a run's config.json", async () => {
    const run = dir();
    const config = { format: 'plm-ipe-run', features: '/f', extract: oldStyle() };
    writeFileSync(join(run, 'config.json'), JSON.stringify(config));
    expect((await readRunConfig(run))?.extract).toEqual(SMALL_EXTRACT);
  });
  it("a features folder's extract.json", async () => {
    const features = dir();
    const info = { format: 'plm-ipe-features', manifest: '/m.jsonl', extract: oldStyle(), provider: null };
    writeFileSync(join(features, 'extract.json'), JSON.stringify(info));
    expect((await readFeatureFolder(features)).extract).toEqual(SMALL_EXTRACT);
  });
  it("a report's config.json read by a predictor", () => {
    expect(checkExtract(oldStyle(), 'config.json: extract')).toEqual(SMALL_EXTRACT);
    const { descriptorCropSize: _, ...missing } = SMALL_EXTRACT;
    expect(() => checkExtract(missing, 'config.json: extract')).toThrow(
      'config.json: extract.descriptorCropSize must be a positive integer, got undefined',
    );
  });
});
