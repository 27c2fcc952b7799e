// Split plans beyond the paper's single split: the validation part carved from training subjects,
// subject-grouped k-fold (disjoint, every subject tested once, balanced), and split files with
// their errors (unknown subject, a subject in two parts, malformed JSON).
import { describe, expect, it } from 'vitest';
import type { ManifestEntry } from '../../src/data/manifest.js';
import {
  carveValidation,
  formatSplitFile,
  paperPartition,
  parseSplitFile,
  subjectFolds,
} from '../../src/data/subject-splits.js';

/** n subjects with 2 + (i % 3) videos each, genders alternating. */
function people(n: number): ManifestEntry[] {
  const out: ManifestEntry[] = [];
  for (let i = 0; i < n; i++) {
    for (let v = 0; v < 2 + (i % 3); v++) {
      out.push({
        id: `s${i}-${v}`,
        video: `s${i}-${v}.mp4`,
        subject: `s${i}`,
        session: `s${i}-a`,
        score: 50,
        gender: i % 2 ? 'male' : 'female',
      });
    }
  }
  return out;
}

const disjoint = (p: { train: string[]; validation: string[]; test: string[] }) => {
  const all = [...p.train, ...p.validation, ...p.test];
  expect(new Set(all).size).toBe(all.length);
};

describe('paperPartition', () => {
  it('takes the validation part from the training subjects, never from the test ones', () => {
    const e = people(25);
    const p = paperPartition(e, { seed: 3 });
    disjoint(p);
    expect(p.test).toHaveLength(5);
    expect(p.validation).toHaveLength(3); // round(0.15 x 20)
    expect(p.train).toHaveLength(17);
    expect(paperPartition(e, { seed: 3 })).toEqual(p);
    expect(paperPartition(e, { seed: 3, validationFraction: 0 }).validation).toEqual([]);
  });

  it('warns instead of carving a validation part out of fewer than 3 training subjects', () => {
    const v = carveValidation(people(2), ['s0', 's1'], { fraction: 0.5 });
    expect(v.validation).toEqual([]);
    expect(v.warnings[0]).toMatch(
      /only 2 training subject\(s\), too few to hold any out for validation; the last epoch is reported/,
    );
    expect(() => carveValidation(people(4), ['s0'], { fraction: 1 })).toThrow(
      /validationFraction must be in \[0, 1\), got 1/,
    );
  });
});

describe('subjectFolds', () => {
  const e = people(23);
  const folds = subjectFolds(e, 5, { seed: 1 });

  it('is subject-disjoint in every fold and tests every subject exactly once', () => {
    expect(folds).toHaveLength(5);
    for (const f of folds) {
      disjoint(f);
      expect(f.train.length + f.validation.length + f.test.length).toBe(23);
      expect(f.validation.length).toBeGreaterThan(0);
    }
    const tested = folds.flatMap((f) => f.test).sort();
    expect(tested).toEqual([...new Set(e.map((x) => x.subject))].sort());
  });

  it('deals folds of about as many videos, deterministically per seed', () => {
    const videos = folds.map((f) => e.filter((x) => f.test.includes(x.subject)).length);
    expect(Math.max(...videos) - Math.min(...videos)).toBeLessThanOrEqual(4); // at most one subject's videos apart
    expect(subjectFolds(e, 5, { seed: 1 })).toEqual(folds);
    expect(subjectFolds([...e].reverse(), 5, { seed: 1 })).toEqual(folds);
    expect(subjectFolds(e, 5, { seed: 2 }).map((f) => f.test.join())).not.toEqual(folds.map((f) => f.test.join()));
  });

  it('rejects fewer than 2 folds or more folds than subjects', () => {
    expect(() => subjectFolds(e, 1)).toThrow(/folds must be an integer of at least 2, got 1/);
    expect(() => subjectFolds(people(3), 4)).toThrow(/4 folds need at least 4 subjects, the data has 3/);
  });
});

describe('split files', () => {
  const e = people(6);

  it('reads one split (train defaults to the rest) or folds, and round-trips', () => {
    const [p] = parseSplitFile('{"test": ["s0", "s1"], "validation": ["s2"]}', 'split.json', e);
    expect(p).toEqual({ train: ['s3', 's4', 's5'], validation: ['s2'], test: ['s0', 's1'], relaxed: [], warnings: [] });
    const folds = parseSplitFile('{"folds": [{"test": ["s0"]}, {"test": ["s1"], "train": ["s2", "s3"]}]}', 'f.json', e);
    expect(folds).toHaveLength(2);
    expect(folds[1].warnings[0]).toMatch(/f.json folds\[1\]: 3 subject\(s\) in no part are not used \(s0, s4, s5\)/);
    expect(parseSplitFile(formatSplitFile(folds), 'again', e).map((f) => f.test)).toEqual([['s0'], ['s1']]);
    // Numeric ids are compared as text.
    expect(parseSplitFile('{"test": [7]}', 'n.json', [{ ...e[0], subject: '7' }, e[3]])[0].test).toEqual(['7']);
  });

  it.each([
    ['{"test": ["nobody"]}', /split.json 'test'\[0\]: subject 'nobody' is not in the dataset/],
    ['{"test": ["s0"], "validation": ["s0"]}', /split.json: subject 's0' is in both 'test' and 'validation'/],
    ['{"test": ["s0"], "train": ["s0", "s1"]}', /split.json: subject 's0' is in both 'test' and 'train'/],
    ['{"test": []}', /split.json: 'test' must list at least one subject/],
    ['{"test": "s0"}', /split.json 'test' must be an array of subject ids, got string/],
    ['[1, 2]', /split.json: expected a JSON object with 'test' or 'folds', got an array of 2/],
    ['{"folds": []}', /'folds' must be a non-empty array/],
    ['{test: 1}', /split.json: not valid JSON/],
    ['{"test": ["s0", "s1", "s2", "s3", "s4", "s5"]}', /no training subjects left/],
  ])('names the problem: %s', (text, message) => {
    expect(() => parseSplitFile(text, 'split.json', e)).toThrow(message);
  });
});
