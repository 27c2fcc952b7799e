// The dataset manifest (JSON Lines, one video per line), score-to-label thresholds and the paper's
// subject-disjoint train/test split (section 4.1), relaxed with a warning where the data cannot meet
// it. Pure logic over strings and objects: browser-safe, no node: imports (reading a manifest file is
// ./manifest-node.ts), no tensors.
import { createRng } from '../tensor/random.js';

/** A subject's gender as the manifest records it; only `female`/`male` take part in split balancing. */
export type Gender = 'female' | 'male' | 'other';

/** One video of the dataset: one line of `manifest.jsonl`. */
export interface ManifestEntry {
  /** Unique id of the video; defaults to the video's file name without extension. */
  id: string;
  /** Path of the video file or frame folder; relative paths are relative to the manifest's folder. */
  video: string;
  /** Subject (volunteer) id. */
  subject: string;
  /** Annotation session id; unique per subject (`s01-1` and `s02-1` are different sessions). */
  session: string;
  /** The subject's own rating of the outfit, 0 to 100. */
  score: number;
  /** The subject's gender, when known. */
  gender?: Gender;
  /** Id of the outfit shown (top-bottom pair). */
  outfit?: string;
  /** Optional path of a landmark track (`landmarks/<id>.json`), relative like `video`. */
  landmarks?: string;
  /** Any other fields of the line, kept so that tools can round-trip them. */
  extra?: Record<string, unknown>;
}

/** The three classes of section 3.1, in ordinal order (index 0, 1, 2). */
export const LABELS = ['negative', 'neutral', 'positive'] as const;

/** A class name from {@link LABELS}. */
export type Label = (typeof LABELS)[number];

/**
 * Score thresholds: `score < negativeBelow` is negative, `score > positiveAbove` is positive, anything
 * in between (both ends included) is neutral. The paper does not publish its thresholds.
 */
export interface LabelThresholds {
  /** Scores strictly below this are negative. Default 40. */
  negativeBelow: number;
  /** Scores strictly above this are positive. Default 60. */
  positiveAbove: number;
}

/** The default thresholds: score < 40 negative, 40 ≤ score ≤ 60 neutral, score > 60 positive. */
export const DEFAULT_THRESHOLDS: Readonly<LabelThresholds> = Object.freeze({ negativeBelow: 40, positiveAbove: 60 });

/**
 * The class index (0 negative, 1 neutral, 2 positive) of a score.
 * @example
 * scoreToLabel(72); // 2 (positive)
 * scoreToLabel(50, { negativeBelow: 30, positiveAbove: 70 }); // 1 (neutral)
 */
export function scoreToLabel(score: number, thresholds: Partial<LabelThresholds> = {}): 0 | 1 | 2 {
  const t = { ...DEFAULT_THRESHOLDS, ...thresholds };
  if (!(t.negativeBelow <= t.positiveAbove)) {
    throw new Error(
      `scoreToLabel: thresholds need negativeBelow <= positiveAbove, got ${t.negativeBelow} and ${t.positiveAbove}`,
    );
  }
  if (!Number.isFinite(score)) throw new Error(`scoreToLabel: score must be a finite number, got ${score}`);
  if (score < t.negativeBelow) return 0;
  if (score > t.positiveAbove) return 2;
  return 1;
}

/** The class name of a score (see {@link scoreToLabel}). */
export function scoreToLabelName(score: number, thresholds: Partial<LabelThresholds> = {}): Label {
  return LABELS[scoreToLabel(score, thresholds)];
}

/** How many entries fall in each class, `[negative, neutral, positive]`. */
export function labelCounts(
  entries: readonly ManifestEntry[],
  thresholds: Partial<LabelThresholds> = {},
): [number, number, number] {
  const counts: [number, number, number] = [0, 0, 0];
  for (const e of entries) counts[scoreToLabel(e.score, thresholds)]++;
  return counts;
}

const KNOWN = new Set(['id', 'video', 'subject', 'session', 'score', 'gender', 'outfit', 'landmarks']);

function fail(source: string, line: number, msg: string): never {
  throw new Error(`${source} line ${line}: ${msg}`);
}

