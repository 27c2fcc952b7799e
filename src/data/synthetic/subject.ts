// Who is filmed and where: sampling a synthetic subject (face shape, skin, hair, gender, how they
// react, their taste in outfits) and a recording session (lighting, background, camera noise,
// framing). Each draw uses its own seeded generator, so any subject or session can be rebuilt alone.
// Imports only the tensor module's createRng and the face model's types.
import { createRng } from '../../tensor/random.js';
import type { FaceShape } from './face-model.js';
import type { Rgb } from './raster.js';
import { clamp, normal, pick, uniform, type Uniform } from './random.js';

/** Hair cuts the renderer knows. */
export type HairStyle = 'short' | 'long' | 'bob' | 'bun' | 'buzz';

/** A synthetic volunteer. */
export interface Subject {
  index: number;
  /** Subject id as written in the manifest, e.g. `s007`. */
  id: string;
  gender: 'female' | 'male';
  shape: FaceShape;
  skin: Rgb;
  lip: Rgb;
  hair: Rgb;
  hairStyle: HairStyle;
  /** How far the fringe comes down over the forehead (0-1). */
  fringe: number;
  brow: Rgb;
  /** Brow thickness in model units. */
  browThickness: number;
  iris: Rgb;
  /** Beard shadow strength (0-1). */
  stubble: number;
  /**
   * How the subject shows a reaction: 0 = mostly in the mouth's appearance (teeth, smile folds, lip
   * colour, brow furrows: visible in pixels while landmarks barely move), 1 = mostly through head and
   * brow motion (nods, shakes, brow raises: large landmark motion, little appearance change).
   */
  style: number;
  /** Negative reactions: 0 = lip press, 1 = frown. */
  negStyle: number;
  /** Overall reaction strength (0.3-1.2); some people barely react. */
  expressiveness: number;
  /** Blinks per second. */
  blinkRate: number;
  /** Idle head-motion amplitude multiplier. */
  restlessness: number;
  /** Taste: a vector dotted with an outfit's style vector. */
  taste: [number, number, number];
  /** Score offset: some people rate everything high. */
  bias: number;
}

const SKIN_STOPS: Rgb[] = [
  [244, 210, 186],
  [226, 176, 142],
  [200, 140, 100],
  [150, 95, 62],
  [96, 60, 40],
];
const HAIR_COLOURS: Rgb[] = [
  [28, 24, 22],
  [52, 36, 26],
  [92, 62, 40],
  [150, 110, 70],
  [196, 164, 112],
  [130, 62, 34],
  [150, 148, 146],
];
const IRIS_COLOURS: Rgb[] = [
  [70, 45, 30],
  [45, 30, 20],
  [60, 90, 120],
  [80, 110, 70],
  [110, 85, 50],
];

