// The fake webcam of the end-to-end test: a few built-in synthetic face videos (one per class
// where the seed allows), rendered with the tiny demo's expression strength (the bundled checkpoint
// was trained on those), concatenated and encoded by ffmpeg as the .y4m file Chromium's
// --use-file-for-fake-video-capture plays in a loop. Also says whether ffmpeg is there.
import { spawn, spawnSync } from 'node:child_process';
import { demoConfig, generateDataset, scoreToLabel } from '../../src/index.js';
import { ffmpegPath } from '../../src/node/index.js';

/** True when ffmpeg runs. */
export const HAS_FFMPEG = spawnSync(ffmpegPath(), ['-hide_banner', '-version'], { stdio: 'ignore' }).status === 0;

export const FFMPEG_SKIP = `webcam demo test skipped: no ffmpeg (install Debian's ffmpeg or set FFMPEG_PATH); it makes the fake camera's .y4m`;

/** Options of {@link writeFakeCameraY4m}. */
export interface FakeCameraOptions {
  width?: number;
  height?: number;
  /** Videos to concatenate (default 3, one per class when the dataset has them). */
  videos?: number;
  seed?: number;
}

/** Writes `file` (.y4m, 25 fps, yuv420p); returns the frame count and the labels shown, in order. */
export async function writeFakeCameraY4m(
  file: string,
  o: FakeCameraOptions = {},
): Promise<{ frames: number; labels: number[] }> {
  const width = o.width ?? 320;
  const height = o.height ?? 240;
  const { expressionScale, reactionGain } = demoConfig({ size: 'tiny' }).dataset;
  const ds = generateDataset({
    seed: o.seed ?? 11,
    subjects: 2,
    sessionsPerSubject: 1,
    size: [width, height],
    fps: 25,
    expressionScale,
    reactionGain,
  });
  const want = o.videos ?? 3;
  const picked = [0, 1, 2]
    .map((k) => ds.entries.find((e) => scoreToLabel(e.score) === k))
    .filter((e) => e !== undefined);
  for (const e of ds.entries) if (picked.length < want && !picked.includes(e)) picked.push(e);
  const chosen = picked.slice(0, want);
  const ff = spawn(
    ffmpegPath(),
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-s',
      `${width}x${height}`,
      '-r',
      '25',
      '-i',
      '-',
      '-pix_fmt',
      'yuv420p',
      file,
    ],
    {
      stdio: ['pipe', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  ff.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const done = new Promise<void>((resolve, reject) => {
    ff.on('error', reject);
    ff.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`ffmpeg exited with ${code}: ${stderr.trim()}`)),
    );
  });
  let frames = 0;
  for (const e of chosen) {
    for (const f of ds.renderVideo(e).frames) {
      frames++;
      if (!ff.stdin.write(f)) await new Promise((r) => ff.stdin.once('drain', r));
    }
  }
  ff.stdin.end();
  await done;
  return { frames, labels: chosen.map((e) => scoreToLabel(e.score)) };
}
