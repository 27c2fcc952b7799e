// The manifest (JSON Lines) parser and its errors, score-to-label thresholds, and the paper's
// subject split (section 4.1): disjoint subjects, one session per test subject, balanced genders.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_THRESHOLDS,
  formatManifest,
  labelCounts,
  parseManifest,
  scoreToLabel,
  scoreToLabelName,
  splitBySubject,
  type ManifestEntry,
} from '../../src/data/manifest.js';

const line = (o: object): string => JSON.stringify(o);

/** n subjects; subject i has 1 session if i % 3 !== 0 else 2; genders alternate; 15 videos per session. */
function population(n: number, genders: Array<'female' | 'male' | undefined> = ['female', 'male']): ManifestEntry[] {
  const out: ManifestEntry[] = [];
  for (let i = 0; i < n; i++) {
    const sessions = i % 3 === 0 ? 2 : 1;
    for (let s = 0; s < sessions; s++) {
      for (let o = 0; o < 15; o++) {
        const e: ManifestEntry = {
          id: `p${i}-${s}-${o}`,
          video: `v/p${i}-${s}-${o}.mp4`,
          subject: `p${i}`,
          session: `p${i}-${s}`,
          score: (i * 7 + o * 13) % 101,
        };
        const g = genders[i % genders.length];
        if (g) e.gender = g;
        out.push(e);
      }
    }
  }
  return out;
}

describe('parseManifest', () => {
  it('reads the documented fields, defaults the id to the file name and keeps unknown fields', () => {
    const text = [
      line({ video: 'videos/a.mp4', subject: 's1', session: 's1-1', score: 80, gender: 'F', outfit: 12, mood: 'x' }),
      '',
      '# a comment',
      line({ id: 'b', video: 'videos/b', subject: 2, session: 's2-1', score: 0, landmarks: 'landmarks/b.json' }),
    ].join('\n');
    const [a, b] = parseManifest(text, 'm.jsonl');
    expect(a).toEqual({
      id: 'a',
      video: 'videos/a.mp4',
      subject: 's1',
      session: 's1-1',
      score: 80,
      gender: 'female',
      outfit: '12',
      extra: { mood: 'x' },
    });
    expect(b).toEqual({
      id: 'b',
      video: 'videos/b',
      subject: '2',
      session: 's2-1',
      score: 0,
      landmarks: 'landmarks/b.json',
    });
    expect(parseManifest(formatManifest([a, b]))).toEqual([a, b]);
  });

  const bad: Array<[string, string, RegExp]> = [
    ['invalid JSON', '{"video": ', /m\.jsonl line 2: not valid JSON/],
    ['not an object', '[1,2]', /line 2: expected a JSON object/],
    ['missing video', line({ subject: 's', session: 's-1', score: 5 }), /line 2: missing required field 'video'/],
    ['missing subject', line({ video: 'x.mp4', session: 's-1', score: 5 }), /line 2: missing required field 'subject'/],
    ['missing session', line({ video: 'x.mp4', subject: 's', score: 5 }), /line 2: missing required field 'session'/],
    ['missing score', line({ video: 'x.mp4', subject: 's', session: 's-1' }), /line 2: missing required field 'score'/],
    [
      'score out of range',
      line({ video: 'x.mp4', subject: 's', session: 's-1', score: 101 }),
      /line 2: field 'score' must be a number from 0 to 100, got 101/,
    ],
    ['score as text', line({ video: 'x.mp4', subject: 's', session: 's-1', score: '50' }), /field 'score'.*got "50"/],
    [
      'bad gender',
      line({ video: 'x.mp4', subject: 's', session: 's-1', score: 5, gender: 'q' }),
      /line 2: field 'gender'/,
    ],
    ['empty subject', line({ video: 'x.mp4', subject: '', session: 's-1', score: 5 }), /line 2: field 'subject'/],
    [
      'duplicate id',
      line({ video: 'dir/ok.mp4', subject: 's', session: 's-1', score: 5 }),
      /line 2: duplicate id 'ok' \(first on line 1\)/,
    ],
  ];
  for (const [what, second, re] of bad) {
    it(`names the line and the field: ${what}`, () => {
      const first = line({ video: 'ok.mp4', subject: 's', session: 's-1', score: 5 });
      expect(() => parseManifest(`${first}\n${second}\n`, 'm.jsonl')).toThrow(re);
    });
  }
});

describe('labels from scores', () => {
  it('defaults: score < 40 negative, 40..60 neutral (both ends), > 60 positive', () => {
    expect(DEFAULT_THRESHOLDS).toEqual({ negativeBelow: 40, positiveAbove: 60 });
    expect([0, 39.9, 40, 50, 60, 60.1, 100].map((s) => scoreToLabel(s))).toEqual([0, 0, 1, 1, 1, 2, 2]);
    expect(scoreToLabelName(75)).toBe('positive');
  });
  it('takes configurable thresholds and rejects crossed ones', () => {
    expect(scoreToLabel(45, { negativeBelow: 50 })).toBe(0);
    expect(scoreToLabel(55, { negativeBelow: 30, positiveAbove: 50 })).toBe(2);
    expect(scoreToLabel(50, { negativeBelow: 50, positiveAbove: 50 })).toBe(1);
    expect(() => scoreToLabel(50, { negativeBelow: 70, positiveAbove: 30 })).toThrow(/negativeBelow <= positiveAbove/);
    const counts = labelCounts(population(6));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(population(6).length);
  });
});

