// The camera side of the page: asks for the webcam, plays it in the (hidden) <video> element, and
// grabs its current picture as an RGBA Frame at processing size (at most `maxWidth` wide), keeping
// full-size snapshots that the page shows under the overlay, and optionally a small RGB copy for
// the pixel branch (whose clips are face crops of a few dozen pixels).
import type { Frame } from 'plm-ipe';
import type { SmallFrame } from './trial.js';

/** Starts the camera into `video` and resolves once it has a picture. */
export async function startCamera(video: HTMLVideoElement): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) throw new Error('this browser has no camera API (navigator.mediaDevices); open the page over http://localhost or https');
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: 'user' }, audio: false });
  video.srcObject = stream;
  video.muted = true;
  video.playsInline = true;
  await video.play();
  if (video.videoWidth === 0) await new Promise<void>((resolve) => video.addEventListener('loadeddata', () => resolve(), { once: true }));
  return stream;
}

/**
 * Grabs the video's current picture, scaled so it is at most `maxWidth` pixels wide, and keeps a
 * full-size snapshot of it in one of two alternating canvases (so the previous one survives).
 */
export class FrameGrabber {
  private readonly canvas = document.createElement('canvas');
  private readonly ctx: CanvasRenderingContext2D;
  private readonly snapshots = [document.createElement('canvas'), document.createElement('canvas')];
  private turn = 0;
  private readonly smallCanvas = document.createElement('canvas');
  private readonly smallCtx: CanvasRenderingContext2D;

  constructor(
    private readonly maxWidth = 320,
    /** Longer side of the small RGB copy. */
    private readonly smallSide = 160,
  ) {
    const ctx = this.canvas.getContext('2d', { willReadFrequently: true });
    const smallCtx = this.smallCanvas.getContext('2d', { willReadFrequently: true });
    if (!ctx || !smallCtx) throw new Error('cannot get a 2D canvas context');
    this.ctx = ctx;
    this.smallCtx = smallCtx;
  }

  /** The current picture as RGBA, the factor from processing to video pixels, and its full-size snapshot. */
  grab(video: HTMLVideoElement, withSmall = false): { frame: Frame; scale: number; snapshot: HTMLCanvasElement; small: SmallFrame | null } {
    const snapshot = this.snapshots[this.turn];
    this.turn ^= 1;
    if (snapshot.width !== video.videoWidth || snapshot.height !== video.videoHeight) {
      snapshot.width = video.videoWidth;
      snapshot.height = video.videoHeight;
    }
    snapshot.getContext('2d')?.drawImage(video, 0, 0);
    const scale = Math.max(1, video.videoWidth / this.maxWidth);
    const width = Math.round(video.videoWidth / scale);
    const height = Math.round(video.videoHeight / scale);
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
    }
    this.ctx.drawImage(snapshot, 0, 0, width, height);
    const frame: Frame = { width, height, data: this.ctx.getImageData(0, 0, width, height).data, channels: 4 };
    return { frame, scale, snapshot, small: withSmall ? this.smallCopy(snapshot, width) : null };
  }

  /** The snapshot at `smallSide` pixels on its longer side, as RGB; `scale` maps processing pixels to it. */
  private smallCopy(snapshot: HTMLCanvasElement, processingWidth: number): SmallFrame {
    const f = Math.min(1, this.smallSide / Math.max(snapshot.width, snapshot.height));
    const width = Math.max(1, Math.round(snapshot.width * f));
    const height = Math.max(1, Math.round(snapshot.height * f));
    if (this.smallCanvas.width !== width || this.smallCanvas.height !== height) {
      this.smallCanvas.width = width;
      this.smallCanvas.height = height;
    }
    this.smallCtx.drawImage(snapshot, 0, 0, width, height);
    const rgba = this.smallCtx.getImageData(0, 0, width, height).data;
    const rgb = new Uint8Array(width * height * 3);
    for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
      rgb[j] = rgba[i];
      rgb[j + 1] = rgba[i + 1];
      rgb[j + 2] = rgba[i + 2];
    }
    return { width, height, rgb, scale: width / processingWidth };
  }
}

/** Copies `snapshot` onto the visible `display` canvas (resizing it to match). */
export function present(snapshot: HTMLCanvasElement, display: HTMLCanvasElement): void {
  if (display.width !== snapshot.width || display.height !== snapshot.height) {
    display.width = snapshot.width;
    display.height = snapshot.height;
  }
  display.getContext('2d')?.drawImage(snapshot, 0, 0);
}
