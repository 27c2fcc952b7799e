// The Predictor against training's own path: on a synthetic video with its landmarks, predict() and
// a live session (fed at twice the model's frame rate) give exactly computeFeatures + makeBatch +
// predictAll; trials start with a face and end when it is lost; loading from bytes, a run folder on
// disk and a URL (a loopback HTTP server); short errors for bad frames, missing faces, bad configs.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DescriptorStream,
  LandmarkEstimator,
  NoFaceError,
  PLMIPE,
  SMALL_EXTRACT,
  SMALL_TRAINING,
  computeFeatures,
  createPredictor,
  demoConfig,
  generateDataset,
  loadPredictor as loadFromUrl,
  makeBatch,
  manualSeed,
  predictorFromBytes,
  resampleIndices,
  type Predictor,
  type SyntheticVideo,
} from '../../src/index.js';
import { loadPredictor, saveModel } from '../../src/node/index.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'plm-predictor-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function smallPlm(): PLMIPE {
  manualSeed(3);
  return new PLMIPE({ pixel: { c3d: { ...SMALL_TRAINING.c3d } }, landmark: SMALL_TRAINING.landmark });
}

let video: SyntheticVideo;
let plm: PLMIPE;
let predictor: Predictor;
let want: { fused: number[]; pixel: number[]; landmark: number[] };

beforeAll(() => {
  const { dataset } = demoConfig({ size: 'tiny' });
  const ds = generateDataset({ ...dataset, subjects: 1 });
  video = ds.renderVideo(ds.entries[0]);
  plm = smallPlm();
  predictor = createPredictor(plm, { extract: { ...SMALL_EXTRACT }, fps: video.fps });
  const f = computeFeatures(
    { width: video.width, height: video.height, fps: video.fps, frames: video.frames },
    video.landmarks,
    SMALL_EXTRACT,
    'v',
  );
  const out = plm.predictAll(makeBatch([{ id: 'v', label: 0, subject: '-', session: '-', ...f }], [0]));
  want = {
    fused: Array.from(out.fused.dataSync()),
    pixel: Array.from(out.pixel.dataSync()),
    landmark: Array.from(out.landmark.dataSync()),
  };
});

function expectRows(got: { fused: number[] | null; pixel: number[] | null; landmark: number[] | null }): void {
  for (const k of ['fused', 'pixel', 'landmark'] as const) {
    expect(got[k], k).not.toBeNull();
    got[k]!.forEach((v, i) => expect(v, `${k}[${i}]`).toBeCloseTo(want[k][i], 5));
  }
}

const rgbVideo = () => ({ width: video.width, height: video.height, fps: video.fps, frames: video.frames });

describe('Predictor.predict', () => {
  it('equals computeFeatures + makeBatch + predictAll on the same frames', async () => {
    const p = await predictor.predict(rgbVideo(), { landmarks: video.landmarks, name: 'v' });
    expectRows(p);
    expect(p.probabilities).toEqual(p.fused);
    expect(p.label).toBe(['negative', 'neutral', 'positive'][p.classIndex]);
    expect(p.frames).toBe(video.frames.length);
    expect(p.faceFrames).toBe(video.frames.length);
    expect(p.clips).toBe(1);
    expect(p.timings.totalMs).toBeGreaterThanOrEqual(p.timings.modelMs);
  }, 60_000);

  it('resamples a video at twice the rate to the run frame rate', async () => {
    const doubled = { ...rgbVideo(), fps: video.fps * 2, frames: video.frames.flatMap((f) => [f, f]) };
    const p = await predictor.predict(doubled, { landmarks: video.landmarks.flatMap((t) => [t, t]) });
    expect(p.frames).toBe(video.frames.length);
    expectRows(p);
    expect(resampleIndices(10, 30, 10)).toEqual([0, 3, 6, 9]);
    expect(resampleIndices(4, 10, 20)).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
  }, 60_000);

  it('detects with a provider, counts frames with a face, and names a video without any face', async () => {
    let t = 0;
    let resets = 0;
    const provider = {
      detect: () =>
        t++ % 3 === 1
          ? null
          : Array.from(
              { length: 68 },
              (_, i) => [video.landmarks[0][2 * i], video.landmarks[0][2 * i + 1]] as [number, number],
            ),
      reset: () => resets++,
    };
    const p = await predictor.predict(rgbVideo(), { provider, pixel: false });
    // A tracking provider starts each video afresh.
    expect(resets).toBe(1);
    expect(p.branch).toBe('landmark');
    expect(p.pixel).toBeNull();
    expect(p.faceFrames).toBe(video.frames.length - Math.floor((video.frames.length + 1) / 3));
    const none = predictor.predict(rgbVideo(), { provider: { detect: () => null }, name: 'empty-room.mp4' });
    await expect(none).rejects.toBeInstanceOf(NoFaceError);
    await expect(
      predictor.predict(rgbVideo(), { provider: { detect: () => null }, name: 'empty-room.mp4' }),
    ).rejects.toThrow(/video 'empty-room\.mp4': no face found in any of its \d+ frames/);
  }, 60_000);

  it('keeps error messages short when a typed array stands where a frame or a video belongs', async () => {
    const big = new Uint8Array(1920 * 1080 * 3);
    const session = predictor.createSession();
    const message = (p: Promise<unknown>): Promise<string> =>
      p.then(
        () => 'no error',
        (e: Error) => e.message,
      );
    const errors = await Promise.all([
      message(session.push(big as never, 0)),
      message(predictor.predict(big as never)),
      message(predictor.predict({ ...rgbVideo(), frames: [big] }, { landmarks: [null] })),
    ]);
    for (const m of errors) {
      expect(m.length, m).toBeLessThan(300);
      expect(m).toMatch(/Uint8Array of length 6220800/);
    }
    expect(errors[0]).toMatch(/PredictionSession\.push: frame expected ImageData, \{ width, height, data \}/);
    expect(() => new DescriptorStream().push(big as never, null)).toThrow(
      'DescriptorStream.push: frame expected { width, height, data }, got Uint8Array of length 6220800',
    );
  });

  it('checks the frames a session skips (between samples) too, not only every n-th frame', async () => {
    const session = predictor.createSession({ pixel: false });
    const good = { width: 8, height: 8, data: new Uint8Array(8 * 8 * 3) };
    expect((await session.push(good, 0, { landmarks: null })).sampled).toBe(true);
    expect((await session.push(good, 1, { landmarks: null })).sampled).toBe(false);
    await expect(session.push({ width: 8, height: 8, data: new Uint8Array(50_000_000) }, 2)).rejects.toThrow(
      'PredictionSession.push: frame.data.length expected 64, 192 or 256 (8x8 gray, RGB or RGBA), got 50000000',
    );
    await expect(session.push(null as never, 3)).rejects.toThrow(/PredictionSession\.push: frame expected ImageData/);
  });
});

