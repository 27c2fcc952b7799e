// A detector's per-frame results as a landmark track: frames without a face are null, the video
// with no face at all is a NoFaceError naming it, and gaps are filled the way training filled them
// (the nearest earlier detection; leading frames take the first one). Browser-safe, no I/O.
import type { LandmarkInput } from './types.js';
import { toPointArray } from './errors.js';

/** No face in any frame of a video: a per-video failure a dataset run records and skips. */
export class NoFaceError extends Error {
  /** The video (file name, id or URL) without a face. */
  readonly video: string;
  /** Frames that were searched. */
  readonly frames: number;

  constructor(video: string, frames: number) {
    super(`video '${video}': no face found in any of its ${frames} frames`);
    this.name = 'NoFaceError';
    this.video = video;
    this.frames = frames;
  }
}

/** One frame's 68 points as a flat `[x0, y0, …]` Float32Array. */
export function flattenLandmarks(points: LandmarkInput, fn: string, arg: string): Float32Array {
  return Float32Array.from(toPointArray(fn, arg, points, 68));
}

/**
 * Fills a track's missing frames (null) with the nearest earlier detection (leading frames with the
 * first), as extraction does, and says which frames had a face. A track without any face is a
 * {@link NoFaceError} naming `video`.
 * @example
 * const { track, face } = fillTrackGaps(detections, 'clip.mp4'); // face[t] === 1 where a face was detected
 */
export function fillTrackGaps(
  detections: ReadonlyArray<Float32Array | null>,
  video: string,
): { track: Float32Array[]; face: Uint8Array } {
  const first = detections.findIndex((t) => t !== null);
  if (first < 0) throw new NoFaceError(video, detections.length);
  let last = detections[first]!;
  const face = Uint8Array.from(detections, (t) => (t ? 1 : 0));
  return { track: detections.map((t) => (t ? (last = t) : last)), face };
}