function idText(v: unknown, source: string, line: number, field: string, required: boolean): string | undefined {
  if (v === undefined || v === null) {
    if (required) fail(source, line, `missing required field '${field}'`);
    return undefined;
  }
  // Ids may be written as numbers (subject 17); they are compared as text.
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v !== 'string' || v.trim() === '') {
    fail(source, line, `field '${field}' must be a non-empty string or a number, got ${JSON.stringify(v)}`);
  }
  return v;
}

function parseGender(v: unknown, source: string, line: number): Gender | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const s = typeof v === 'string' ? v.trim().toLowerCase() : '';
  if (s === 'f' || s === 'female') return 'female';
  if (s === 'm' || s === 'male') return 'male';
  if (s === 'other' || s === 'x') return 'other';
  return fail(source, line, `field 'gender' must be 'female', 'male' or 'other' (or f/m), got ${JSON.stringify(v)}`);
}

function baseName(p: string): string {
  const name =
    p
      .replace(/[\\/]+$/, '')
      .split(/[\\/]/)
      .pop() ?? p;
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/**
 * Parses manifest text (JSON Lines; blank lines and lines starting with `#` are skipped). Every
 * problem is an Error naming `source`, the 1-based line number and the field.
 * @example
 * parseManifest('{"video":"v/a.mp4","subject":"s1","session":"s1-1","score":80}\n', 'manifest.jsonl');
 */
export function parseManifest(text: string, source = 'manifest'): ManifestEntry[] {
  const entries: ManifestEntry[] = [];
  const seen = new Map<string, number>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i].trim();
    if (raw === '' || raw.startsWith('#')) continue;
    let obj: unknown;
    try {
      obj = JSON.parse(raw);
    } catch (err) {
      fail(source, lineNo, `not valid JSON (${(err as Error).message})`);
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) fail(source, lineNo, 'expected a JSON object');
    const o = obj as Record<string, unknown>;
    const video = o.video;
    if (typeof video !== 'string' || video.trim() === '') {
      fail(
        source,
        lineNo,
        video === undefined
          ? "missing required field 'video'"
          : `field 'video' must be a non-empty string, got ${JSON.stringify(video)}`,
      );
    }
    const subject = idText(o.subject, source, lineNo, 'subject', true)!;
    const session = idText(o.session, source, lineNo, 'session', true)!;
    const score = o.score;
    if (score === undefined) fail(source, lineNo, "missing required field 'score'");
    if (typeof score !== 'number' || !Number.isFinite(score) || score < 0 || score > 100) {
      fail(source, lineNo, `field 'score' must be a number from 0 to 100, got ${JSON.stringify(score)}`);
    }
    const id = idText(o.id, source, lineNo, 'id', false) ?? baseName(video);
    const prev = seen.get(id);
    if (prev !== undefined) fail(source, lineNo, `duplicate id '${id}' (first on line ${prev})`);
    seen.set(id, lineNo);
    const entry: ManifestEntry = { id, video, subject, session, score };
    const gender = parseGender(o.gender, source, lineNo);
    if (gender) entry.gender = gender;
    const outfit = idText(o.outfit, source, lineNo, 'outfit', false);
    if (outfit !== undefined) entry.outfit = outfit;
    if (o.landmarks !== undefined) {
      if (typeof o.landmarks !== 'string' || o.landmarks === '') {
        fail(source, lineNo, `field 'landmarks' must be a path string, got ${JSON.stringify(o.landmarks)}`);
      }
      entry.landmarks = o.landmarks;
    }
    const extra: Record<string, unknown> = {};
    for (const k of Object.keys(o)) if (!KNOWN.has(k)) extra[k] = o[k];
    if (Object.keys(extra).length > 0) entry.extra = extra;
    entries.push(entry);
  }
  return entries;
}

