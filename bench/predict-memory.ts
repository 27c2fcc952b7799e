// Resident memory of predictFile on a long 1080p video: ffmpeg's testsrc, 10 minutes at 30 fps
// (18,000 frames; one minute encoded, joined ten times), generated into a temp folder, predicted with a demo-sized run (SMALL_EXTRACT,
// 8 fps) and a fixed-landmark provider (detection is benched in bench/face-tracking.ts; here only
// decoding, descriptors, clips and the model count). Peak RSS is sampled every 50 ms. The peer is
// the in-memory path (decodeVideo then Predictor.predict), whose frames alone need the figure shown
// (computed, not run: it would not fit). Goal: peak RSS < 500 MB.
// Run: node --import tsx bench/predict-memory.ts   (--minutes N: a shorter video)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { probeVideo } from '../src/data/video.js';
import { templateLandmarks } from '../src/landmarks/template.js';
import { loadPredictor, predictFile } from '../src/node/index.js';
import { writeFileAtomicSync } from '../src/io/atomic-write.js';
import { writeRunAndVideos } from '../test/predict/run-fixture.js';

const i = process.argv.indexOf('--minutes');
const minutes = i >= 0 ? Number(process.argv[i + 1]) : 10;
const mb = (b: number) => b / 2 ** 20;

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plm-predict-memory-'));
  try {
    const file = path.join(dir, 'long-1080p.mp4');
    const t0 = performance.now();
    // One minute encoded, then repeated by stream copy (the concat demuxer), so making it takes seconds, not minutes.
    const minute = path.join(dir, 'minute.mp4');
    const seg = Math.min(1, minutes);
    const r = spawnSync(
      'ffmpeg',
      [
        '-v',
        'error',
        '-y',
        '-f',
        'lavfi',
        '-i',
        `testsrc=size=1920x1080:rate=30:duration=${seg * 60}`,
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-crf',
        '38',
        '-g',
        '300',
        '-pix_fmt',
        'yuv420p',
        minute,
      ],
      { stdio: 'inherit' },
    );
    if (r.status !== 0) throw new Error('ffmpeg could not make the test video');
    const list = path.join(dir, 'list.txt');
    fs.writeFileSync(
      list,
      Array.from({ length: Math.max(1, Math.round(minutes / seg)) }, () => `file '${minute}'\n`).join(''),
    );
    const c = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'concat', '-safe', '0', '-i', list, '-c', 'copy', file], {
      stdio: 'inherit',
    });
    if (c.status !== 0) throw new Error('ffmpeg could not join the test video');
    const info = await probeVideo(file);
    console.log(
      `made ${file}: ${info.width}x${info.height}, ${info.fps} fps, ${info.duration.toFixed(0)} s, ${(fs.statSync(file).size / 2 ** 20).toFixed(0)} MiB in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    );
    const { run } = await writeRunAndVideos(dir, 1);
    const predictor = await loadPredictor(run);
    // A face in the middle of the 640x360 decoded frames.
    const face = templateLandmarks(200).map((p) => ({ x: p.x + 220, y: p.y + 60 }));
    const provider = { detect: () => face };
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const t1 = performance.now();
    const p = await predictFile(predictor, file, { provider });
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().rss);
    const seconds = (performance.now() - t1) / 1000;
    const frames = p.frames;
    const inMemoryMb = mb(frames * 640 * 360 * 3);
    const result = {
      name: 'predict-memory',
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
      video: {
        width: info.width,
        height: info.height,
        fps: info.fps,
        seconds: info.duration,
        decodedAt: '640x360',
        modelFps: p.fps,
        modelFrames: frames,
      },
      rssBeforeMb: mb(before),
      rssPeakMb: mb(peak),
      rssGrowthMb: mb(peak - before),
      seconds,
      peer: { what: 'decodeVideo + Predictor.predict (all frames in memory)', framesMb: inMemoryMb },
      prediction: { label: p.label, clips: p.clips, timings: p.timings },
    };
    console.log(
      `predictFile: ${frames} model frames at ${p.fps} fps in ${seconds.toFixed(0)} s; RSS before ${mb(before).toFixed(0)} MB, peak ${mb(peak).toFixed(0)} MB (+${mb(peak - before).toFixed(0)} MB)`,
    );
    console.log(
      `in-memory path: its decoded frames alone would take ${inMemoryMb.toFixed(0)} MB (${(inMemoryMb / mb(peak)).toFixed(1)}x this peak)`,
    );
    const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results', 'predict-memory.json');
    writeFileAtomicSync(fs, path, out, JSON.stringify(result, null, 2) + '\n');
    console.log(`wrote ${path.relative(process.cwd(), out)}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