describe('PredictionSession', () => {
  it('samples frames pushed at twice the model rate and ends the trial with training features', async () => {
    const results: unknown[] = [];
    const session = predictor.createSession({
      trialSeconds: video.frames.length / video.fps,
      onTrial: (r) => results.push(r),
    });
    expect(session.maxFrames).toBe(video.frames.length);
    const period = 1000 / video.fps;
    let ended = null;
    let sampled = 0;
    for (let t = 0; t < video.frames.length; t++) {
      const frame = { width: video.width, height: video.height, data: video.frames[t], channels: 3 as const };
      const pts = Array.from({ length: 68 }, (_, i) => ({
        x: video.landmarks[t][2 * i],
        y: video.landmarks[t][2 * i + 1],
      }));
      for (const half of [0, 0.5]) {
        // Camera jitter of a fraction of a millisecond must not drop a frame.
        const step = await session.push(frame, (t + half) * period + (t % 2 ? 0.3 : -0.3), { landmarks: pts });
        if (step.sampled) sampled++;
        if (step.ended) ended = step.ended;
      }
    }
    expect(sampled).toBe(video.frames.length);
    expect(ended).not.toBeNull();
    expect(ended!.reason).toBe('complete');
    expect(ended!.trial).toBe(1);
    expect(results).toHaveLength(1);
    expectRows(ended!.prediction!);
  }, 60_000);

  it('starts a trial when a face appears and ends it when the face is lost', async () => {
    const session = predictor.createSession({ trialSeconds: 10, faceLostSeconds: 0.25, pixel: false });
    const frame = (t: number) => ({
      width: video.width,
      height: video.height,
      data: video.frames[t % video.frames.length],
    });
    const pts = (t: number) =>
      Array.from(
        { length: 68 },
        (_, i) =>
          [video.landmarks[t % video.frames.length][2 * i], video.landmarks[t % video.frames.length][2 * i + 1]] as [
            number,
            number,
          ],
      );
    const ms = (t: number) => (t * 1000) / video.fps;
    expect((await session.push(frame(0), ms(0), { landmarks: null })).trial.running).toBe(false);
    const step = await session.push(frame(1), ms(1), { landmarks: pts(1) });
    expect(step.trial).toMatchObject({ index: 1, running: true, frames: 1 });
    for (let t = 2; t < 10; t++) await session.push(frame(t), ms(t), { landmarks: pts(t) });
    expect((await session.predictTrial())?.branch).toBe('landmark');
    // 0.25 s at 8 fps: the face missing for more than 2 frames ends the trial.
    let ended = null;
    for (let t = 10; t < 14 && !ended; t++) ended = (await session.push(frame(t), ms(t), { landmarks: null })).ended;
    expect(ended?.reason).toBe('face-lost');
    expect(session.running).toBe(false);
    await expect(session.push(frame(0), ms(1), { landmarks: null })).rejects.toThrow(
      /timestampMs expected a time after the previous frame's/,
    );
  }, 60_000);
});

