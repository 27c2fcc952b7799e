// The dataset manifest (JSON Lines, one video per line), score-to-label thresholds and the paper's
// subject-disjoint train/test split (section 4.1). Pure logic over strings and objects: browser-safe,
// no node: imports (reading a manifest file is ./manifest-node.ts), no tensors.
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
export function labelCounts(entries: readonly ManifestEntry[], thresholds: Partial<LabelThresholds> = {}): [number, number, number] {
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
  const name = p.replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? p;
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
      fail(source, lineNo, video === undefined ? "missing required field 'video'" : `field 'video' must be a non-empty string, got ${JSON.stringify(video)}`);
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
  return entries
    .map((e) => {
      const o: Record<string, unknown> = { id: e.id, video: e.video, subject: e.subject, session: e.session, score: e.score };
      if (e.gender) o.gender = e.gender;
      if (e.outfit !== undefined) o.outfit = e.outfit;
      if (e.landmarks !== undefined) o.landmarks = e.landmarks;
      if (e.extra) for (const [k, v] of Object.entries(e.extra)) if (!(k in o)) o[k] = v;
      return JSON.stringify(o);
    })
    .join('\n') + (entries.length ? '\n' : '');
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
  /** Entries of test subjects (each has exactly one session). */
  test: ManifestEntry[];
  /** Test subject ids, sorted. */
  testSubjects: string[];
  /** Test subjects per gender (`unknown` for subjects without one). */
  testGender: { female: number; male: number; other: number; unknown: number };
}

/**
 * The paper's split (section 4.1), about 8:2 by subjects: i) test subjects never appear in training,
 * ii) each test subject took part in exactly one session (so every test subject contributes one
 * session's videos), iii) the test set's female/male ratio is as balanced as the candidates allow.
 * Deterministic for a given seed and set of entries (entry order does not matter).
 * Throws when fewer subjects than needed have a single session.
 * @example
 * const { train, test } = splitBySubject(entries, { testFraction: 0.2, seed: 7 });
 */
export function splitBySubject(entries: readonly ManifestEntry[], options: SplitOptions = {}): Split {
  const testFraction = options.testFraction ?? 0.2;
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new Error(`splitBySubject: testFraction must be in (0, 1), got ${testFraction}`);
  }
  const sessions = new Map<string, Set<string>>();
  const gender = new Map<string, Gender | undefined>();
  for (const e of entries) {
    let s = sessions.get(e.subject);
    if (!s) sessions.set(e.subject, (s = new Set()));
    s.add(e.session);
    if (!gender.has(e.subject)) gender.set(e.subject, e.gender);
    else if (e.gender && gender.get(e.subject) && gender.get(e.subject) !== e.gender) {
      throw new Error(`splitBySubject: subject '${e.subject}' has two genders ('${gender.get(e.subject)}' and '${e.gender}')`);
    } else if (e.gender) gender.set(e.subject, e.gender);
  }
  const subjects = [...sessions.keys()].sort();
  if (subjects.length < 2) throw new Error(`splitBySubject: need at least 2 subjects, got ${subjects.length}`);
  const nTest = Math.min(subjects.length - 1, Math.max(1, Math.round(testFraction * subjects.length)));
  const candidates = subjects.filter((s) => sessions.get(s)!.size === 1);
  if (candidates.length < nTest) {
    throw new Error(
      `splitBySubject: need ${nTest} test subjects with exactly one session, but only ${candidates.length} of ${subjects.length} subjects have one session`,
    );
  }
  // Shuffle each gender group with its own seeded draw so the result depends only on the seed and the subject ids.
  const rng = createRng(`split/${options.seed ?? 0}`);
  const shuffle = (xs: string[]): string[] => {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [xs[i], xs[j]] = [xs[j], xs[i]];
    }
    return xs;
  };
  const female = shuffle(candidates.filter((s) => gender.get(s) === 'female'));
  const male = shuffle(candidates.filter((s) => gender.get(s) === 'male'));
  const rest = shuffle(candidates.filter((s) => gender.get(s) !== 'female' && gender.get(s) !== 'male'));
  // Half each when possible; which gender gets the odd seat is a coin flip of the same generator.
  const oddToFemale = rng() < 0.5;
  let wantF = Math.floor(nTest / 2) + (nTest % 2 === 1 && oddToFemale ? 1 : 0);
  let wantM = nTest - wantF;
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
  for (const s of rest) if (chosen.length < nTest) chosen.push(s);
  const testSet = new Set(chosen);
  const testGender = { female: 0, male: 0, other: 0, unknown: 0 };
  for (const s of chosen) testGender[gender.get(s) ?? 'unknown']++;
  return {
    train: entries.filter((e) => !testSet.has(e.subject)),
    test: entries.filter((e) => testSet.has(e.subject)),
    testSubjects: [...testSet].sort(),
    testGender,
  };
}
