// The SentiGarment-like synthetic dataset: subjects, sessions of 15 outfits with latent scores, and
// a lazy renderer that turns any manifest entry into RGB frames plus exact and detector-like 68-point
// landmarks. Same options and seed, same bytes. Runs anywhere (no Node imports); writing to disk
// lives in write-dataset.ts.
import { createRng } from '../../tensor/random.js';
import type { ManifestEntry } from '../manifest.js';
import type { RgbVideo } from '../types.js';
import { expressFace, identityFace, projectFace, HEAD } from './face-model.js';
import { Canvas } from './raster.js';
import { planReaction } from './reaction.js';
import { renderBackground, renderFrame } from './render.js';
import { int, normal, shuffle, uniform } from './random.js';
import { sampleSession, sampleSubject, type Session, type Subject } from './subject.js';

/** Knobs of the synthetic dataset. */
export interface SyntheticOptions {
  /** Seed of everything. Default 0. */
  seed?: number | string;
  /** Number of subjects. Default 24. */
  subjects?: number;
  /**
   * Sessions per subject: a number, or `[min, max]` drawn per subject. Default `[1, 2]`; at least 40 %
   * of subjects keep a single session so that the paper's split (test subjects have one session) works.
   */
  sessionsPerSubject?: number | readonly [number, number];
  /** Outfits shown per session. Default 15, as in SentiGarment. */
  outfitsPerSession?: number;
  /** Size of the outfit pool sessions draw from. Default 60. */
  outfitPool?: number;
  /** Frame size: a number for square, or `[width, height]`. Default 112. */
  size?: number | readonly [number, number];
  /** Frames per second. Default 25. */
  fps?: number;
  /** Shortest and longest clip in seconds (SentiGarment: at most 10). Defaults 2 and 3. */
  minSeconds?: number;
  maxSeconds?: number;
  /** Detector-like landmark noise, as a fraction of the inter-ocular distance. Default 0.01. */
  landmarkJitter?: number;
  /**
   * Multiplies the strength of every reaction (saturating at about 1.5). Default 1. Raise it for
   * small frames, where a weak smile is a pixel or two.
   */
  reactionGain?: number;
  /** Shown valence (-1..1) below which a face does not react. Default 0.2 (the half-width of the neutral label band). */
  neutralBand?: number;
  /**
   * Scales how far an expression moves the face (smile, frown, brow raise...; not blinks or head
   * motion). Default 1, a subtle expression; larger values make the reaction visible at small frame sizes.
   */
  expressionScale?: number;
}

/** A manifest entry of the synthetic set, with what the renderer needs. */
export interface SyntheticEntry extends ManifestEntry {
  synthetic: {
    subjectIndex: number;
    sessionIndex: number;
    outfitIndex: number;
    frames: number;
  };
}

/** A rendered synthetic video. */
export interface SyntheticVideo extends RgbVideo {
  /** Detector-like landmarks per frame (exact plus jitter), 68 × 2 floats, pixels. */
  landmarks: Float32Array[];
  /** The exact landmarks the frame was drawn from. */
  landmarksExact: Float32Array[];
  /** Valence the face actually shows (-1..1); differs from the score's by noise. */
  expressedValence: number;
  /** Reaction strength (0 = none). */
  intensity: number;
}

/** The generated dataset: the manifest and a lazy renderer. */
export interface SyntheticDataset {
  /** The options with every default filled in. */
  options: Required<Omit<SyntheticOptions, 'size' | 'sessionsPerSubject'>> & {
    width: number;
    height: number;
    sessionsPerSubject: [number, number];
  };
  /** One entry per video, in subject, session, outfit order. */
  entries: SyntheticEntry[];
  /** The subjects, by index. */
  subjects: Subject[];
  /** Renders an entry (or the entry with this id). Deterministic; entries can be rendered in any order. */
  renderVideo(entry: SyntheticEntry | string): SyntheticVideo;
}

const noiseTables = new Map<string, Float32Array>();

function noiseTable(seed: string): Float32Array {
  let t = noiseTables.get(seed);
  if (!t) {
    const rng = createRng(`${seed}/noise`);
    t = new Float32Array(1 << 16);
    for (let i = 0; i < t.length; i++) t[i] = normal(rng);
    if (noiseTables.size > 4) noiseTables.clear();
    noiseTables.set(seed, t);
  }
  return t;
}

/**
 * Builds the manifest of a synthetic SentiGarment-like dataset (no pixels yet; see `renderVideo`).
 * @example
 * const ds = generateDataset({ seed: 1, subjects: 8, size: 64 });
 * const video = ds.renderVideo(ds.entries[0]); // frames, landmarks, landmarksExact
 */
