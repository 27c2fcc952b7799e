// The synthetic SentiGarment-like generator: same seed same bytes, different seeds differ, the
// manifest has SentiGarment's structure, landmarks follow the iBUG 68-point layout inside the frame,
// reactions follow the score, and writeDataset writes a resumable dataset (mp4 or PNG frames).
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateDataset, type SyntheticVideo } from '../../src/data/synthetic/dataset.js';
import { writeDataset } from '../../src/data/synthetic/write-dataset.js';
import { splitBySubject } from '../../src/data/manifest.js';
import { readManifest } from '../../src/data/manifest-node.js';
import { readLandmarks } from '../../src/data/landmark-file-node.js';
import { hasFfmpeg, loadVideo } from '../../src/data/video.js';

const ffmpeg = await hasFfmpeg();
const small = { subjects: 6, size: 48, minSeconds: 1, maxSeconds: 1.5, outfitsPerSession: 5 } as const;

function digest(v: SyntheticVideo): string {
  const h = createHash('sha256');
  for (const f of v.frames) h.update(f);
  for (const l of v.landmarks) h.update(new Uint8Array(l.buffer));
  return h.digest('hex');
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('determinism', () => {
  it('same seed, same manifest and same bytes, in any rendering order', () => {
    const a = generateDataset({ ...small, seed: 7 });
    const b = generateDataset({ ...small, seed: 7 });
    expect(b.entries).toEqual(a.entries);
    const ids = [a.entries[0].id, a.entries[3].id, a.entries.at(-1)!.id];
    const first = ids.map((id) => digest(a.renderVideo(id)));
    const reversed = [...ids]
      .reverse()
      .map((id) => digest(b.renderVideo(id)))
      .reverse();
    expect(reversed).toEqual(first);
    expect(digest(a.renderVideo(ids[0]))).toBe(first[0]); // rendering twice changes nothing
  });

  it('different seeds give different data', () => {
    const a = generateDataset({ ...small, seed: 1 });
    const b = generateDataset({ ...small, seed: 2 });
    expect(a.entries.map((e) => e.score)).not.toEqual(b.entries.map((e) => e.score));
    expect(digest(a.renderVideo(a.entries[0]))).not.toBe(digest(b.renderVideo(b.entries[0])));
  });
});

describe('manifest structure (SentiGarment-like)', () => {
  const ds = generateDataset({ seed: 3, subjects: 20, size: 48 });
  it('15 outfits per session, integer scores 0-100, unique ids, one gender per subject', () => {
    const bySession = new Map<string, number>();
    for (const e of ds.entries) bySession.set(e.session, (bySession.get(e.session) ?? 0) + 1);
    for (const n of bySession.values()) expect(n).toBe(15);
    for (const e of ds.entries) {
      expect(Number.isInteger(e.score) && e.score >= 0 && e.score <= 100).toBe(true);
      expect(e.gender === 'female' || e.gender === 'male').toBe(true);
      expect(e.session.startsWith(`${e.subject}-`)).toBe(true);
    }
    expect(new Set(ds.entries.map((e) => e.id)).size).toBe(ds.entries.length);
    const frames = ds.entries.map((e) => e.synthetic.frames);
    expect(Math.min(...frames)).toBeGreaterThanOrEqual(50); // 2 s at 25 fps
    expect(Math.max(...frames)).toBeLessThanOrEqual(75);
  });
  it('has all three classes and enough single-session subjects for the paper split', () => {
    const scores = ds.entries.map((e) => e.score);
    expect(scores.filter((s) => s < 40).length).toBeGreaterThan(ds.entries.length * 0.15);
    expect(scores.filter((s) => s > 60).length).toBeGreaterThan(ds.entries.length * 0.15);
    expect(scores.filter((s) => s >= 40 && s <= 60).length).toBeGreaterThan(ds.entries.length * 0.1);
    const split = splitBySubject(ds.entries, { seed: 0 });
    expect(split.testSubjects).toHaveLength(4);
  });
  it('rejects bad options with the option named', () => {
    expect(() => generateDataset({ subjects: 0 })).toThrow(/subjects/);
    expect(() => generateDataset({ minSeconds: 3, maxSeconds: 2 })).toThrow(/minSeconds/);
    expect(() => generateDataset({ size: 16 })).toThrow(/size/);
    expect(() => generateDataset({ subjects: 2 }).renderVideo('nope')).toThrow(/no synthetic entry 'nope'/);
  });
});

describe('landmarks', () => {
  const ds = generateDataset({ ...small, seed: 11, size: 64 });
  const videos = ds.entries.slice(0, 8).map((e) => ds.renderVideo(e));

  it('one 68-point track per frame, inside the frame, exact and jittered', () => {
    for (const v of videos) {
      expect(v.landmarks).toHaveLength(v.frames.length);
      expect(v.landmarksExact).toHaveLength(v.frames.length);
      let outside = 0;
      for (const track of [v.landmarks, v.landmarksExact]) {
        for (const lm of track) {
          expect(lm.length).toBe(136);
          for (let i = 0; i < 68; i++) {
            if (!(lm[2 * i] >= 0 && lm[2 * i] <= v.width - 1 && lm[2 * i + 1] >= 0 && lm[2 * i + 1] <= v.height - 1))
              outside++;
          }
        }
      }
      expect(outside).toBe(0);
    }
  });

  it('follow the iBUG layout: jaw 0-16, brows 17-26, nose 27-35, eyes 36-47, mouth 48-67', () => {
    const mx = (lm: Float32Array, a: number, b: number): number =>
      mean(Array.from({ length: b - a + 1 }, (_, i) => lm[2 * (a + i)]));
    const my = (lm: Float32Array, a: number, b: number): number =>
      mean(Array.from({ length: b - a + 1 }, (_, i) => lm[2 * (a + i) + 1]));
    for (const v of videos) {
      for (const lm of v.landmarksExact) {
        expect(mx(lm, 36, 41)).toBeLessThan(mx(lm, 42, 47)); // image-left eye left of image-right eye
        expect(mx(lm, 17, 21)).toBeLessThan(mx(lm, 22, 26));
        expect(lm[0]).toBeLessThan(lm[32]); // jaw 0 left of jaw 16
        expect(my(lm, 17, 26)).toBeLessThan(my(lm, 36, 47)); // brows above eyes
        expect(my(lm, 36, 47)).toBeLessThan(lm[2 * 30 + 1]); // eyes above the nose tip
        expect(lm[2 * 27 + 1]).toBeLessThan(lm[2 * 30 + 1]); // nose bridge runs down to the tip
        expect(lm[2 * 33 + 1]).toBeLessThan(my(lm, 48, 67)); // mouth below the nose
        expect(my(lm, 48, 67)).toBeLessThan(lm[2 * 8 + 1]); // chin below the mouth
        expect(lm[2 * 48]).toBeLessThan(lm[2 * 54]); // mouth corners in order
        expect(mx(lm, 36, 41)).toBeLessThan(lm[2 * 30]);
        expect(lm[2 * 30]).toBeLessThan(mx(lm, 42, 47)); // nose between the eyes
      }
    }
  });

  it('detector jitter is small (about 1 % of the inter-ocular distance) but present', () => {
    const errs: number[] = [];
    for (const v of videos) {
      v.landmarks.forEach((lm, t) => {
        const ex = v.landmarksExact[t];
        const iod = Math.hypot(ex[90] - ex[72], ex[91] - ex[73]);
        for (let i = 0; i < 68; i++) errs.push(Math.hypot(lm[2 * i] - ex[2 * i], lm[2 * i + 1] - ex[2 * i + 1]) / iod);
      });
    }
    expect(mean(errs)).toBeGreaterThan(0.003);
    expect(mean(errs)).toBeLessThan(0.03);
  });
});

describe('reactions follow the score', () => {
  it('positive videos smile (mouth corners up) more than negative ones, with noise', () => {
    const ds = generateDataset({ seed: 5, subjects: 12, size: 48, minSeconds: 2, maxSeconds: 2, outfitsPerSession: 8 });
    const lift = (v: SyntheticVideo): number => {
      // Corner lift relative to the lip centre, at the reaction's peak, minus the first frame's.
      const f = (lm: Float32Array): number =>
        ((lm[2 * 62 + 1] + lm[2 * 66 + 1]) / 2 - (lm[2 * 48 + 1] + lm[2 * 54 + 1]) / 2) /
        Math.hypot(lm[90] - lm[72], lm[91] - lm[73]);
      const vals = v.landmarksExact.map(f);
      const d = vals.map((x) => x - vals[0]);
      return d.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a), 0);
    };
    const pos: number[] = [];
    const neg: number[] = [];
    for (const e of ds.entries) {
      if (e.score > 70) pos.push(lift(ds.renderVideo(e)));
      else if (e.score < 30) neg.push(lift(ds.renderVideo(e)));
    }
    expect(pos.length).toBeGreaterThan(5);
    expect(neg.length).toBeGreaterThan(5);
    expect(mean(pos)).toBeGreaterThan(mean(neg));
    // Not trivially separable: some videos go against their label.
    expect(Math.min(...pos)).toBeLessThan(Math.max(...neg));
  });
});

