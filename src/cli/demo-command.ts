// `plm-ipe demo`: generate the built-in synthetic dataset, extract features, train the five methods
// of Table 1 (on k folds and several seeds when asked), print Tables 1 and 2 with PLM-IPE's
// confusion matrix and per-class F1 (or with intervals and paired tests), and write the report folder. Option parsing and wiring only; the work is in src/pipeline/demo.ts.
import { Command, Option } from 'commander';
import { demoConfig } from '../pipeline/demo-config.js';
import { runDemo } from '../pipeline/demo.js';
import { integer, methodList, oneOf, positiveInt } from './errors.js';
import { log, selectBackend } from './setup.js';
import type { MethodName } from '../models/presets.js';
import { TRAINED_METHODS } from '../pipeline/train.js';
import { c3dWeightsOption, describeC3DWeights } from './c3d-weights.js';
import { pretrainedExtract } from '../pipeline/pretrained.js';

export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'generate a synthetic dataset, train PBE, LBE, EarlyFusion, LateFusion and PLM-IPE, print Tables 1 and 2, write a report',
    )
    .addOption(
      new Option(
        '--preset <preset>',
        'small: CPU sizes (minutes); paper: 112x112 16-frame clips, full C3D, 500 epochs, batch 32 (days)',
      )
        .argParser(oneOf(['small', 'paper'] as const))
        .default('small'),
    )
    .addOption(
      new Option('--size <size>', 'dataset size of the small preset: tiny (CI, about 1 minute) or small (about 3)')
        .argParser(oneOf(['tiny', 'small'] as const))
        .default('small'),
    )
    .option('--seed <n>', 'seed of the dataset, split and training', integer, 1)
    .addOption(
      new Option('--backend <backend>', 'compute backend').argParser(oneOf(['cpu', 'gpu'] as const)).default('cpu'),
    )
    .option('--out <dir>', 'output folder (cache, checkpoints, report); a rerun resumes', 'runs/demo')
    .option('--epochs <n>', "training epochs (default: the preset's)", positiveInt)
    .option('--methods <names>', `comma-separated subset of ${TRAINED_METHODS.join(', ')} (default: all)`, methodList)
    .option(
      '--folds <k>',
      'subject-grouped k-fold: report Tables 1 and 2 as mean ± 95% CI with paired tests (k times the time)',
      positiveInt,
    )
    .option('--seeds <n>', 'train every split with n seeds (seed, seed+1, ...)', positiveInt)
    .addOption(c3dWeightsOption())
    .action(
      async (opts: {
        preset: 'small' | 'paper';
        size: 'tiny' | 'small';
        seed: number;
        backend: 'cpu' | 'gpu';
        out: string;
        epochs?: number;
        methods?: MethodName[];
        folds?: number;
        seeds?: number;
        c3dWeights?: string;
      }) => {
        const backend = await selectBackend(opts.backend);
        const base = demoConfig({ preset: opts.preset, size: opts.size, seed: opts.seed, epochs: opts.epochs });
        const config = opts.c3dWeights ? { ...base, extract: pretrainedExtract(base.extract) } : base;
        if (opts.folds === 1) throw new Error("--folds must be at least 2 (leave it out for the paper's single split)");
        if (opts.c3dWeights) log(await describeC3DWeights(opts.c3dWeights, config.training.c3d));
        log(
          `plm-ipe demo: preset ${opts.preset}, size ${opts.size}, seed ${opts.seed}, ${config.training.epochs} epochs, backend ${backend}, output ${opts.out}` +
            `${opts.folds ? `, ${opts.folds} folds` : ''}${opts.seeds ? `, ${opts.seeds} seeds` : ''}`,
        );
        await runDemo({
          config,
          out: opts.out,
          log,
          progress: process.stderr,
          methods: opts.methods,
          folds: opts.folds,
          seeds: opts.seeds,
          c3dWeights: opts.c3dWeights,
        });
      },
    );
}