export function generateDataset(options: SyntheticOptions = {}): SyntheticDataset {
  const resolved = resolveOptions(options);
  const { seed } = resolved;
  const outfits = sampleOutfits(seed, resolved.outfitPool);
  const subjects = Array.from({ length: resolved.subjects }, (_, i) => sampleSubject(seed, i));
  const entries = listEntries(
    resolved,
    subjects,
    outfits,
    sessionCounts(seed, resolved.subjects, resolved.sessionsPerSubject),
  );
  const byId = new Map(entries.map((e) => [e.id, e]));
  const sessions = new Map<string, Session>();

  const renderVideo = (ref: SyntheticEntry | string): SyntheticVideo => {
    const entry = typeof ref === 'string' ? byId.get(ref) : byId.get(ref.id);
    if (!entry)
      throw new Error(`renderVideo: no synthetic entry '${typeof ref === 'string' ? ref : ref.id}' in this dataset`);
    const { subjectIndex, sessionIndex } = entry.synthetic;
    const subject = subjects[subjectIndex];
    let session = sessions.get(entry.session);
    if (!session) {
      session = sampleSession(seed, subject, sessionIndex);
      sessions.set(entry.session, session);
    }
    return renderSynthetic(entry, subject, session, resolved);
  };

  return { options: resolved, entries, subjects, renderVideo };
}

type ResolvedOptions = SyntheticDataset['options'] & { seed: string };

/** The options with every default filled in; throws naming the first one out of range. */
function resolveOptions(options: SyntheticOptions): ResolvedOptions {
  const seed = String(options.seed ?? 0);
  const nSubjects = options.subjects ?? 24;
  const spsRaw = options.sessionsPerSubject ?? [1, 2];
  const sps: [number, number] = typeof spsRaw === 'number' ? [spsRaw, spsRaw] : [spsRaw[0], spsRaw[1]];
  const outfitsPerSession = options.outfitsPerSession ?? 15;
  const outfitPool = Math.max(options.outfitPool ?? 60, outfitsPerSession);
  const [width, height] =
    typeof options.size === 'number' || options.size === undefined
      ? [options.size ?? 112, options.size ?? 112]
      : [options.size[0], options.size[1]];
  const fps = options.fps ?? 25;
  const minSeconds = options.minSeconds ?? 2;
  const maxSeconds = options.maxSeconds ?? 3;
  const landmarkJitter = options.landmarkJitter ?? 0.01;
  const reactionGain = options.reactionGain ?? 1;
  const expressionScale = options.expressionScale ?? 1;
  const neutralBand = options.neutralBand ?? 0.2;
  const fail = (what: string): never => {
    throw new Error(`generateDataset: ${what}`);
  };
  if (!(expressionScale > 0 && Number.isFinite(expressionScale))) {
    fail(`expressionScale must be a positive number, got ${expressionScale}`);
  }
  if (!(reactionGain > 0 && Number.isFinite(reactionGain)))
    fail(`reactionGain must be a positive number, got ${reactionGain}`);
  if (!(neutralBand >= 0 && neutralBand < 1)) fail(`neutralBand must be in [0, 1), got ${neutralBand}`);
  if (!(Number.isInteger(nSubjects) && nSubjects >= 1)) fail(`subjects must be a positive integer, got ${nSubjects}`);
  if (!(sps[0] >= 1 && sps[1] >= sps[0] && Number.isInteger(sps[0]) && Number.isInteger(sps[1]))) {
    fail(`sessionsPerSubject must be a positive integer or [min, max], got ${JSON.stringify(spsRaw)}`);
  }
  if (!(outfitsPerSession >= 1)) fail(`outfitsPerSession must be at least 1, got ${outfitsPerSession}`);
  if (!(width >= 32 && height >= 32)) fail(`size must be at least 32x32, got ${width}x${height}`);
  if (!(fps > 0)) fail(`fps must be positive, got ${fps}`);
  if (!(minSeconds > 0 && maxSeconds >= minSeconds && maxSeconds <= 60)) {
    fail(`need 0 < minSeconds <= maxSeconds <= 60, got ${minSeconds} and ${maxSeconds}`);
  }
  return {
    seed,
    subjects: nSubjects,
    sessionsPerSubject: sps,
    outfitsPerSession,
    outfitPool,
    width,
    height,
    fps,
    minSeconds,
    maxSeconds,
    landmarkJitter,
    reactionGain,
    neutralBand,
    expressionScale,
  };
}

interface Outfit {
  appeal: number;
  style: number[];
}

/** The outfit pool: a general appeal and a style vector that meets each subject's taste. */
function sampleOutfits(seed: string, pool: number): Outfit[] {
  const orng = createRng(`${seed}/outfits`);
  return Array.from({ length: pool }, () => ({
    appeal: normal(orng),
    style: [normal(orng), normal(orng), normal(orng)].map((v) => v / Math.sqrt(3)),
  }));
}

/**
 * Sessions per subject, drawn from `sps`; when the range allows one session, at least 40 % of the subjects
 * get a single one, which the paper's split needs.
 */
function sessionCounts(seed: string, nSubjects: number, sps: [number, number]): number[] {
  const srng = createRng(`${seed}/sessions`);
  const counts = Array.from({ length: nSubjects }, () => (srng() < 0.5 ? sps[0] : int(srng, sps[0], sps[1])));
  if (sps[0] === 1) {
    const need = Math.ceil(0.4 * nSubjects);
    const order = shuffle(
      srng,
      counts.map((_, i) => i),
    );
    let have = counts.filter((c) => c === 1).length;
    for (const i of order) {
      if (have >= need) break;
      if (counts[i] !== 1) {
        counts[i] = 1;
        have++;
      }
    }
  }
  return counts;
}

