// computeClips for a video that is streamed rather than held in memory: once the whole landmark
// track is known (a first pass), `planClips` says which clips the extraction keeps and which frames
// they need; a second pass keeps only those frames, and `clipsFromFrames` cuts exactly the clips
// computeClips would have cut from the whole video (same face box, selection, padding, baseline).
// Browser-safe, no I/O.
import { faceBox, preprocessVideo, type Box } from '../data/preprocess.js';
import type { LandmarkTrack } from '../data/types.js';
import { pickApexClips, pickClips, subtractFirstFrame, type VideoExtractOptions } from '../pipeline/video-features.js';

/** Which clips of a `frames`-frame video an extraction keeps, and the frames they need. */
export interface ClipPlan {
  /** Frames in the (frameStep-sampled) video. */
  frames: number;
  /** Indices of the kept clips, in order. */
  keep: number[];
  /** Frame indices the kept clips (and the first-frame baseline) read, ascending. */
  needed: number[];
  /** The whole video's face box (crop 'face'), or null. */
  box: Box | null;
}

/** Plans the clips of a video from its whole (frameStep-sampled, gap-filled) track, as computeClips selects them. */
export function planClips(track: LandmarkTrack, extract: VideoExtractOptions, name: string): ClipPlan {
  const T = track.length;
  const L = extract.clipLength;
  // remainder 'pad': a partial last clip (or a video shorter than one clip) still counts.
  const k = Math.max(1, Math.ceil(T / L));
  const keep =
    (extract.clipSelection ?? 'spread') === 'apex'
      ? pickApexClips(track, k, L, extract.maxClips)
      : pickClips(k, extract.maxClips);
  const needed = new Set<number>();
  for (const c of keep) for (let t = c * L; t < Math.min(T, (c + 1) * L); t++) needed.add(t);
  if ((extract.clipBaseline ?? 'none') === 'first-frame') needed.add(0);
  const box = extract.crop === 'face' ? faceBox(track, { name }) : null;
  return { frames: T, keep, needed: [...needed].sort((a, b) => a - b), box };
}

/**
 * The kept clips from the needed frames only (`frames.get(t)` is frame t's RGB bytes): equal to
 * computeClips on the whole video.
 */
export function clipsFromFrames(
  frames: ReadonlyMap<number, Uint8Array>,
  track: LandmarkTrack,
  plan: ClipPlan,
  video: { width: number; height: number; fps: number },
  extract: VideoExtractOptions,
  name: string,
): { clips: Float32Array; clipShape: [number, number, number, number, number] } {
  const L = extract.clipLength;
  const last = plan.frames - 1;
  const baseline = (extract.clipBaseline ?? 'none') === 'first-frame';
  // Clip 0 goes first when only the baseline needs it; its first frame is then the baseline's.
  const order = baseline && plan.keep[0] !== 0 ? [0, ...plan.keep] : plan.keep;
  const sub: Uint8Array[] = [];
  const subTrack: LandmarkTrack = [];
  for (const c of order) {
    for (let i = 0; i < L; i++) {
      // The last clip is padded with the video's last frame, as remainder 'pad' does.
      const t = Math.min(last, c * L + i);
      const f = frames.get(t) ?? (c === 0 && !plan.keep.includes(0) ? frames.get(0) : undefined);
      if (!f) throw new Error(`${name}: frame ${t} was not kept for clip ${c}`);
      sub.push(f);
      subTrack.push(track[t]);
    }
  }
  const batch = preprocessVideo(
    { ...video, frames: sub },
    {
      clipLength: L,
      size: extract.clipSize,
      crop: extract.crop,
      normalize: extract.normalize,
      landmarks: subTrack,
      faceBox: plan.box ?? undefined,
      remainder: 'drop',
      name,
    },
  );
  const [, c, l, h, w] = batch.shape;
  const per = c * l * h * w;
  const skip = order.length - plan.keep.length;
  const clips = batch.data.slice(skip * per);
  if (baseline) subtractFirstFrame(clips, batch.data, plan.keep.length, c, l, h * w);
  return { clips, clipShape: [plan.keep.length, c, l, h, w] };
}
