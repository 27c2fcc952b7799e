// A picture of the synthetic data for docs and sanity checks: picks clear positive, neutral and
// negative reactions of a few subjects, takes each video's peak frame and tiles them into one RGB
// image (rows: positive, neutral, negative). Pure; imports only the dataset types.
import type { SyntheticDataset, SyntheticVideo } from './dataset.js';

/** Tiles equally sized RGB images into rows of `columns`, with a `gap` of `background` between them. */
export function tileImages(
  images: readonly Uint8Array[],
  width: number,
  height: number,
  columns: number,
  gap = 2,
  background: readonly [number, number, number] = [255, 255, 255],
): { width: number; height: number; data: Uint8Array } {
  const rows = Math.ceil(images.length / columns);
  const W = columns * width + (columns - 1) * gap;
  const H = rows * height + (rows - 1) * gap;
  const data = new Uint8Array(W * H * 3);
  for (let i = 0; i < W * H; i++) data.set(background, i * 3);
  images.forEach((img, k) => {
    const ox = (k % columns) * (width + gap);
    const oy = Math.floor(k / columns) * (height + gap);
    for (let y = 0; y < height; y++)
      data.set(img.subarray(y * width * 3, (y + 1) * width * 3), ((oy + y) * W + ox) * 3);
  });
  return { width: W, height: H, data };
}

/** The frame where the face is furthest (in exact landmarks) from its first frame: the reaction's peak. */
export function peakFrame(video: SyntheticVideo): number {
  const first = video.landmarksExact[0];
  let best = 0;
  let bestD = -1;
  video.landmarksExact.forEach((lm, t) => {
    let d = 0;
    // Inner face only (brows, eyes, mouth): head turns move the jaw more than any expression does.
    for (let i = 17; i < 68; i++)
      if (i < 27 || i > 35) d += Math.hypot(lm[2 * i] - first[2 * i], lm[2 * i + 1] - first[2 * i + 1]);
    if (d > bestD) {
      bestD = d;
      best = t;
    }
  });
  return best;
}

/**
 * A montage of `columns` subjects (rows: positive, neutral, negative), using videos whose shown
 * reaction is strong and agrees with the score, so the picture shows what the classes look like.
 */
export function reactionMontage(
  ds: SyntheticDataset,
  columns = 5,
): { width: number; height: number; data: Uint8Array } {
  const { width, height } = ds.options;
  const picked: Uint8Array[][] = [];
  for (const subject of ds.subjects) {
    if (picked.length >= columns) break;
    const mine = ds.entries.filter((e) => e.subject === subject.id);
    const rendered = mine.map((e) => ({ e, v: ds.renderVideo(e) }));
    const strongest = (sign: number) =>
      rendered
        .filter((x) => (sign > 0 ? x.e.score > 60 : x.e.score < 40) && x.v.expressedValence * sign > 0.5)
        .sort((a, b) => b.v.intensity - a.v.intensity)[0];
    const pos = strongest(1);
    const neg = strongest(-1);
    const neu = rendered.find((x) => x.e.score >= 40 && x.e.score <= 60 && x.v.intensity === 0);
    if (!pos || !neg || !neu || pos.v.intensity < 0.5 || neg.v.intensity < 0.5) continue;
    picked.push([pos, neu, neg].map((x) => x.v.frames[peakFrame(x.v)]));
  }
  const ordered: Uint8Array[] = [];
  for (let row = 0; row < 3; row++) for (const col of picked) ordered.push(col[row]);
  return tileImages(ordered, width, height, picked.length);
}