/** Writes entries as manifest text, one JSON object per line (inverse of {@link parseManifest}). */
export function formatManifest(entries: readonly ManifestEntry[]): string {
  return (
    entries
      .map((e) => {
        const o: Record<string, unknown> = {
          id: e.id,
          video: e.video,
          subject: e.subject,
          session: e.session,
          score: e.score,
        };
        if (e.gender) o.gender = e.gender;
        if (e.outfit !== undefined) o.outfit = e.outfit;
        if (e.landmarks !== undefined) o.landmarks = e.landmarks;
        if (e.extra) for (const [k, v] of Object.entries(e.extra)) if (!(k in o)) o[k] = v;
        return JSON.stringify(o);
      })
      .join('\n') + (entries.length ? '\n' : '')
  );
}

/** Options of {@link splitBySubject}. */
export interface SplitOptions {
  /** Fraction of subjects that go to the test set (rounded to the nearest count, at least 1). Default 0.2. */
  testFraction?: number;
  /** Seed of the subject shuffle; same seed, same split. Default 0. */
  seed?: number | string;
}

/** The result of {@link splitBySubject}. */
export interface Split {
  /** Entries of training subjects (all their sessions). */
  train: ManifestEntry[];
  /** Entries of test subjects (each has exactly one session unless `relaxed` names 'single-session'). */
  test: ManifestEntry[];
  /** Test subject ids, sorted. */
  testSubjects: string[];
  /** Test subjects per gender (`unknown` for subjects without one). */
  testGender: { female: number; male: number; other: number; unknown: number };
  /**
   * The paper's constraints this split could not meet on the data: 'single-session' (ii: too few
   * subjects with one session, so some test subjects bring several) and 'gender-balance' (iii: the
   * test set's female/male counts differ by more than one, or genders are unknown). Constraint i
   * (no subject on both sides) is never relaxed. Empty when the split is the paper's.
   */
  relaxed: SplitConstraint[];
  /** One sentence per relaxed constraint, for the user (a warning, not an error). */
  warnings: string[];
}

/** A constraint of the paper's split that {@link splitBySubject} may relax (see {@link Split.relaxed}). */
export type SplitConstraint = 'single-session' | 'gender-balance';

/** Sessions and gender of every subject; throws when a subject has two genders. */
export function subjectTable(
  entries: readonly ManifestEntry[],
  caller = 'splitBySubject',
): Map<string, { sessions: Set<string>; videos: number; gender?: Gender }> {
  const table = new Map<string, { sessions: Set<string>; videos: number; gender?: Gender }>();
  for (const e of entries) {
    let s = table.get(e.subject);
    if (!s) table.set(e.subject, (s = { sessions: new Set(), videos: 0 }));
    s.sessions.add(e.session);
    s.videos++;
    if (e.gender && s.gender && s.gender !== e.gender) {
      throw new Error(`${caller}: subject '${e.subject}' has two genders ('${s.gender}' and '${e.gender}')`);
    }
    if (e.gender) s.gender = e.gender;
  }
  return table;
}

