// Node-only. Writes the synthetic dataset to a folder: videos/<id>.mp4 (one ffmpeg process per
// session) or videos/<id>/ PNG frames when ffmpeg is absent, landmarks/<id>.json and manifest.jsonl.
// Resumable: finished videos are kept and skipped on a rerun. node:* modules load lazily.
import { writeFileAtomic } from '../../io/atomic-write.js';
import { formatLandmarks } from '../landmark-file.js';
import { formatManifest } from '../manifest.js';
import { createProgress, type ProgressStream } from '../progress.js';
import { encodeVideos, hasFfmpeg, writeFrameFolder } from '../video.js';
import { generateDataset, type SyntheticEntry, type SyntheticOptions, type SyntheticVideo } from './dataset.js';

/** Options of {@link writeDataset}: the generator's knobs plus output choices. */
export interface WriteDatasetOptions extends SyntheticOptions {
  /** `mp4` (needs ffmpeg), `png` (a folder of frames per video) or `auto` (mp4 when ffmpeg runs). Default `auto`. */
  format?: 'auto' | 'mp4' | 'png';
  /** x264 quality (lower is better). Default 16. */
  crf?: number;
  /** Re-render videos that already exist. Default false (resume). */
  overwrite?: boolean;
  /** Progress output (e.g. `process.stderr`); silent when omitted. */
  progress?: ProgressStream;
}

/** What {@link writeDataset} wrote. */
export interface WrittenDataset {
  /** Path of manifest.jsonl. */
  manifest: string;
  /** The manifest's entries (paths relative to `dir`). */
  entries: SyntheticEntry[];
  format: 'mp4' | 'png';
  /** Videos rendered in this run (the rest already existed). */
  rendered: number;
  /** Wall time in seconds. */
  seconds: number;
}

async function exists(path: string): Promise<boolean> {
  const fs = await import('node:fs/promises');
  try {
    await fs.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** The format to write: `auto` is mp4 when ffmpeg runs, PNG frames otherwise; `mp4` without ffmpeg throws. */
async function videoFormat(format: 'auto' | 'mp4' | 'png'): Promise<'mp4' | 'png'> {
  if (format === 'auto') return (await hasFfmpeg()) ? 'mp4' : 'png';
  if (format === 'mp4' && !(await hasFfmpeg())) {
    throw new Error(`writeDataset: format 'mp4' needs ffmpeg (install it or set FFMPEG_PATH), or use format 'png'`);
  }
  return format;
}

/** The entries grouped by session, in first-seen order. */
function bySession(entries: SyntheticEntry[]): SyntheticEntry[][] {
  const sessions = new Map<string, SyntheticEntry[]>();
  for (const e of entries) {
    const list = sessions.get(e.session);
    if (list) list.push(e);
    else sessions.set(e.session, [e]);
  }
  return [...sessions.values()];
}

/** Writes a video's PNG frame folder next to `final`, then swaps it in, so a half-written folder never has its name. */
async function replaceFrameFolder(final: string, video: SyntheticVideo): Promise<void> {
  const fs = await import('node:fs/promises');
  const tmp = `${final}.tmp-${process.pid}`;
  await fs.rm(tmp, { recursive: true, force: true });
  await writeFrameFolder(tmp, video);
  await fs.rm(final, { recursive: true, force: true });
  await fs.rename(tmp, final);
}

/**
 * Generates the synthetic dataset and writes it under `dir`. Rendering of one session overlaps with
 * encoding of the previous one, so both cores of a small machine stay busy.
 * @example
 * await writeDataset('data/synthetic', { seed: 1, progress: process.stderr });
 */
export async function writeDataset(dir: string, options: WriteDatasetOptions = {}): Promise<WrittenDataset> {
  if (typeof dir !== 'string' || dir === '') {
    throw new Error(
      `writeDataset: dir must be a folder path (string), got ${dir === '' ? "''" : typeof dir}; the options come second: writeDataset('data/synthetic', { seed: 1 })`,
    );
  }
  const nodePath = await import('node:path');
  const fs = await import('node:fs/promises');
  const start = Date.now();
  const ds = generateDataset(options);
  const format = await videoFormat(options.format ?? 'auto');
  const entries = ds.entries.map((e) => ({ ...e, video: format === 'mp4' ? `videos/${e.id}.mp4` : `videos/${e.id}` }));
  await fs.mkdir(nodePath.join(dir, 'videos'), { recursive: true });
  await fs.mkdir(nodePath.join(dir, 'landmarks'), { recursive: true });

  const progress = createProgress({
    total: entries.length,
    label: 'synthetic videos',
    stream: options.progress,
    everySeconds: 10,
  });
  let rendered = 0;
  let pending: Promise<void> = Promise.resolve();
  for (const list of bySession(entries)) {
    const todo: Array<{ entry: SyntheticEntry; video: SyntheticVideo }> = [];
    for (const entry of list) {
      const videoPath = nodePath.join(dir, entry.video);
      const lmPath = nodePath.join(dir, entry.landmarks!);
      if (!options.overwrite && (await exists(videoPath)) && (await exists(lmPath))) {
        progress.tick();
        continue;
      }
      const video = ds.renderVideo(entry);
      await writeFileAtomic(
        lmPath,
        formatLandmarks({
          id: entry.id,
          width: video.width,
          height: video.height,
          fps: video.fps,
          landmarks: video.landmarks,
          exact: video.landmarksExact,
        }),
      );
      todo.push({ entry, video });
    }
    // One encode in flight while the next session renders.
    await pending;
    if (todo.length === 0) continue;
    rendered += todo.length;
    const job = async (): Promise<void> => {
      if (format === 'mp4') {
        await encodeVideos(
          todo.map((t) => ({ path: nodePath.join(dir, t.entry.video), video: t.video })),
          { crf: options.crf },
        );
      } else {
        for (const t of todo) await replaceFrameFolder(nodePath.join(dir, t.entry.video), t.video);
      }
      progress.tick(todo.length);
    };
    pending = job();
    // Its error is rethrown by the next `await pending`; this only avoids an unhandled-rejection warning meanwhile.
    pending.catch(() => {});
  }
  await pending;
  progress.finish();
  const manifest = nodePath.join(dir, 'manifest.jsonl');
  await writeFileAtomic(manifest, formatManifest(entries.map((e) => ({ ...e, extra: undefined }))));
  return { manifest, entries, format, rendered, seconds: (Date.now() - start) / 1000 };
}
