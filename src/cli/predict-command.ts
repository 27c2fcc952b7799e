// `plm-ipe predict <video>`: one video through a trained PLM-IPE: its landmarks from a file or a
// detector, the same extraction as training (read from the run's config.json), then the three
// class probabilities of eq. 8 (and of each branch) and the fused class.
import { Command, Option } from 'commander';
import { LABELS } from '../data/manifest.js';
import { loadVideo } from '../data/video.js';
import { readLandmarks } from '../data/landmark-file-node.js';
import { loadModel } from '../models/checkpoint-node.js';
import { PLMIPE } from '../models/plm-ipe.js';
import type { PreferenceMethod } from '../models/method.js';
import { computeFeatures, manifestSources, type ExtractOptions } from '../pipeline/extract.js';
import { makeBatch } from '../pipeline/dataset.js';
import { createProvider } from '../pipeline/feature-folder.js';
import { oneOf } from './errors.js';
import { lastCheckpoint } from './data-commands.js';
import { log, selectBackend } from './setup.js';

const fmt = (p: ArrayLike<number>): string => LABELS.map((l, i) => `${l} ${p[i].toFixed(4)}`).join('  ');

/** Builds `predict`. */
export function predictCommand(): Command {
  return new Command('predict')
    .description('predict the preference shown in one video with a trained PLM-IPE (probabilities and the fused class)')
    .argument('<video>', 'video file (any format ffmpeg reads) or folder of frames')
    .option('--run <dir>', 'run folder made by demo or train', 'runs/demo')
    .option('--landmarks <file>', 'landmark track JSON of the video (see docs/dataset.md)')
    .option('--provider <name>', 'detect landmarks with this provider instead (face-api)')
    .option('--method <name>', 'trained method to use', 'PLM-IPE')
    .addOption(new Option('--backend <backend>', 'compute backend').argParser(oneOf(['cpu', 'gpu'] as const)).default('cpu'))
    .action(async (video: string, opts: { run: string; landmarks?: string; provider?: string; method: string; backend: 'cpu' | 'gpu' }) => {
      if (!opts.landmarks && !opts.provider) throw new Error('predict needs landmarks: pass --landmarks <file.json> or --provider face-api');
      if (opts.landmarks && opts.provider) throw new Error('pass either --landmarks or --provider, not both');
      await selectBackend(opts.backend);
      const fs = await import('node:fs/promises');
      const path = await import('node:path');
      const configFile = path.join(opts.run, 'report', 'config.json');
      let extract: ExtractOptions;
      try {
        extract = (JSON.parse(await fs.readFile(configFile, 'utf8')) as { extract: ExtractOptions }).extract;
      } catch {
        throw new Error(`${opts.run} is not a finished run (no ${configFile}); run 'plm-ipe demo' or 'plm-ipe train' first`);
      }
      const ck = await lastCheckpoint(opts.run, opts.method);
      if (!ck) throw new Error(`no ${opts.method} checkpoint in ${opts.run}/checkpoints`);
      const model = (await loadModel(ck)) as unknown as PreferenceMethod;
      let frames;
      let track;
      if (opts.landmarks) {
        frames = await loadVideo(video);
        track = (await readLandmarks(opts.landmarks)).landmarks;
        if (track.length !== frames.frames.length) throw new Error(`${opts.landmarks} has ${track.length} frames of landmarks but ${video} has ${frames.frames.length} frames`);
      } else {
        const provider = await createProvider(opts.provider!);
        const [source] = manifestSources([{ id: path.basename(video), video, subject: '-', session: '-', score: 50 }], provider);
        ({ video: frames, landmarks: track } = await source.load());
        await provider.provider.dispose?.();
      }
      const f = computeFeatures(frames, track!, extract, video);
      const batch = makeBatch([{ id: video, label: 0, subject: '-', session: '-', ...f }], [0]);
      delete batch.labels;
      if (model instanceof PLMIPE) {
        const all = model.predictAll(batch);
        const fused = all.fused.dataSync();
        log(`video: ${video} (${frames.frames.length} frames, ${f.clipShape[0]} clip(s), checkpoint ${ck})`);
        log(`PLM-IPE (eq. 8, fused): ${fmt(fused)}`);
        log(`pixel branch:           ${fmt(all.pixel.dataSync())}`);
        log(`landmark branch:        ${fmt(all.landmark.dataSync())}`);
        const best = [0, 1, 2].reduce((a, b) => (fused[b] > fused[a] ? b : a), 0);
        log(`predicted preference: ${LABELS[best]}`);
      } else {
        const p = model.predictProba(batch).dataSync();
        log(`${opts.method}: ${fmt(p)}`);
        log(`predicted preference: ${LABELS[[0, 1, 2].reduce((a, b) => (p[b] > p[a] ? b : a), 0)]}`);
      }
    });
}
