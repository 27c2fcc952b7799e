// Page entry of the frame-input test: the Predictor session's toFrame on each picture a page has
// (ImageData, ImageBitmap, VideoFrame, a playing <video>, a canvas), against the canvas's own pixels.
// Exposes `globalThis.__plm.checkFrameInputs` and sets `__plmReady`.
import { toFrame } from '../../../src/predict/session.js';

/** A probe: the frame's size, channels, and its pixels at the red and blue halves' centres. */
interface Probe {
  width: number;
  height: number;
  channels: number;
  left: number[];
  right: number[];
}

function probe(f: { width: number; height: number; data: ArrayLike<number>; channels?: number }): Probe {
  const ch = f.channels ?? f.data.length / (f.width * f.height);
  const at = (x: number, y: number) => Array.from({ length: 3 }, (_, c) => f.data[(y * f.width + x) * ch + c]);
  return {
    width: f.width,
    height: f.height,
    channels: ch,
    left: at(Math.floor(f.width / 4), Math.floor(f.height / 2)),
    right: at(Math.floor((3 * f.width) / 4), Math.floor(f.height / 2)),
  };
}

async function checkFrameInputs(): Promise<Record<string, Probe | string>> {
  const canvas = document.createElement('canvas');
  canvas.width = 64;
  canvas.height = 48;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = 'rgb(250, 10, 10)';
  ctx.fillRect(0, 0, 32, 48);
  ctx.fillStyle = 'rgb(10, 10, 250)';
  ctx.fillRect(32, 0, 32, 48);
  const out: Record<string, Probe | string> = {};
  out.imageData = probe(toFrame(ctx.getImageData(0, 0, 64, 48), 640));
  out.canvas = probe(toFrame(canvas, 640));
  const bitmap = await createImageBitmap(canvas);
  out.imageBitmap = probe(toFrame(bitmap, 640));
  out.imageBitmapScaled = probe(toFrame(bitmap, 32));
  if (typeof VideoFrame !== 'undefined') {
    const vf = new VideoFrame(canvas, { timestamp: 0 });
    out.videoFrame = probe(toFrame(vf, 640));
    vf.close();
  } else out.videoFrame = 'no VideoFrame in this browser';
  const video = document.createElement('video');
  video.muted = true;
  video.srcObject = canvas.captureStream(10);
  await video.play();
  for (let i = 0; i < 50 && video.videoWidth === 0; i++) await new Promise((r) => setTimeout(r, 50));
  out.video = probe(toFrame(video, 640));
  try {
    toFrame(new Uint8Array(64 * 48 * 3) as never, 640);
    out.bareBytes = 'no error';
  } catch (e) {
    out.bareBytes = (e as Error).message;
  }
  return out;
}

const g = globalThis as Record<string, unknown>;
g.__plm = { checkFrameInputs };
g.__plmReady = true;