/** Fisher-Yates shuffle in place with a seeded generator. */
export function seededShuffle<T>(xs: T[], rng: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

/**
 * Picks `n` of `pool` (already shuffled) with female/male as balanced as the pool allows; the odd
 * seat goes to the gender `oddToFemale` names; subjects of other or unknown gender fill what is left.
 */
export function pickBalanced(
  pool: readonly string[],
  n: number,
  gender: (s: string) => Gender | undefined,
  oddToFemale: boolean,
): string[] {
  const female = pool.filter((s) => gender(s) === 'female');
  const male = pool.filter((s) => gender(s) === 'male');
  const rest = pool.filter((s) => gender(s) !== 'female' && gender(s) !== 'male');
  let wantF = Math.floor(n / 2) + (n % 2 === 1 && oddToFemale ? 1 : 0);
  let wantM = n - wantF;
  if (female.length < wantF) {
    wantM += wantF - female.length;
    wantF = female.length;
  }
  if (male.length < wantM) {
    const spill = wantM - male.length;
    wantM = male.length;
    wantF = Math.min(female.length, wantF + spill);
  }
  const chosen = [...female.slice(0, wantF), ...male.slice(0, wantM)];
  for (const s of rest) if (chosen.length < n) chosen.push(s);
  return chosen;
}

/**
 * The paper's split (section 4.1), about 8:2 by subjects: i) test subjects never appear in training,
 * ii) each test subject took part in exactly one session (so every test subject contributes one
 * session's videos), iii) the test set's female/male ratio is as balanced as the candidates allow.
 * When the data cannot meet ii or iii (few single-session subjects, unknown genders) the split is
 * still subject-disjoint and `relaxed`/`warnings` say which constraint gave way: test subjects with
 * the fewest sessions fill the seats single-session subjects cannot. Deterministic for a given seed
 * and set of entries (entry order does not matter).
 * @example
 * const { train, test, warnings } = splitBySubject(entries, { testFraction: 0.2, seed: 7 });
 */
export function splitBySubject(entries: readonly ManifestEntry[], options: SplitOptions = {}): Split {
  const testFraction = options.testFraction ?? 0.2;
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new Error(`splitBySubject: testFraction must be in (0, 1), got ${testFraction}`);
  }
  const table = subjectTable(entries);
  const subjects = [...table.keys()].sort();
  if (subjects.length < 2) throw new Error(`splitBySubject: need at least 2 subjects, got ${subjects.length}`);
  const nTest = Math.min(subjects.length - 1, Math.max(1, Math.round(testFraction * subjects.length)));
  const gender = (s: string) => table.get(s)!.gender;
  // One seeded draw over the sorted ids, so the result depends only on the seed and the subject ids.
  const rng = createRng(`split/${options.seed ?? 0}`);
  const shuffled = seededShuffle([...subjects], rng);
  const oddToFemale = rng() < 0.5;
  const singles = shuffled.filter((s) => table.get(s)!.sessions.size === 1);
  const relaxed: SplitConstraint[] = [];
  const warnings: string[] = [];
  let chosen = pickBalanced(singles, nTest, gender, oddToFemale);
  if (chosen.length < nTest) {
    // Constraint ii gives way: the seats left go to the subjects with the fewest sessions (balanced again).
    const taken = new Set(chosen);
    const fewest = shuffled
      .filter((s) => !taken.has(s))
      .sort((a, b) => table.get(a)!.sessions.size - table.get(b)!.sessions.size);
    const need = nTest - chosen.length;
    const cut = table.get(fewest[need - 1])!.sessions.size;
    const eligible = fewest.filter((s) => table.get(s)!.sessions.size <= cut);
    const have = {
      female: chosen.filter((s) => gender(s) === 'female').length,
      male: chosen.filter((s) => gender(s) === 'male').length,
    };
    chosen = [
      ...chosen,
      ...pickBalanced(eligible, need, gender, have.female < have.male || (have.female === have.male && oddToFemale)),
    ];
    const multi = chosen.filter((s) => table.get(s)!.sessions.size > 1);
    relaxed.push('single-session');
    warnings.push(
      `split: constraint ii (each test subject has exactly one session) relaxed: ${singles.length} of ${subjects.length} subjects ` +
        `have one session but the test set needs ${nTest}; ${multi.length} test subject(s) bring several sessions (${multi
          .sort()
          .slice(0, 5)
          .map((s) => `${s}: ${table.get(s)!.sessions.size}`)
          .join(', ')}${multi.length > 5 ? ', ...' : ''})`,
    );
  }
  const testSet = new Set(chosen);
  const testGender = { female: 0, male: 0, other: 0, unknown: 0 };
  for (const s of chosen) testGender[gender(s) ?? 'unknown']++;
  if (Math.abs(testGender.female - testGender.male) > 1 || testGender.unknown > 0) {
    relaxed.push('gender-balance');
    warnings.push(
      `split: constraint iii (balanced test genders) relaxed: the test set has ${testGender.female} female, ${testGender.male} male, ` +
        `${testGender.other} other and ${testGender.unknown} unknown subjects` +
        (testGender.unknown > 0 ? ' (add a gender field to the manifest to balance them)' : ''),
    );
  }
  return {
    train: entries.filter((e) => !testSet.has(e.subject)),
    test: entries.filter((e) => testSet.has(e.subject)),
    testSubjects: [...testSet].sort(),
    testGender,
    relaxed,
    warnings,
  };
}
