// examples/service on loopback: real face videos (panning views of face-api's demo photos, encoded
// by ffmpeg) get predictions; a file that is not a video, an oversized upload, an empty body and a
// video with no face get clear 4xx JSON errors; concurrent requests get exactly the answers they get
// alone. Skips without ffmpeg or the optional face-api packages.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cropResize } from '../../src/index.js';
import { createFaceApiProvider, encodeVideo, hasFfmpeg, loadPredictor } from '../../src/node/index.js';
import { createPredictionServer } from '../../examples/service/server.js';
import { decodeJpeg } from '../fixtures/landmarks/jpeg-baseline.js';
import { writeRunAndVideos } from '../predict/run-fixture.js';

const require = createRequire(import.meta.url);
const missing = ['@vladmandic/face-api', '@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm'].filter((n) => {
  try {
    require.resolve(`${n}/package.json`);
    return false;
  } catch {
    return true;
  }
});
const ffmpeg = await hasFfmpeg();
const skip = missing.length ? `optional packages not installed: ${missing.join(', ')}` : !ffmpeg ? 'no ffmpeg' : '';
if (skip) console.warn(`service test skipped: ${skip}`);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plm-service-test-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A 2 s, 8 fps, 224x224 video panning over the face at `box` of face-api's demo photo `n`. */
async function faceVideo(n: number, box: { x: number; y: number; side: number }, file: string): Promise<string> {
  const img = decodeJpeg(
    fs.readFileSync(
      path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo', `sample${n}.jpg`),
    ),
  );
  const frames = Array.from({ length: 16 }, (_, k) =>
    cropResize(
      img.data,
      img.width,
      img.height,
      { x: box.x + 3 * k, y: box.y, width: box.side, height: box.side },
      224,
      224,
    ),
  );
  await encodeVideo(file, { width: 224, height: 224, fps: 8, frames });
  return file;
}

describe.skipIf(skip !== '')('examples/service', () => {
  let base = '';
  let server: ReturnType<typeof createPredictionServer>;
  const videos: string[] = [];
  beforeAll(async () => {
    const { run } = await writeRunAndVideos(dir, 1);
    const predictor = await loadPredictor(run);
    const provider = await createFaceApiProvider();
    // Faces from the demo photos (boxes found by the detector at 416 on the full photos).
    videos.push(await faceVideo(1, { x: 700, y: 380, side: 460 }, path.join(dir, 'face-a.mp4')));
    videos.push(await faceVideo(2, { x: 1330, y: 110, side: 420 }, path.join(dir, 'face-b.mp4')));
    const grey = Array.from({ length: 16 }, () => new Uint8Array(224 * 224 * 3).fill(120));
    await encodeVideo(path.join(dir, 'empty-room.mp4'), { width: 224, height: 224, fps: 8, frames: grey });
    server = createPredictionServer({ predictor, provider, maxBytes: 2_000_000 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 120_000);
  afterAll(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- replies of several shapes, read field by field below
  type Reply = Record<string, any>;
  const post = async (body: Uint8Array | string, url = `${base}/predict`) => {
    const res = await fetch(url, {
      method: 'POST',
      body: body as unknown as BodyInit,
      headers: { 'content-type': 'application/octet-stream' },
    });
    return { status: res.status, json: (await res.json()) as Reply };
  };

  it('predicts real face videos', async () => {
    for (const v of videos) {
      const r = await post(fs.readFileSync(v));
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      expect(['negative', 'neutral', 'positive']).toContain(r.json.label);
      expect(r.json.fused.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 4);
      expect(r.json.fps).toBe(8);
      expect(r.json.faceFrames).toBeGreaterThanOrEqual(14);
    }
    const health = await fetch(`${base}/health`);
    expect(((await health.json()) as { ok: boolean }).ok).toBe(true);
  }, 120_000);

  it('answers clear 4xx JSON errors', async () => {
    const junk = await post('this is not a video at all');
    expect(junk.status).toBe(415);
    expect(junk.json.error.code).toBe('not-a-video');
    expect(junk.json.error.message).toMatch(/cannot read video the upload/);
    const big = await post(new Uint8Array(3_000_000));
    expect(big.status).toBe(413);
    expect(big.json.error.message).toMatch(/over the limit of 2000000 bytes/);
    const empty = await post(new Uint8Array(0));
    expect(empty.status).toBe(400);
    expect(empty.json.error.code).toBe('empty');
    const noFace = await post(fs.readFileSync(path.join(dir, 'empty-room.mp4')));
    expect(noFace.status).toBe(422);
    expect(noFace.json.error).toEqual({ code: 'no-face', message: 'no face found in any frame of the video' });
    const wrong = await fetch(`${base}/predict`);
    expect(wrong.status).toBe(405);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('method-not-allowed');
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  }, 120_000);

  it('concurrent requests get the answers they get alone', async () => {
    const bodies = videos.map((v) => fs.readFileSync(v));
    const alone: Reply[] = [];
    for (const b of bodies) alone.push((await post(b)).json);
    const order = [0, 1, 1, 0, 1, 0];
    const together = await Promise.all(order.map((i) => post(bodies[i])));
    together.forEach((r, k) => {
      expect(r.status).toBe(200);
      expect(r.json.probabilities).toEqual(alone[order[k]].probabilities);
      expect(r.json.faceFrames).toBe(alone[order[k]].faceFrames);
    });
    // The two videos differ, so a mixed-up answer would show.
    expect(alone[0].probabilities).not.toEqual(alone[1].probabilities);
  }, 120_000);
});
