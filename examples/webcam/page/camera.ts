// The camera side of the page: asks for the webcam, plays it in the (hidden) <video> element, and
// grabs its current picture as an RGBA Frame at processing size (at most `maxWidth` wide), keeping
// full-size snapshots that the page shows under the overlay. (The Predictor's session keeps its own
// small copies for the pixel branch.)
import type { Frame } from 'plm-ipe';

/** Starts the camera into `video` and resolves once it has a picture. */
export async function startCamera(video: HTMLVideoElement): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia)
    throw new Error(
      'this browser has no camera API (navigator.mediaDevices); open the page over http://localhost or https',
    );
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: 'user' },
    audio: false,
  });
  video.srcObject = stream;
  video.muted = true;
  video.playsInline = true;
  await video.play();
  if (video.videoWidth === 0)
    await new Promise<void>((resolve) => video.addEventListener('loadeddata', () => resolve(), { once: true }));
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

  constructor(private readonly maxWidth = 320) {
    const ctx = this.canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('cannot get a 2D canvas context');
    this.ctx = ctx;
  }

  /** The current picture as RGBA, the factor from processing to video pixels, and its full-size snapshot. */
  grab(video: HTMLVideoElement): { frame: Frame; scale: number; snapshot: HTMLCanvasElement } {
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
    return { frame, scale, snapshot };
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
