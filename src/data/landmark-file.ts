// The landmark-track file (`landmarks/<id>.json`): 68 points per frame in pixels, optionally with the
// exact points a synthetic video was drawn from. Format and parse anywhere (browser-safe: reading the
// file is ./landmark-file-node.ts). Errors name the file and what is wrong.
import type { LandmarkTrack } from './types.js';

/** A parsed landmark file. */
export interface LandmarkFile {
  /** Video id. */
  id?: string;
  width: number;
  height: number;
  fps: number;
  /** Detected (or detector-like) landmarks, one `Float32Array(136)` per frame. */
  landmarks: LandmarkTrack;
  /** Exact landmarks, when known (synthetic data). */
  exact?: LandmarkTrack;
}

const FORMAT = 'plm-ipe-landmarks';

function rounded(track: LandmarkTrack): number[][] {
  // Two decimals (1/100 px) keeps files small; detector noise is far larger.
  return track.map((f) => Array.from(f, (v) => Math.round(v * 100) / 100));
}

/** Serialises a landmark track as JSON text. */
export function formatLandmarks(file: LandmarkFile): string {
  const o: Record<string, unknown> = {
    format: FORMAT,
    version: 1,
    id: file.id,
    width: file.width,
    height: file.height,
    fps: file.fps,
    points: 68,
    frames: file.landmarks.length,
    landmarks: rounded(file.landmarks),
  };
  if (file.exact) o.exact = rounded(file.exact);
  return JSON.stringify(o);
}

function track(v: unknown, source: string, field: string, frames: number): LandmarkTrack {
  if (!Array.isArray(v)) throw new Error(`${source}: field '${field}' must be an array of frames`);
  if (v.length !== frames)
    throw new Error(`${source}: field '${field}' has ${v.length} frames, 'frames' says ${frames}`);
  return v.map((f: unknown, t: number) => {
    if (!Array.isArray(f) || f.length !== 136 || !f.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw new Error(`${source}: '${field}' frame ${t} must be 136 finite numbers (68 x, y pairs)`);
    }
    return Float32Array.from(f as number[]);
  });
}

/** Parses landmark JSON text; `source` names the file in errors. */
export function parseLandmarks(text: string, source = 'landmarks'): LandmarkFile {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(text);
  } catch (err) {
    throw new Error(`${source}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof o !== 'object' || o === null || o.format !== FORMAT)
    throw new Error(`${source}: not a ${FORMAT} file (field 'format')`);
  for (const k of ['width', 'height', 'fps', 'frames'] as const) {
    if (typeof o[k] !== 'number' || !((o[k] as number) > 0))
      throw new Error(`${source}: field '${k}' must be a positive number`);
  }
  const frames = o.frames as number;
  const out: LandmarkFile = {
    width: o.width as number,
    height: o.height as number,
    fps: o.fps as number,
    landmarks: track(o.landmarks, source, 'landmarks', frames),
  };
  if (typeof o.id === 'string') out.id = o.id;
  if (o.exact !== undefined) out.exact = track(o.exact, source, 'exact', frames);
  return out;
}