/** The manifest: per subject and session, the outfits shown, each with its score and clip length. */
function listEntries(o: ResolvedOptions, subjects: Subject[], outfits: Outfit[], counts: number[]): SyntheticEntry[] {
  const entries: SyntheticEntry[] = [];
  for (const subject of subjects) {
    const prng = createRng(`${o.seed}/scores/${subject.index}`);
    for (let session = 0; session < counts[subject.index]; session++) {
      const shown = shuffle(
        prng,
        outfits.map((_, i) => i),
      ).slice(0, o.outfitsPerSession);
      shown.forEach((i, slot) => {
        const outfit = outfits[i];
        const [t, st] = [subject.taste, outfit.style];
        const taste = t[0] * st[0] + t[1] * st[1] + t[2] * st[2];
        const raw = 50 + 24 * (0.6 * outfit.appeal + 0.7 * taste + subject.bias) + normal(prng, 0, 8);
        const score = Math.round(Math.min(100, Math.max(0, raw)));
        const seconds = uniform(prng, o.minSeconds, o.maxSeconds);
        const id = `${subject.id}-${session + 1}-${String(slot + 1).padStart(2, '0')}`;
        const frames = Math.max(1, Math.round(seconds * o.fps));
        entries.push({
          id,
          video: `videos/${id}.mp4`,
          subject: subject.id,
          session: `${subject.id}-${session + 1}`,
          score,
          gender: subject.gender,
          outfit: `o${String(i + 1).padStart(3, '0')}`,
          landmarks: `landmarks/${id}.json`,
          synthetic: { subjectIndex: subject.index, sessionIndex: session, outfitIndex: i, frames },
        });
      });
    }
  }
  return entries;
}

function renderSynthetic(
  entry: SyntheticEntry,
  subject: Subject,
  session: Session,
  o: {
    seed: string;
    width: number;
    height: number;
    fps: number;
    landmarkJitter: number;
    reactionGain: number;
    neutralBand: number;
    expressionScale: number;
  },
): SyntheticVideo {
  const { width: W, height: H, fps } = o;
  const rng = createRng(`${o.seed}/video/${entry.id}`);
  const plan = planReaction(subject, entry.score, entry.synthetic.frames, fps, rng, {
    gain: o.reactionGain,
    neutralBand: o.neutralBand,
  });
  const identity = identityFace(subject.shape);
  const canvas = new Canvas(W, H);
  const ctx = {
    canvas,
    background: renderBackground(W, H, session),
    subject,
    session,
    faceMask: new Float32Array(W * H),
    noise: noiseTable(o.seed),
  };
  const baseScale = (session.faceSize * H) / (2 * HEAD.b * subject.shape.length);
  const frames: Uint8Array[] = [];
  const landmarks: Float32Array[] = [];
  const exact: Float32Array[] = [];
  const flickerPhase = uniform(rng, 0, 2 * Math.PI);
  // Detector error: a slowly wandering offset of the whole shape plus independent per-point noise.
  let biasX = 0;
  let biasY = 0;
  for (const state of plan.frames) {
    const scale = baseScale * (1 + state.dscale);
    const pose = {
      yaw: state.yaw,
      pitch: state.pitch,
      roll: state.roll,
      scale,
      x: (session.faceX + state.dx) * W,
      y: (session.faceY + state.dy) * H - HEAD.cy * scale * subject.shape.length,
    };
    const face = expressFace(identity, state.expression, subject.shape.width, subject.shape.length, o.expressionScale);
    const P = projectFace(face, pose);
    const out = new Uint8Array(W * H * 3);
    const gain = 1 + 0.012 * Math.sin(2 * Math.PI * 0.7 * (frames.length / fps) + flickerPhase) + normal(rng, 0, 0.003);
    renderFrame(ctx, P, pose, state, gain, Math.floor(rng() * 65536), out);
    frames.push(out);
    const lmExact = new Float32Array(136);
    for (let i = 0; i < 136; i++) lmExact[i] = P[i];
    const iod = Math.hypot(P[2 * 45] - P[2 * 36], P[2 * 45 + 1] - P[2 * 36 + 1]);
    const sigma = o.landmarkJitter * iod;
    biasX = 0.85 * biasX + normal(rng, 0, 0.5 * sigma);
    biasY = 0.85 * biasY + normal(rng, 0, 0.5 * sigma);
    const lm = new Float32Array(136);
    for (let i = 0; i < 68; i++) {
      lm[2 * i] = Math.min(W - 1, Math.max(0, P[2 * i] + biasX + normal(rng, 0, sigma)));
      lm[2 * i + 1] = Math.min(H - 1, Math.max(0, P[2 * i + 1] + biasY + normal(rng, 0, sigma)));
    }
    exact.push(lmExact);
    landmarks.push(lm);
  }
  return {
    width: W,
    height: H,
    fps,
    frames,
    landmarks,
    landmarksExact: exact,
    expressedValence: plan.expressedValence,
    intensity: plan.intensity,
  };
}
