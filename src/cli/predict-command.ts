// `plm-ipe predict <video...>`: videos through a trained run with the Predictor (plm-ipe/node's
// loadPredictor and predictFile): decoded at the run's frame rate, landmarks from track files or a
// detector, the fused class and the three probability rows. `--json` prints one JSON document on
// stdout (logs go to stderr); a video that fails is reported with its reason and the rest go on.
import { Command, Option } from 'commander';
import { LABELS } from '../data/manifest.js';
import { createProvider } from '../pipeline/feature-folder.js';
import { loadPredictor, predictFile } from '../node/predict.js';
import type { Prediction } from '../predict/predictor.js';
import { oneOf } from './errors.js';
import { selectBackend } from './setup.js';

const fmt = (p: ArrayLike<number>): string => LABELS.map((l, i) => `${l} ${p[i].toFixed(4)}`).join('  ');

interface PredictCliOptions {
  run: string;
  landmarks?: string[];
  provider?: string;
  method: string;
  backend: 'cpu' | 'gpu';
  json?: boolean;
}

/** One video's lines for people. */
function humanLines(video: string, p: Prediction, method: string): string[] {
  const t = p.timings;
  const lines = [
    `video: ${video} (${p.frames} frames at ${+p.fps.toFixed(3)} fps, face in ${p.faceFrames}, ${p.clips} clip(s); ${(t.totalMs / 1000).toFixed(1)} s)`,
  ];
  if (p.fused) lines.push(`PLM-IPE (eq. 8, fused): ${fmt(p.fused)}`);
  if (p.pixel) lines.push(`pixel branch:           ${fmt(p.pixel)}`);
  if (p.landmark) lines.push(`landmark branch:        ${fmt(p.landmark)}`);
  // PBE, EarlyFusion, LateFusion: one row, named after the method (its branch is just 'method').
  if (!p.fused && !p.landmark) lines.push(`${method}: ${fmt(p.probabilities)}`);
  lines.push(`predicted preference: ${p.label}`);
  return lines;
}

export function predictCommand(): Command {
  return new Command('predict')
    .description(
      'predict the preference shown in videos with a trained run (fused class and the three probability rows)',
    )
    .argument('<videos...>', 'video files (any format ffmpeg reads) or folders of frames')
    .option('--run <dir>', 'run folder made by demo or train', 'runs/demo')
    .option(
      '--landmarks <files...>',
      'landmark track JSON per video, in the same order, after the videos (see docs/dataset.md)',
    )
    .option('--provider <name>', 'detect landmarks with this provider instead (face-api)')
    .option('--method <name>', 'trained method to use', 'PLM-IPE')
    .option('--json', 'print the results as one JSON document on stdout (logs on stderr)')
    .addOption(
      new Option('--backend <backend>', 'compute backend').argParser(oneOf(['cpu', 'gpu'] as const)).default('cpu'),
    )
    .action(async (videos: string[], opts: PredictCliOptions) => {
      if (!opts.landmarks && !opts.provider)
        throw new Error('predict needs landmarks: pass --landmarks <file.json...> or --provider face-api');
      if (opts.landmarks && opts.provider) throw new Error('pass either --landmarks or --provider, not both');
      if (opts.landmarks && opts.landmarks.length !== videos.length) {
        throw new Error(
          `--landmarks names ${opts.landmarks.length} file(s) for ${videos.length} video(s); give one track per video, in the same order`,
        );
      }
      // People read stdout; with --json it carries the document alone.
      const say = (line: string): void => void (opts.json ? process.stderr : process.stdout).write(`${line}\n`);
      await selectBackend(opts.backend);
      const predictor = await loadPredictor(opts.run, { method: opts.method });
      say(`run ${opts.run}: ${predictor.describe()}`);
      const provider = opts.provider ? await createProvider(opts.provider) : null;
      const results: ({ video: string } & ({ ok: true; prediction: Prediction } | { ok: false; error: string }))[] = [];
      try {
        for (let i = 0; i < videos.length; i++) {
          try {
            const p = await predictFile(predictor, videos[i], {
              landmarks: opts.landmarks?.[i],
              provider: provider?.provider,
            });
            results.push({ video: videos[i], ok: true, prediction: p });
            for (const line of humanLines(videos[i], p, opts.method)) say(line);
          } catch (err) {
            const error = (err as Error).message;
            results.push({ video: videos[i], ok: false, error });
            say(`video: ${videos[i]}: failed: ${error}`);
          }
        }
      } finally {
        await provider?.provider.dispose?.();
      }
      if (opts.json)
        process.stdout.write(
          `${JSON.stringify({ run: opts.run, method: opts.method, fps: predictor.fps, results }, null, 2)}\n`,
        );
      const failed = results.filter((r) => !r.ok).length;
      if (failed === videos.length)
        throw new Error(
          failed === 1 ? (results[0] as { error: string }).error : `all ${failed} videos failed (reasons above)`,
        );
      if (failed > 0) {
        say(`${failed} of ${videos.length} videos failed`);
        process.exitCode = 2;
      }
    });
}