describe('splitBySubject (paper section 4.1)', () => {
  const entries = population(30);
  const split = splitBySubject(entries, { testFraction: 0.2, seed: 3 });

  it('i) test subjects never appear in training, and every entry lands in exactly one side', () => {
    const trainSubjects = new Set(split.train.map((e) => e.subject));
    for (const s of split.testSubjects) expect(trainSubjects.has(s)).toBe(false);
    expect(split.train.length + split.test.length).toBe(entries.length);
  });

  it('ii) each test subject took part in exactly one session (so all have the same number of videos)', () => {
    for (const s of split.testSubjects) {
      expect(new Set(split.test.filter((e) => e.subject === s).map((e) => e.session)).size).toBe(1);
      expect(split.test.filter((e) => e.subject === s)).toHaveLength(15);
    }
  });

  it('iii) the test genders are balanced as well as possible, about 8:2 by subjects', () => {
    expect(split.testSubjects).toHaveLength(6);
    expect(split.testGender.female).toBe(3);
    expect(split.testGender.male).toBe(3);
    const odd = splitBySubject(population(25), { testFraction: 0.2, seed: 1 });
    expect(odd.testSubjects).toHaveLength(5);
    expect(Math.abs(odd.testGender.female - odd.testGender.male)).toBe(1);
    // With few single-session women, the rest are men rather than too small a test set.
    const skewed = population(30, ['female', 'male', 'male']); // every woman has two sessions
    const s2 = splitBySubject(skewed, { testFraction: 0.2, seed: 2 });
    const femaleSingles = [...new Set(skewed.filter((e) => e.gender === 'female').map((e) => e.subject))].filter(
      (s) => new Set(skewed.filter((e) => e.subject === s).map((e) => e.session)).size === 1,
    ).length;
    expect(femaleSingles).toBe(0);
    expect(s2.testSubjects).toHaveLength(6);
    expect(s2.testGender.female).toBe(femaleSingles);
  });

  it('is deterministic by seed, independent of entry order, and differs across seeds', () => {
    const again = splitBySubject([...entries].reverse(), { testFraction: 0.2, seed: 3 });
    expect(again.testSubjects).toEqual(split.testSubjects);
    const seeds = new Set([1, 2, 4, 5, 6].map((seed) => splitBySubject(entries, { seed }).testSubjects.join()));
    expect(seeds.size).toBeGreaterThan(1);
  });

  it("meets the paper's constraints on data that allows them: nothing relaxed, no warning", () => {
    expect(split.relaxed).toEqual([]);
    expect(split.warnings).toEqual([]);
  });

  it('relaxes ii with a warning when too few subjects have a single session, staying subject-disjoint', () => {
    // Every subject has two sessions: the test set still gets 2 of 10 subjects, and the warning says why.
    const multi = population(10).map((e) => ({ ...e, session: `${e.subject}-${Number(e.id.split('-')[2]) % 2}` }));
    const s = splitBySubject(multi, { testFraction: 0.2, seed: 1 });
    expect(s.testSubjects).toHaveLength(2);
    expect(s.relaxed).toContain('single-session');
    expect(s.warnings.join('\n')).toMatch(
      /constraint ii .* relaxed: 0 of 10 subjects have one session but the test set needs 2; 2 test subject\(s\) bring several sessions/,
    );
    const trainSubjects = new Set(s.train.map((e) => e.subject));
    for (const t of s.testSubjects) expect(trainSubjects.has(t)).toBe(false);
    expect(s.train.length + s.test.length).toBe(multi.length);
    // Partly: the single-session subjects go first, then those with the fewest sessions.
    const partly = population(12).map((e, i) =>
      e.subject === 'p1' || e.subject === 'p2' ? e : { ...e, session: `${e.subject}-${i % 2}` },
    );
    const p = splitBySubject(partly, { testFraction: 0.25, seed: 4 });
    expect(p.testSubjects).toHaveLength(3);
    expect(p.testSubjects).toEqual(expect.arrayContaining(['p1', 'p2']));
    expect(p.relaxed).toEqual(['single-session']);
  });

  it('relaxes iii with a warning when genders are unknown or too few of one gender qualify', () => {
    const unknown = population(10, [undefined]);
    const s = splitBySubject(unknown, { seed: 1 });
    expect(s.relaxed).toEqual(['gender-balance']);
    expect(s.warnings[0]).toMatch(
      /constraint iii \(balanced test genders\) relaxed: the test set has 0 female, 0 male, 0 other and 2 unknown subjects \(add a gender field/,
    );
    const skewed = population(30, ['female', 'male', 'male']);
    expect(splitBySubject(skewed, { seed: 2 }).relaxed).toEqual(['gender-balance']);
  });

  it('errors clearly on conflicting genders, too few subjects and a bad testFraction', () => {
    const conflict = population(4);
    conflict[1] = { ...conflict[1], gender: 'male' };
    expect(() => splitBySubject(conflict)).toThrow(/subject 'p0' has two genders/);
    expect(() => splitBySubject(entries, { testFraction: 1 })).toThrow(/testFraction/);
    expect(() => splitBySubject(population(1))).toThrow(/need at least 2 subjects, got 1/);
  });
});