describe('writeDataset', () => {
  const opts = {
    seed: 4,
    subjects: 2,
    sessionsPerSubject: 1,
    outfitsPerSession: 3,
    size: 48,
    minSeconds: 1,
    maxSeconds: 1,
  } as const;

  it('names a missing folder argument instead of failing inside node:path', async () => {
    await expect(writeDataset({ seed: 1 } as never)).rejects.toThrow(
      /writeDataset: dir must be a folder path \(string\), got object; the options come second/,
    );
  });

  it('writes PNG frame folders, landmarks and a manifest that parses; a rerun resumes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plm-ipe-syn-'));
    try {
      const out = await writeDataset(dir, { ...opts, format: 'png' });
      expect(out.rendered).toBe(6);
      const entries = await readManifest(out.manifest);
      expect(entries).toHaveLength(6);
      const video = await loadVideo(entries[0].video);
      const lm = await readLandmarks(entries[0].landmarks!);
      expect(video.frames).toHaveLength(25);
      expect(lm.landmarks).toHaveLength(25);
      expect(lm.exact).toHaveLength(25);
      const fresh = generateDataset(opts).renderVideo(entries[0].id);
      expect(Buffer.from(video.frames[7]).equals(Buffer.from(fresh.frames[7]))).toBe(true); // PNG is lossless
      expect((await writeDataset(dir, { ...opts, format: 'png' })).rendered).toBe(0);
      fs.rmSync(entries[2].video, { recursive: true });
      expect((await writeDataset(dir, { ...opts, format: 'png' })).rendered).toBe(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!ffmpeg)('writes mp4 videos that decode to the right number of frames', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plm-ipe-syn-'));
    try {
      const out = await writeDataset(dir, { ...opts, format: 'mp4' });
      const entries = await readManifest(out.manifest);
      for (const e of entries) {
        expect(e.video.endsWith('.mp4')).toBe(true);
        const v = await loadVideo(e.video);
        expect(v.frames).toHaveLength(25);
        expect([v.width, v.height]).toEqual([48, 48]);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
