// Subject-level split plans beyond the paper's single split: a validation part carved from the
// training subjects, subject-grouped k-fold, and explicit split files (`--split split.json`).
// Pure logic over manifest entries and subject ids; no Node imports, no tensors, no features.
import { createRng } from '../tensor/random.js';
import {
  pickBalanced,
  seededShuffle,
  splitBySubject,
  subjectTable,
  type ManifestEntry,
  type SplitConstraint,
} from './manifest.js';

/** One train/validation/test assignment of subjects. No subject is in two parts. */
export interface SubjectPartition {
  /** Subjects the models are fitted on, sorted. */
  train: string[];
  /** Subjects that pick the reported epoch (model selection), sorted; empty when there is no validation part. */
  validation: string[];
  /** Subjects of the final evaluation only, sorted. */
  test: string[];
  /** Constraints of the paper's split that gave way (see {@link splitBySubject}). */
  relaxed: SplitConstraint[];
  /** Warnings for the user (relaxed constraints, a validation part too small to carve). */
  warnings: string[];
}

/** How a run's subjects are split: the paper's single split, k folds, or a file. */
export interface SplitPlanOptions {
  /** Seed of every shuffle; same seed and subjects, same plan. Default 0. */
  seed?: number | string;
  /** Fraction of subjects in the test part of the paper's split. Default 0.2. */
  testFraction?: number;
  /**
   * Fraction of the training subjects moved to the validation part (rounded, at least 1 when it is
   * above 0 and at least 3 training subjects remain). 0: no validation, the last epoch is reported. Default 0.15.
   */
  validationFraction?: number;
}

/** The default share of training subjects held out for validation. */
export const DEFAULT_VALIDATION_FRACTION = 0.15;

const sorted = (xs: Iterable<string>): string[] => [...xs].sort();

/**
 * Moves about `fraction` of `pool` (training subjects) to a validation part, genders balanced as
 * well as the pool allows. Returns the two parts and a warning when the pool is too small.
 */
export function carveValidation(
  entries: readonly ManifestEntry[],
  pool: readonly string[],
  options: { fraction?: number; seed?: number | string } = {},
): { train: string[]; validation: string[]; warnings: string[] } {
  const fraction = options.fraction ?? DEFAULT_VALIDATION_FRACTION;
  if (!(fraction >= 0 && fraction < 1)) throw new Error(`validationFraction must be in [0, 1), got ${fraction}`);
  if (fraction === 0) return { train: sorted(pool), validation: [], warnings: [] };
  if (pool.length < 3) {
    return {
      train: sorted(pool),
      validation: [],
      warnings: [
        `split: only ${pool.length} training subject(s), too few to hold any out for validation; the last epoch is reported`,
      ],
    };
  }
  const table = subjectTable(
    entries.filter((e) => pool.includes(e.subject)),
    'validation split',
  );
  const rng = createRng(`validation/${options.seed ?? 0}`);
  const n = Math.min(pool.length - 2, Math.max(1, Math.round(fraction * pool.length)));
  const chosen = new Set(pickBalanced(seededShuffle(sorted(pool), rng), n, (s) => table.get(s)?.gender, rng() < 0.5));
  return { train: sorted(pool.filter((s) => !chosen.has(s))), validation: sorted(chosen), warnings: [] };
}

/**
 * The paper's split (see {@link splitBySubject}) with a validation part taken from its training subjects.
 * @example
 * const p = paperPartition(entries, { seed: 1 }); // p.train, p.validation, p.test, p.warnings
 */
export function paperPartition(entries: readonly ManifestEntry[], options: SplitPlanOptions = {}): SubjectPartition {
  const split = splitBySubject(entries, { seed: options.seed, testFraction: options.testFraction });
  const pool = sorted(new Set(split.train.map((e) => e.subject)));
  const v = carveValidation(entries, pool, { fraction: options.validationFraction, seed: options.seed });
  return {
    train: v.train,
    validation: v.validation,
    test: split.testSubjects,
    relaxed: split.relaxed,
    warnings: [...split.warnings, ...v.warnings],
  };
}

/**
 * Subject-grouped k-fold: every subject is a test subject in exactly one fold, and no fold's test
 * subject is among its training or validation subjects. Subjects are shuffled by the seed, then
 * dealt (most videos first) to the fold with the fewest videos so far, so folds hold about as many
 * videos. Each fold's validation part comes from its own training subjects.
 * @example
 * const folds = subjectFolds(entries, 5, { seed: 1 }); // folds[k].test: the k-th fifth of the subjects
 */
