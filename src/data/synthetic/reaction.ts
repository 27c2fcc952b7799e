// How a subject reacts to one outfit, frame by frame: from the rated score (0-100) to the valence
// the face shows (with label noise), then to time curves of expressions, head pose, appearance cues
// and gaze, on top of idle behaviour (drift, blinks, small distractor movements).
// Imports the face model's types and the sampling helpers; no rendering.
import { neutralExpression, type Expression } from './face-model.js';
import type { Subject } from './subject.js';
import { clamp, int, normal, pick, uniform, type Uniform } from './random.js';

/**
 * Appearance-only cues (0-1): they change pixels but hardly move any landmark, which is how
 * "mouth-style" subjects show a reaction.
 */
export interface Look {
  /** Teeth showing between the lips (smile). */
  teeth: number;
  /** Smile folds from nose to mouth corners and raised cheeks. */
  folds: number;
  /** Cheek redness. */
  blush: number;
  /** Vertical furrow lines between the brows (frown). */
  furrow: number;
  /** Lips pressed pale with a darker lip line. */
  lipPale: number;
}

/** Everything that changes in one frame. */
export interface FrameState {
  expression: Expression;
  /** Head rotation in radians. */
  yaw: number;
  pitch: number;
  roll: number;
  /** Head translation as a fraction of the frame size, and relative size change. */
  dx: number;
  dy: number;
  dscale: number;
  look: Look;
  /** Gaze offset as a fraction of the eye width (x) and height (y). */
  gazeX: number;
  gazeY: number;
}

/** A video's behaviour: per-frame states plus what was expressed (for diagnostics). */
export interface ReactionPlan {
  frames: FrameState[];
  /** Valence the face shows, -1..1 (differs from the score's valence by noise, sometimes a lot). */
  expressedValence: number;
  /** Reaction strength after the subject's expressiveness, 0 for none. */
  intensity: number;
}

/** Probability that a video's reaction ignores its score entirely (mislabelled or unreadable reaction). */
export const LABEL_NOISE = 0.1;

/** How strongly faces react (the dataset's `reactionGain` and `neutralBand` knobs). */
export interface ReactionOptions {
  /**
   * Multiplies every reaction's strength (1: the default). Above 1 the strength saturates smoothly
   * at about 1.5, so strong reactions stay plausible while weak ones become visible.
   */
  gain?: number;
  /** Shown valence below which the face shows no reaction, 0-1 (0.2: the neutral label band's half-width). */
  neutralBand?: number;
}

function smoothstep(x: number): number {
  const t = clamp(x, 0, 1);
  return t * t * (3 - 2 * t);
}

/**
 * Plans one reaction video of `frameCount` frames at `fps` for a subject who rated the outfit `score`.
 * `rng` must be this video's own generator.
 */
export function planReaction(
  subject: Subject,
  score: number,
  frameCount: number,
  fps: number,
  rng: Uniform,
  options: ReactionOptions = {},
): ReactionPlan {
  const duration = frameCount / fps;
  // The draws below come in a fixed order from the video's generator: same seed, same video.
  const { valence, magnitude, intensity, w } = sampleStrength(subject, score, rng, options);
  const positive = valence > 0;
  const ns = subject.negStyle;
  const { onset, envelope } = sampleEnvelope(rng, duration);
  const gestureFreq = positive ? uniform(rng, 1.4, 2.2) : uniform(rng, 2.0, 3.0);
  const gestureCycles = uniform(rng, 1, 2.5);
  const idle = sampleIdleDrift(rng);
  const rest = subject.restlessness;
  const blinks = sampleBlinks(rng, duration, subject.blinkRate);
  const events = sampleDistractors(rng, duration, magnitude);
  const gazeTargets = sampleGaze(rng, duration);

  const frames: FrameState[] = [];
  for (let f = 0; f < frameCount; f++) {
    const t = f / fps;
    const e = neutralExpression();
    const look: Look = { teeth: 0, folds: 0, blush: 0, furrow: 0, lipPale: 0 };
    const env = envelope(t) * intensity;
    // Gesture phase starts at the onset and lasts a few cycles.
    const gt = t - onset;
    const gestureEnv =
      gt > 0 && gt * gestureFreq < gestureCycles ? Math.sin((Math.PI * gt * gestureFreq) / gestureCycles) : 0;
    const wave = Math.sin(2 * Math.PI * gestureFreq * Math.max(0, gt));
    let yaw = 0.03 * rest * idle(0, t);
    let pitch = 0.02 * rest * idle(1, t);
    let roll = 0.015 * rest * idle(2, t);
    const dx = 0.012 * rest * idle(3, t);
    const dy = 0.01 * rest * idle(4, t);
    let dscale = 0.01 * rest * idle(5, t);
    if (intensity > 0) {
      if (positive) {
        e.smile = env * (0.35 + 0.45 * w);
        e.browRaise = env * 0.9 * w;
        look.teeth = env * (1 - w);
        look.folds = env * (0.9 * (1 - w) + 0.2);
        look.blush = env * 0.6 * (1 - w);
        pitch += intensity * w * 0.07 * gestureEnv * wave;
        roll += env * w * 0.03;
      } else {
        e.frownBrow = env * (0.25 + 0.75 * w) * (0.4 + 0.6 * ns);
        e.frownMouth = env * (0.35 + 0.3 * w);
        e.lipPress = env * (0.3 + 0.4 * (1 - w)) * (1 - 0.5 * ns);
        look.furrow = env * (1 - w) * (0.5 + 0.5 * ns);
        look.lipPale = env * (1 - w) * (1 - 0.5 * ns);
        yaw += intensity * w * 0.1 * gestureEnv * wave;
        dscale -= env * w * 0.03;
      }
    }
    for (const ev of events) {
      const u = (t - ev.t0) / ev.len;
      if (u > 0 && u < 1) e[ev.kind] += ev.amount * Math.sin(Math.PI * u);
    }
    for (const b of blinks) {
      const d = (t - b) * fps;
      if (d > -2 && d < 3) e.blink = Math.max(e.blink, d < 0 ? 1 + d / 2 : 1 - d / 3);
    }
    let gi = 0;
    while (gi + 1 < gazeTargets.length && gazeTargets[gi + 1].t <= t) gi++;
    frames.push({
      expression: e,
      yaw,
      pitch,
      roll,
      dx,
      dy,
      dscale,
      look,
      gazeX: gazeTargets[gi].x,
      gazeY: gazeTargets[gi].y,
    });
  }
  return { frames, expressedValence: valence, intensity };
}

