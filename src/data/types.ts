// Plain data types shared by the data layer: a decoded RGB video and its optional landmark track.
// Types only: no runtime code, no imports, so both the Node and the browser paths can use them.

/**
 * A decoded video: `frames[t]` is a row-major interleaved RGB image (`width * height * 3` bytes),
 * which is what ffmpeg's `-pix_fmt rgb24` gives and what the canvas path produces after dropping alpha.
 */
export interface RgbVideo {
  /** Frame width in pixels. */
  width: number;
  /** Frame height in pixels. */
  height: number;
  /** Frames per second the frames were sampled at. */
  fps: number;
  /** One `Uint8Array` of `width * height * 3` bytes per frame. */
  frames: Uint8Array[];
}

/**
 * A 68-point landmark track: `landmarks[t]` holds `[x0, y0, x1, y1, …, x67, y67]` in pixels of the
 * frame (iBUG 300-W order: jaw 0–16, brows 17–26, nose 27–35, eyes 36–47, mouth 48–67).
 */
export type LandmarkTrack = Float32Array[];

/** The 68 points of one {@link LandmarkTrack} frame as `[x, y]` pairs (the landmark functions' input). */
export function framePoints(frame: ArrayLike<number>): [number, number][] {
  return Array.from({ length: frame.length >> 1 }, (_, i) => [frame[2 * i], frame[2 * i + 1]]);
}
