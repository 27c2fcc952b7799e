// Browser-only frame capture: RGB frames from an HTMLVideoElement (seeking at a fixed rate) or from an
// ImageBitmap/canvas source, through a 2D canvas. Typed against the DOM lib; imports nothing from
// Node, so it is safe in a browser bundle (and tree-shaken out of Node code that never calls it).
import type { RgbVideo } from './types.js';

type Canvas2D = {
  canvas: HTMLCanvasElement | OffscreenCanvas;
  ctx: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;
};

function makeCanvas(width: number, height: number): Canvas2D {
  if (typeof OffscreenCanvas !== 'undefined') {
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (ctx) return { canvas, ctx };
  }
  if (typeof document === 'undefined')
    throw new Error('frame capture needs a browser (no OffscreenCanvas or document)');
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('frame capture: cannot get a 2D canvas context');
  return { canvas, ctx };
}

/** Drops the alpha channel of canvas RGBA pixels. */
export function rgbaToRgb(rgba: Uint8ClampedArray | Uint8Array): Uint8Array {
  const rgb = new Uint8Array((rgba.length / 4) * 3);
  for (let i = 0, j = 0; j < rgb.length; i += 4, j += 3) {
    rgb[j] = rgba[i];
    rgb[j + 1] = rgba[i + 1];
    rgb[j + 2] = rgba[i + 2];
  }
  return rgb;
}

function grab(c: Canvas2D, source: CanvasImageSource, width: number, height: number): Uint8Array {
  c.ctx.drawImage(source, 0, 0, width, height);
  return rgbaToRgb(c.ctx.getImageData(0, 0, width, height).data);
}

/** A canvas reused by {@link frameFromImageBitmap} (a live camera calls it for every frame). */
let shared: Canvas2D | null = null;

function sharedCanvas(width: number, height: number): Canvas2D {
  if (!shared) shared = makeCanvas(width, height);
  if (shared.canvas.width !== width || shared.canvas.height !== height) {
    shared.canvas.width = width;
    shared.canvas.height = height;
  }
  return shared;
}

/** A picture the canvas can draw: an image, a bitmap, a canvas, a WebCodecs VideoFrame or a playing `<video>`. */
export type PictureSource =
  ImageBitmap | HTMLImageElement | HTMLCanvasElement | OffscreenCanvas | VideoFrame | HTMLVideoElement;

/** The natural size of a picture (a video's stream size, a VideoFrame's display size). */
export function pictureSize(source: PictureSource): { width: number; height: number } {
  if ('videoWidth' in source) return { width: source.videoWidth, height: source.videoHeight };
  if ('displayWidth' in source) return { width: source.displayWidth, height: source.displayHeight };
  if ('naturalWidth' in source) return { width: source.naturalWidth, height: source.naturalHeight };
  return { width: source.width, height: source.height };
}

/**
 * One RGB frame from an ImageBitmap, VideoFrame, `<video>` (its current picture) or any canvas image
 * source with a size, optionally scaled.
 * @example
 * const rgb = frameFromImageBitmap(await createImageBitmap(blob), { width: 112, height: 112 });
 */
export function frameFromImageBitmap(
  bitmap: PictureSource,
  options: { width?: number; height?: number } = {},
): { width: number; height: number; data: Uint8Array } {
  const size = pictureSize(bitmap);
  const width = options.width ?? size.width;
  const height = options.height ?? size.height;
  if (!(width > 0 && height > 0)) throw new Error(`frameFromImageBitmap: the image has no size (${width}x${height})`);
  return { width, height, data: grab(sharedCanvas(width, height), bitmap, width, height) };
}

function waitFor(video: HTMLVideoElement, event: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = (): void => {
      cleanup();
      resolve();
    };
    const bad = (): void => {
      cleanup();
      reject(
        new Error(
          `cannot read video ${video.currentSrc || video.src || '(no src)'} while ${what}: ${video.error?.message ?? 'media error'}`,
        ),
      );
    };
    const cleanup = (): void => {
      video.removeEventListener(event, ok);
      video.removeEventListener('error', bad);
    };
    video.addEventListener(event, ok, { once: true });
    video.addEventListener('error', bad, { once: true });
  });
}

/** Options of {@link framesFromVideoElement}. */
export interface VideoElementOptions {
  /** Sampling rate in frames per second. Default 25. */
  fps?: number;
  /** Number of frames to take. Default: as many as the video's duration holds at `fps`. */
  count?: number;
  /** Start time in seconds. Default 0. */
  start?: number;
  /** Output size (default the video's own). */
  width?: number;
  height?: number;
  /** Fewer frames than this is an error naming the video (e.g. 16 for one clip). Default 1. */
  minFrames?: number;
}

/**
 * Samples RGB frames from a `<video>` element by seeking to `start + i / fps` and drawing each frame
 * on a canvas. Seeking (rather than playing) makes the result independent of playback speed.
 * The video must be same-origin or CORS-enabled, or the canvas cannot be read.
 * @example
 * const clip = await framesFromVideoElement(videoEl, { fps: 25, count: 16, width: 171, height: 128 });
 */
export async function framesFromVideoElement(
  video: HTMLVideoElement,
  options: VideoElementOptions = {},
): Promise<RgbVideo> {
  const name = video.currentSrc || video.src || '(video element)';
  const fps = options.fps ?? 25;
  const start = options.start ?? 0;
  if (video.readyState < 1) await waitFor(video, 'loadedmetadata', 'loading metadata');
  const width = options.width ?? video.videoWidth;
  const height = options.height ?? video.videoHeight;
  if (!(width > 0 && height > 0))
    throw new Error(`cannot read video ${name}: it has no picture (size ${width}x${height})`);
  const available = Number.isFinite(video.duration) ? Math.floor((video.duration - start) * fps + 1e-6) : 0;
  const count = options.count ?? available;
  const min = options.minFrames ?? 1;
  if (count === 0 || (Number.isFinite(video.duration) && available < Math.max(min, count))) {
    throw new Error(
      `video ${name} is too short: ${Math.max(0, available)} frames at ${fps} fps from ${start}s, need ${Math.max(min, count, 1)}`,
    );
  }
  const c = makeCanvas(width, height);
  const frames: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const t = start + i / fps;
    if (Math.abs(video.currentTime - t) > 1e-4 || i === 0) {
      const seeked = waitFor(video, 'seeked', `seeking to ${t.toFixed(3)}s`);
      video.currentTime = t;
      await seeked;
    }
    frames.push(grab(c, video, width, height));
  }
  return { width, height, fps, frames };
}