/**
 * What the face shows: the rating's valence plus noise (now and then something unrelated), how far it is
 * past the neutral band, the reaction's strength, and `w`, how much of it goes to the brows and head
 * (1) rather than the mouth and skin (0).
 */
function sampleStrength(
  subject: Subject,
  score: number,
  rng: Uniform,
  options: ReactionOptions,
): { valence: number; magnitude: number; intensity: number; w: number } {
  const gain = options.gain ?? 1;
  const band = options.neutralBand ?? 0.2;
  let valence = (score - 50) / 50 + normal(rng, 0, 0.18);
  if (rng() < LABEL_NOISE) valence = uniform(rng, -1, 1);
  valence = clamp(valence, -1, 1);
  const magnitude = Math.max(0, Math.abs(valence) - band) / (1 - band);
  const raw = subject.expressiveness * Math.pow(magnitude, 0.8) * Math.exp(normal(rng, 0, 0.25));
  // gain 1 keeps the raw strength; above 1, 1.5·tanh(gain·raw/1.5) (about gain·raw when small).
  const intensity = gain === 1 ? raw : 1.5 * Math.tanh((gain * raw) / 1.5);
  const w = clamp(subject.style + normal(rng, 0, 0.08), 0, 1);
  return { valence, magnitude, intensity, w };
}

/** The reaction's envelope (0-1 over time): onset after the outfit appears, rise, hold, decay. */
function sampleEnvelope(rng: Uniform, duration: number): { onset: number; envelope: (t: number) => number } {
  const onset = Math.min(uniform(rng, 0.25, 1.1), duration * 0.35);
  const rise = uniform(rng, 0.25, 0.6);
  const hold = uniform(rng, 0.8, 2.5);
  const decay = uniform(rng, 0.4, 1.0);
  const envelope = (t: number): number =>
    t < onset + rise + hold ? smoothstep((t - onset) / rise) : 1 - smoothstep((t - onset - rise - hold) / decay);
  return { onset, envelope };
}

/** Idle head drift: two slow sinusoids with random phases for each of six pose axes (`k`), in -1..1. */
function sampleIdleDrift(rng: Uniform): (k: number, t: number) => number {
  const drift = Array.from({ length: 6 }, () => ({
    f1: uniform(rng, 0.08, 0.35),
    p1: uniform(rng, 0, 2 * Math.PI),
    f2: uniform(rng, 0.3, 0.8),
    p2: uniform(rng, 0, 2 * Math.PI),
  }));
  return (k, t) =>
    0.65 * Math.sin(2 * Math.PI * drift[k].f1 * t + drift[k].p1) +
    0.35 * Math.sin(2 * Math.PI * drift[k].f2 * t + drift[k].p2);
}

/** Blink times (seconds): a Poisson process; each blink closes over ~2 frames and reopens over ~3. */
function sampleBlinks(rng: Uniform, duration: number, blinkRate: number): number[] {
  const blinks: number[] = [];
  for (let t = (-Math.log(1 - rng()) / blinkRate) * 0.5; t < duration; t += -Math.log(1 - rng()) / blinkRate)
    blinks.push(t);
  return blinks;
}

type DistractorKind = 'mouthOpen' | 'browRaise' | 'smile' | 'lipPress' | 'frownBrow';

/** Distractor micro-movements in every video (more in neutral ones: people look around). */
function sampleDistractors(
  rng: Uniform,
  duration: number,
  magnitude: number,
): Array<{ kind: DistractorKind; t0: number; len: number; amount: number }> {
  const events: Array<{ kind: DistractorKind; t0: number; len: number; amount: number }> = [];
  const nEvents = int(rng, 0, Math.max(1, Math.round(duration * (magnitude < 0.2 ? 0.6 : 0.3))));
  for (let i = 0; i < nEvents; i++) {
    events.push({
      kind: pick(rng, ['mouthOpen', 'mouthOpen', 'browRaise', 'smile', 'lipPress', 'frownBrow'] as const),
      t0: uniform(rng, 0, duration),
      len: uniform(rng, 0.25, 0.8),
      amount: uniform(rng, 0.08, 0.3),
    });
  }
  return events;
}

/** Where the eyes look from time `t` on (fractions of the eye's size), starting near the centre. */
function sampleGaze(rng: Uniform, duration: number): Array<{ t: number; x: number; y: number }> {
  const targets: Array<{ t: number; x: number; y: number }> = [
    { t: 0, x: normal(rng, 0, 0.08), y: normal(rng, 0, 0.06) },
  ];
  for (let t = uniform(rng, 0.4, 1.5); t < duration; t += uniform(rng, 0.4, 2)) {
    targets.push({ t, x: normal(rng, 0, 0.12), y: normal(rng, 0.02, 0.08) });
  }
  return targets;
}