function lerpRgb(a: Rgb, b: Rgb, t: number): [number, number, number] {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

function sampleSkin(rng: Uniform): Rgb {
  const t = rng() * (SKIN_STOPS.length - 1);
  const i = Math.min(SKIN_STOPS.length - 2, Math.floor(t));
  const c = lerpRgb(SKIN_STOPS[i], SKIN_STOPS[i + 1], t - i);
  return [
    clamp(c[0] + normal(rng, 0, 5), 0, 255),
    clamp(c[1] + normal(rng, 0, 5), 0, 255),
    clamp(c[2] + normal(rng, 0, 5), 0, 255),
  ];
}

/** Subject `index` of the dataset drawn from `seed` (independent of every other subject). */
export function sampleSubject(seed: number | string, index: number): Subject {
  const rng = createRng(`${seed}/subject/${index}`);
  const gender = rng() < 0.5 ? 'female' : 'male';
  const female = gender === 'female';
  const jitter = new Float64Array(136);
  for (let i = 0; i < 136; i++) jitter[i] = normal(rng, 0, 0.004);
  const shape: FaceShape = {
    width: uniform(rng, 0.9, 1.1) * (female ? 0.97 : 1.02),
    length: uniform(rng, 0.93, 1.07),
    jaw: uniform(rng, -0.05, 0.06) + (female ? -0.02 : 0.02),
    eyeSpacing: uniform(rng, -0.025, 0.025),
    eyeSize: uniform(rng, 0.88, 1.2),
    mouthWidth: uniform(rng, 0.87, 1.13),
    lips: uniform(rng, 0.75, 1.35) * (female ? 1.08 : 0.95),
    noseLength: uniform(rng, 0.92, 1.12),
    browHeight: uniform(rng, -0.02, 0.015),
    jitter,
  };
  const skin = sampleSkin(rng);
  const lipTint = female && rng() < 0.4 ? uniform(rng, 0.25, 0.45) : uniform(rng, 0.1, 0.22);
  const lip = lerpRgb(skin, [165, 60, 70], lipTint).map((v) => v * 0.9) as unknown as Rgb;
  const hair = rng() < 0.1 && !female ? HAIR_COLOURS[6] : pick(rng, HAIR_COLOURS.slice(0, 6));
  const hairStyle: HairStyle = female
    ? pick(rng, ['long', 'long', 'bob', 'bun', 'short'] as const)
    : pick(rng, ['short', 'short', 'buzz', 'bob'] as const);
  const t1 = normal(rng);
  const t2 = normal(rng);
  const t3 = normal(rng);
  return {
    index,
    id: `s${String(index + 1).padStart(3, '0')}`,
    gender,
    shape,
    skin,
    lip,
    hair,
    hairStyle,
    fringe: rng() < 0.4 ? uniform(rng, 0.3, 1) : uniform(rng, 0, 0.2),
    brow: lerpRgb(hair, [40, 30, 25], 0.5),
    browThickness: uniform(rng, 0.018, 0.03) * (female ? 0.85 : 1.1),
    iris: pick(rng, IRIS_COLOURS),
    stubble: !female && rng() < 0.4 ? uniform(rng, 0.08, 0.25) : 0,
    // Mostly one style or the other, some in between: neither branch alone sees everybody.
    style: clamp(rng() < 0.5 ? uniform(rng, 0, 0.4) : uniform(rng, 0.6, 1), 0, 1),
    negStyle: rng(),
    expressiveness: uniform(rng, 0.3, 1.2),
    blinkRate: uniform(rng, 0.15, 0.5),
    restlessness: uniform(rng, 0.5, 1.5),
    taste: [t1, t2, t3],
    bias: normal(rng, 0, 0.4),
  };
}

/** One recording session of a subject: camera, light and room. */
export interface Session {
  /** Session id as written in the manifest, e.g. `s007-2`. */
  id: string;
  /** Light direction in the image plane (x right, y down), unit length; z is always toward the face. */
  light: [number, number];
  ambient: number;
  diffuse: number;
  /** White-balance gains per channel. */
  cast: [number, number, number];
  /** Camera noise standard deviation (0-255 units). */
  noise: number;
  /** Background colours (top and bottom of the gradient) and two soft shapes in the room. */
  bgTop: Rgb;
  bgBottom: Rgb;
  bgBlobs: Array<{ x: number; y: number; r: number; colour: Rgb; strength: number }>;
  clothes: Rgb;
  /** Face framing: head size as a fraction of the frame height and its centre in frame fractions. */
  faceSize: number;
  faceX: number;
  faceY: number;
}

/** Session `session` (0-based) of `subject`, drawn from `seed`. */
export function sampleSession(seed: number | string, subject: Subject, session: number): Session {
  const rng = createRng(`${seed}/session/${subject.index}/${session}`);
  const angle = uniform(rng, -Math.PI * 0.85, -Math.PI * 0.15); // light from above, left or right
  const base: Rgb = [uniform(rng, 60, 210), uniform(rng, 60, 210), uniform(rng, 60, 210)];
  const warm = uniform(rng, -0.06, 0.06);
  return {
    id: `${subject.id}-${session + 1}`,
    light: [Math.cos(angle), Math.sin(angle)],
    ambient: uniform(rng, 0.5, 0.68),
    diffuse: uniform(rng, 0.35, 0.55),
    cast: [1 + warm, 1, 1 - warm],
    noise: uniform(rng, 1.5, 5),
    bgTop: base,
    bgBottom: base.map((v) => v * uniform(rng, 0.55, 0.9)) as unknown as Rgb,
    bgBlobs: [0, 1].map(() => ({
      x: rng(),
      y: uniform(rng, 0, 0.7),
      r: uniform(rng, 0.1, 0.3),
      colour: [uniform(rng, 40, 240), uniform(rng, 40, 240), uniform(rng, 40, 240)] as Rgb,
      strength: uniform(rng, 0.2, 0.6),
    })),
    clothes: [uniform(rng, 20, 230), uniform(rng, 20, 230), uniform(rng, 20, 230)],
    faceSize: uniform(rng, 0.5, 0.6),
    faceX: uniform(rng, 0.46, 0.54),
    faceY: uniform(rng, 0.47, 0.53),
  };
}