describe('loadPredictor', () => {
  let server: http.Server;
  let base = '';
  beforeAll(async () => {
    // A run folder as plm-ipe demo leaves it.
    const run = path.join(tmp, 'run');
    await saveModel(smallPlm(), path.join(run, 'checkpoints', 'plm-ipe', 'epoch-002'));
    fs.writeFileSync(
      path.join(run, 'checkpoints', 'plm-ipe', 'state.json'),
      JSON.stringify({ format: 'plm-ipe-train-state', checkpoint: 'epoch-002' }),
    );
    fs.mkdirSync(path.join(run, 'report'), { recursive: true });
    fs.writeFileSync(
      path.join(run, 'report', 'config.json'),
      JSON.stringify({ extract: SMALL_EXTRACT, dataset: { fps: 8 } }),
    );
    server = http.createServer((req, res) => {
      const file = path.join(run, decodeURIComponent(new URL(req.url!, 'http://x').pathname));
      if (!file.startsWith(run) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200).end(fs.readFileSync(file));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('from a run folder, a model file, a URL and bytes: the same model and the run frame rate', async () => {
    const run = path.join(tmp, 'run');
    const fromDir = await loadPredictor(run);
    expect(fromDir.fps).toBe(8);
    expect(fromDir.extract).toEqual(SMALL_EXTRACT);
    const fromFile = await loadPredictor(path.join(run, 'checkpoints', 'plm-ipe', 'epoch-002.safetensors'));
    const fromUrl = await loadFromUrl(`${base}/`);
    const fromModelUrl = await loadFromUrl(`${base}/checkpoints/plm-ipe/epoch-002.json`, {
      config: `${base}/report/config.json`,
    });
    const stem = path.join(run, 'checkpoints', 'plm-ipe', 'epoch-002');
    const fromBytes = predictorFromBytes({
      model: fs.readFileSync(`${stem}.json`, 'utf8'),
      weights: fs.readFileSync(`${stem}.safetensors`),
      config: fs.readFileSync(path.join(run, 'report', 'config.json'), 'utf8'),
    });
    for (const p of [fromDir, fromFile, fromUrl, fromModelUrl, fromBytes]) {
      const r = await p.predict(rgbVideo(), { landmarks: video.landmarks });
      expectRows(r);
    }
  }, 60_000);

  it('names what is wrong: no run, no config, a config of another run, a landmark-only checkpoint', async () => {
    await expect(loadPredictor(path.join(tmp, 'nowhere'))).rejects.toThrow(
      /nowhere is not a run folder or a model file/,
    );
    await expect(loadPredictor(path.join(tmp, 'run'), { method: 'plmipe' })).rejects.toThrow(
      "loadPredictor: options.method expected one of PBE, LBE, EarlyFusion, LateFusion, PLM-IPE, PBE-w/-Mut, LBE-w/-Mut, got 'plmipe'",
    );
    await expect(loadFromUrl(`${base}/nothing.json`)).rejects.toThrow(/cannot fetch .*nothing\.json: HTTP 404/);
    const stem = path.join(tmp, 'run', 'checkpoints', 'plm-ipe', 'epoch-002');
    const model = fs.readFileSync(`${stem}.json`, 'utf8');
    const weights = fs.readFileSync(`${stem}.safetensors`);
    expect(() => predictorFromBytes({ model, weights, config: null })).toThrow(
      /has no run config; pass the run's report\/config\.json/,
    );
    expect(() => predictorFromBytes({ model, weights, config: { seed: 1 } })).toThrow(
      /extract expected the extraction options of a run .*got undefined/,
    );
    expect(() =>
      predictorFromBytes({ model, weights, config: { extract: { ...SMALL_EXTRACT, clipSize: 112 } } }),
    ).toThrow(/C3D takes 8-frame 32x32 clips but the run's extraction makes 8-frame 112x112 clips/);
    await saveModel(new LandmarkEstimator({ hiddenSize: 16 }), path.join(tmp, 'lbe'));
    const lbe = predictorFromBytes({
      model: fs.readFileSync(path.join(tmp, 'lbe.json'), 'utf8'),
      weights: fs.readFileSync(path.join(tmp, 'lbe.safetensors')),
      config: null,
      extract: SMALL_EXTRACT,
    });
    expect(lbe.hasPixelBranch).toBe(false);
    const r = await lbe.predict(rgbVideo(), { landmarks: video.landmarks });
    expect(r.branch).toBe('landmark');
    expect(r.clips).toBe(0);
  }, 60_000);
});
