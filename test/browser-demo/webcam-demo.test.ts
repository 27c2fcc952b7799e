// End to end: builds the webcam demo (examples/webcam), feeds Chromium a fake camera playing
// synthetic face videos, waits for the page's predictions, checks they are probability rows,
// and saves the screenshot the docs show (docs/images/webcam-demo.png). Skips without Chromium
// or ffmpeg, saying which.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildDemo } from '../../examples/webcam/build.js';
import type { DemoState } from '../../examples/webcam/page/state.js';
import { CHROMIUM_SKIP, HAS_CHROMIUM, launchChromium } from '../browser/harness/chromium.js';
import { serveStatic } from '../browser/harness/server.js';
import { FFMPEG_SKIP, HAS_FFMPEG, writeFakeCameraY4m } from './fake-camera.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SCREENSHOT = path.join(ROOT, 'docs', 'images', 'webcam-demo.png');
/** One build folder reused across runs: the bundle is rebuilt (about a second), the checkpoint only when its sources changed. */
const BUILD_DIR = path.join(os.tmpdir(), 'plm-ipe-webcam-demo-build');
const PREDICTIONS = 8;
/** Page URL knobs for manual runs, e.g. PLM_WEBCAM_QUERY='mode=webgl2&tf=cpu' (see examples/webcam/page/main.ts). */
const QUERY = process.env.PLM_WEBCAM_QUERY ?? '';

const skip = !HAS_CHROMIUM ? CHROMIUM_SKIP : !HAS_FFMPEG ? FFMPEG_SKIP : '';
if (skip) console.warn(skip);

describe.skipIf(skip !== '')(`webcam demo in Chromium with a fake camera${skip ? ` — ${skip}` : ''}`, () => {
  it('shows live probabilities that sum to 1 over the overlaid video', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'plm-webcam-'));
    const y4m = path.join(tmp, 'camera.y4m');
    const [cam, out] = await Promise.all([writeFakeCameraY4m(y4m), buildDemo({ outDir: BUILD_DIR, log: () => {} })]);
    const server = await serveStatic(out);
    const browser = await launchChromium({
      webgpu: true,
      extraFlags: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${y4m}`],
    });
    const log: string[] = [];
    try {
      const page = await browser.context.newPage();
      page.on('console', (m) => log.push(`[${m.type()}] ${m.text()}`));
      page.on('pageerror', (e) => log.push(`[pageerror] ${e.message}`));
      await page.setViewportSize({ width: 1180, height: 640 });
      await page.goto(QUERY ? `${server.url}?${QUERY}` : server.url);
      await page.waitForFunction(
        (n) => {
          const s = (globalThis as { __plmDemo?: DemoState }).__plmDemo;
          return s !== undefined && (s.status === 'error' || s.predictionCount >= n);
        },
        PREDICTIONS,
        { timeout: 90_000, polling: 250 },
      );
      const state = await page.evaluate(() => (globalThis as unknown as { __plmDemo: DemoState }).__plmDemo);
      console.log(
        `webcam demo: ${cam.frames} camera frames (labels ${cam.labels.join(',')}); backend ${JSON.stringify(state.backend)}; ` +
          `${state.frames} frames, ${state.faces} faces, ${state.fps.toFixed(1)} frames/s; per frame: face-api ${state.detectMs.toFixed(0)} ms ` +
          `(${state.faceApiBackend}), descriptor ${state.describeMs.toFixed(0)} ms, estimator ${state.inferMs.toFixed(0)} ms; last prediction ${JSON.stringify(state.predictions.at(-1))}`,
      );
      expect(state.error, log.join('\n')).toBeNull();
      expect(state.status).toBe('running');
      expect(state.backend?.name).toMatch(/^(gpu|cpu)$/);
      expect(state.faces).toBeGreaterThan(0);
      expect(state.predictions.length).toBeGreaterThanOrEqual(PREDICTIONS);
      for (const p of state.predictions) {
        expect(p).toHaveLength(3);
        for (const v of p) expect(v >= 0 && v <= 1).toBe(true);
        expect(Math.abs(p[0] + p[1] + p[2] - 1)).toBeLessThanOrEqual(1e-4);
      }
      // The bars show the last prediction; the overlay has something drawn on it.
      const shown = await page.$$eval('.bar-value', (els) => els.map((e) => e.textContent ?? ''));
      expect(shown.every((t) => /%$/.test(t))).toBe(true);
      const overlayInk = await page.evaluate(() => {
        const c = document.getElementById('overlay') as HTMLCanvasElement;
        const d = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
        let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
        return n;
      });
      expect(overlayInk).toBeGreaterThan(100);
      fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT });
    } catch (err) {
      console.log(`webcam demo page log:\n${log.slice(-40).join('\n')}`);
      throw err;
    } finally {
      await browser.close();
      await server.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }, 170_000);
});
