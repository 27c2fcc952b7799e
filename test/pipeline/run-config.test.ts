// The small preset's defaults against a branch collapsing onto one class (issue 15: class-balanced
// cross-entropy and a 4-epoch KL ramp) and how a run folder keeps what it was trained with: the
// preset's values, the config.json round trip, and a rerun of a run recorded before the defaults
// changed continuing with plain cross-entropy and no ramp, and a demo folder trained the old way refused.
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PAPER_PRESET } from '../../src/models/presets.js';
import { SMALL_TRAINING, demoConfig } from '../../src/pipeline/demo-config.js';
import {
  changedDefaultsBetween,
  continuedTraining,
  readRunConfig,
  writeRunConfig,
  type RunConfig,
} from '../../src/pipeline/run-config.js';
import { runDemo } from '../../src/pipeline/demo.js';

const runConfig = (training: RunConfig['training']): RunConfig => ({
  format: 'plm-ipe-run',
  features: '/features',
  training,
  methods: ['PBE'],
  seed: 1,
  seeds: [1],
  folds: null,
  splitFile: null,
  validationFraction: 0.15,
  thresholds: { negativeBelow: 40, positiveAbove: 60 },
});

describe('the collapse defaults', () => {
  it('are balanced CE and a 4-epoch KL ramp in the small preset (demo tiny and small, plm-ipe train); the paper preset has neither', () => {
    for (const t of [SMALL_TRAINING, demoConfig({ size: 'tiny' }).training, demoConfig({ size: 'small' }).training]) {
      expect(t.classBalance).toBe('balanced');
      expect(t.klRampEpochs).toBe(4);
    }
    for (const t of [PAPER_PRESET, demoConfig({ preset: 'paper' }).training]) {
      expect(t.classBalance ?? 'none').toBe('none');
      expect(t.klRampEpochs ?? 0).toBe(0);
    }
  });

  it('are written to config.json and read back', async () => {
    const run = mkdtempSync(join(tmpdir(), 'plm-ipe-run-config-'));
    await writeRunConfig(run, runConfig({ ...SMALL_TRAINING }), '{}');
    const { training } = (await readRunConfig(run))!;
    expect([training.classBalance, training.klRampEpochs]).toEqual(['balanced', 4]);
  });
});

describe('continuedTraining', () => {
  it('a new run takes the preset as it is', () => {
    const t = { ...SMALL_TRAINING };
    expect(continuedTraining(null, t)).toBe(t);
  });

  it('a rerun keeps the recorded class balance and ramp; a run recorded before they existed keeps plain CE, no ramp', () => {
    const { classBalance: _c, klRampEpochs: _k, ...old } = SMALL_TRAINING;
    const resumedOld = continuedTraining(runConfig(old), { ...SMALL_TRAINING });
    expect([resumedOld.classBalance, resumedOld.klRampEpochs]).toEqual(['none', 0]);
    const plain = continuedTraining(runConfig({ ...SMALL_TRAINING, classBalance: 'none', klRampEpochs: 2 }), {
      ...SMALL_TRAINING,
    });
    expect([plain.classBalance, plain.klRampEpochs]).toEqual(['none', 2]);
    const kept = continuedTraining(runConfig({ ...SMALL_TRAINING }), { ...SMALL_TRAINING, epochs: 3 });
    expect([kept.classBalance, kept.klRampEpochs]).toEqual(['balanced', 4]);
    expect(kept.epochs).toBe(3); // everything else comes from the rerun's preset and flags
  });
});

describe('changedDefaultsBetween (a demo folder trained before the defaults changed)', () => {
  it('names each changed-default setting on which the recorded training and this run differ', () => {
    const { classBalance: _c, klRampEpochs: _k, ...old } = SMALL_TRAINING;
    expect(changedDefaultsBetween(old, { ...SMALL_TRAINING })).toEqual([
      'classBalance none -> balanced',
      'klRampEpochs 0 -> 4',
    ]);
    expect(changedDefaultsBetween({ ...SMALL_TRAINING }, { ...SMALL_TRAINING, epochs: 20 })).toEqual([]);
  });

  it('makes runDemo refuse such a folder before any work, naming it and the settings', async () => {
    const out = mkdtempSync(join(tmpdir(), 'plm-ipe-old-demo-'));
    const { classBalance: _c, klRampEpochs: _k, ...old } = SMALL_TRAINING;
    mkdirSync(join(out, 'report'));
    writeFileSync(join(out, 'report', 'config.json'), JSON.stringify({ training: old }));
    await expect(runDemo({ config: demoConfig({ size: 'tiny' }), out, log: () => {} })).rejects.toThrow(
      `${out} holds a demo trained with other settings (classBalance none -> balanced, klRampEpochs 0 -> 4;`,
    );
  });
});
