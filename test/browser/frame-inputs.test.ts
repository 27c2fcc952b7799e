// The live session's frame inputs in Chromium: ImageData, a canvas, an ImageBitmap (also scaled
// down), a VideoFrame and a playing <video> all become frames with the canvas's own pixels; bare
// bytes are a short error. Also proves src/predict bundles for the browser. Skips without Chromium.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHROMIUM_SKIP, HAS_CHROMIUM } from './harness/chromium.js';
import { openSession } from './harness/session.js';

const entry = path.join(path.dirname(fileURLToPath(import.meta.url)), 'page/frame-inputs-entry.ts');

interface Probe {
  width: number;
  height: number;
  channels: number;
  left: number[];
  right: number[];
}

describe.skipIf(!HAS_CHROMIUM)(`browser: session frame inputs${HAS_CHROMIUM ? '' : ` — ${CHROMIUM_SKIP}`}`, () => {
  it('ImageData, canvas, ImageBitmap, VideoFrame and <video> give the picture; bare bytes a short error', async () => {
    const s = await openSession(entry);
    try {
      const r = await s.page.evaluate(() =>
        (
          globalThis as unknown as { __plm: { checkFrameInputs(): Promise<Record<string, Probe | string>> } }
        ).__plm.checkFrameInputs(),
      );
      console.log(`frame inputs: ${JSON.stringify(r)}`);
      for (const k of ['imageData', 'canvas', 'imageBitmap', 'videoFrame', 'video'] as const) {
        const p = r[k] as Probe;
        expect(p.width, k).toBe(64);
        expect(p.height, k).toBe(48);
        expect(p.channels, k).toBe(k === 'imageData' ? 4 : 3);
        // Red on the left, blue on the right (a video path may shift colours a little).
        expect(p.left[0], k).toBeGreaterThan(200);
        expect(p.left[2], k).toBeLessThan(60);
        expect(p.right[2], k).toBeGreaterThan(200);
        expect(p.right[0], k).toBeLessThan(60);
      }
      expect(r.imageBitmapScaled).toMatchObject({ width: 32, height: 24 });
      expect(r.bareBytes).toMatch(/PredictionSession\.push: frame expected .*got Uint8Array of length 9216/);
    } finally {
      await s.close();
    }
  }, 60_000);
});