export function subjectFolds(
  entries: readonly ManifestEntry[],
  folds: number,
  options: SplitPlanOptions = {},
): SubjectPartition[] {
  const table = subjectTable(entries, 'subjectFolds');
  const subjects = sorted(table.keys());
  if (!(Number.isInteger(folds) && folds >= 2)) throw new Error(`folds must be an integer of at least 2, got ${folds}`);
  if (folds > subjects.length)
    throw new Error(`folds: ${folds} folds need at least ${folds} subjects, the data has ${subjects.length}`);
  const order = seededShuffle([...subjects], createRng(`folds/${options.seed ?? 0}`));
  // Stable sort keeps the shuffled order among subjects with as many videos.
  order.sort((a, b) => table.get(b)!.videos - table.get(a)!.videos);
  const parts: string[][] = Array.from({ length: folds }, () => []);
  const videos = new Array<number>(folds).fill(0);
  for (const s of order) {
    let best = 0;
    for (let k = 1; k < folds; k++) {
      if (videos[k] < videos[best] || (videos[k] === videos[best] && parts[k].length < parts[best].length)) best = k;
    }
    parts[best].push(s);
    videos[best] += table.get(s)!.videos;
  }
  return parts.map((test, k) => {
    const testSet = new Set(test);
    const pool = subjects.filter((s) => !testSet.has(s));
    const v = carveValidation(entries, pool, {
      fraction: options.validationFraction,
      seed: `${options.seed ?? 0}/fold/${k}`,
    });
    return {
      train: v.train,
      validation: v.validation,
      test: sorted(test),
      relaxed: [],
      warnings: v.warnings.map((w) => `fold ${k + 1}: ${w}`),
    };
  });
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (v === null) return 'null';
  return typeof v;
}

function subjectList(v: unknown, where: string, known: ReadonlySet<string>): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw new Error(`${where} must be an array of subject ids, got ${describe(v)}`);
  return v.map((s, i) => {
    if (typeof s === 'number' && Number.isFinite(s)) s = String(s);
    if (typeof s !== 'string' || s === '')
      throw new Error(`${where}[${i}] must be a subject id (string), got ${describe(s)}`);
    if (!known.has(s)) throw new Error(`${where}[${i}]: subject '${s}' is not in the dataset`);
    return s;
  });
}

/**
 * Reads a split file: `{"train": [...], "validation": [...], "test": [...]}` (subject ids; `train`
 * defaults to every subject not in another part, `validation` to none) or `{"folds": [{...}, ...]}`
 * with one such object per fold. Every subject must exist and be in at most one part of a fold.
 * @example
 * parseSplitFile('{"test": ["s01", "s07"], "validation": ["s03"]}', 'split.json', entries);
 */
export function parseSplitFile(text: string, source: string, entries: readonly ManifestEntry[]): SubjectPartition[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`${source}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new Error(`${source}: expected a JSON object with 'test' or 'folds', got ${describe(doc)}`);
  const o = doc as Record<string, unknown>;
  const known = new Set(entries.map((e) => e.subject));
  const folds = o.folds === undefined ? [o] : o.folds;
  if (!Array.isArray(folds) || folds.length === 0)
    throw new Error(
      `${source}: 'folds' must be a non-empty array of {train, validation, test} objects, got ${describe(o.folds)}`,
    );
  return folds.map((f, k) => {
    const where = o.folds === undefined ? source : `${source} folds[${k}]`;
    if (typeof f !== 'object' || f === null || Array.isArray(f))
      throw new Error(`${where} must be an object with 'test', got ${describe(f)}`);
    const part = f as Record<string, unknown>;
    const test = subjectList(part.test, `${where} 'test'`, known);
    if (!test || test.length === 0) throw new Error(`${where}: 'test' must list at least one subject`);
    const validation = subjectList(part.validation, `${where} 'validation'`, known) ?? [];
    const owner = new Map<string, string>();
    for (const [name, list] of [
      ['test', test],
      ['validation', validation],
    ] as const) {
      for (const s of list) {
        const prev = owner.get(s);
        if (prev) throw new Error(`${where}: subject '${s}' is in both '${prev}' and '${name}'`);
        owner.set(s, name);
      }
    }
    const train = subjectList(part.train, `${where} 'train'`, known) ?? [...known].filter((s) => !owner.has(s));
    for (const s of train) {
      const prev = owner.get(s);
      if (prev) throw new Error(`${where}: subject '${s}' is in both '${prev}' and 'train'`);
      owner.set(s, 'train');
    }
    if (train.length === 0) throw new Error(`${where}: no training subjects left`);
    const unused = [...known].filter((s) => !owner.has(s));
    const warnings = unused.length
      ? [
          `${where}: ${unused.length} subject(s) in no part are not used (${sorted(unused).slice(0, 5).join(', ')}${unused.length > 5 ? ', ...' : ''})`,
        ]
      : [];
    return {
      train: sorted(new Set(train)),
      validation: sorted(new Set(validation)),
      test: sorted(new Set(test)),
      relaxed: [],
      warnings,
    };
  });
}

/** The split file of a plan (inverse of {@link parseSplitFile}): what a run records so eval can reuse it. */
export function formatSplitFile(partitions: readonly SubjectPartition[]): string {
  const part = (p: SubjectPartition) => ({ train: p.train, validation: p.validation, test: p.test });
  return JSON.stringify(partitions.length === 1 ? part(partitions[0]) : { folds: partitions.map(part) }, null, 1);
}
