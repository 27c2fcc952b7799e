// A small trained-looking run folder (as plm-ipe demo leaves it: a PLMIPE checkpoint, state.json,
// report/config.json) and synthetic face videos encoded with ffmpeg beside their landmark tracks,
// for the predict command and the example service tests. Untrained weights: the shapes matter here.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  PLMIPE,
  SMALL_EXTRACT,
  SMALL_TRAINING,
  demoConfig,
  formatLandmarks,
  generateDataset,
  manualSeed,
} from '../../src/index.js';
import { encodeVideo, saveModel } from '../../src/node/index.js';

/** Writes `<dir>/run` and `count` videos `<dir>/v<i>.mp4` with `<dir>/v<i>.json` landmarks; returns their paths. */
export async function writeRunAndVideos(
  dir: string,
  count = 2,
): Promise<{ run: string; videos: string[]; landmarks: string[] }> {
  const run = path.join(dir, 'run');
  manualSeed(3);
  const plm = new PLMIPE({ pixel: { c3d: { ...SMALL_TRAINING.c3d } }, landmark: SMALL_TRAINING.landmark });
  await saveModel(plm, path.join(run, 'checkpoints', 'plm-ipe', 'epoch-001'));
  fs.writeFileSync(
    path.join(run, 'checkpoints', 'plm-ipe', 'state.json'),
    JSON.stringify({ format: 'plm-ipe-train-state', checkpoint: 'epoch-001' }),
  );
  fs.mkdirSync(path.join(run, 'report'), { recursive: true });
  const { dataset } = demoConfig({ size: 'tiny' });
  fs.writeFileSync(path.join(run, 'report', 'config.json'), JSON.stringify({ extract: SMALL_EXTRACT, dataset }));
  const ds = generateDataset({ ...dataset, subjects: count });
  const videos: string[] = [];
  const landmarks: string[] = [];
  for (let i = 0; i < count; i++) {
    const v = ds.renderVideo(ds.entries[i]);
    const file = path.join(dir, `v${i}.mp4`);
    await encodeVideo(file, { width: v.width, height: v.height, fps: v.fps, frames: v.frames });
    const lm = path.join(dir, `v${i}.json`);
    fs.writeFileSync(
      lm,
      formatLandmarks({ id: `v${i}`, width: v.width, height: v.height, fps: v.fps, landmarks: v.landmarks }),
    );
    videos.push(file);
    landmarks.push(lm);
  }
  return { run, videos, landmarks };
}
