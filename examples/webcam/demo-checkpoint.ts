// Build-time checkpoint of the webcam demo: a real `plm-ipe demo --size tiny --methods PLM-IPE` run
// (runDemo with demoConfig), kept in a cache folder and retrained only when its configuration or
// the library sources it depends on change (a hash of both, stored beside the run). The run's last
// PLM-IPE checkpoint and its report/config.json are copied into the build folder. Node only.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoConfig, type DemoConfig, type MethodName } from 'plm-ipe';
import { runDemo } from 'plm-ipe/node'; // `plm-ipe demo`'s own function
import { CHECKPOINT_STEM, CONFIG_FILE } from './settings.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The run the page's checkpoint comes from: the tiny demo, PLM-IPE only (the other four methods would triple the time). */
const METHODS: readonly MethodName[] = ['PLM-IPE'];

/**
 * Library folders whose code shapes the trained model: data generation, extraction, descriptors,
 * models and training. A change in any of them retrains (the config hash alone would miss a code change).
 */
const SOURCE_DIRS = [
  'src/pipeline',
  'src/models',
  'src/data',
  'src/landmarks',
  'src/layers',
  'src/losses',
  'src/optim',
];

/** Options of {@link ensureDemoCheckpoint}. */
export interface DemoCheckpointOptions {
  /** Build folder; the checkpoint goes to `<outDir>/checkpoint/`. */
  outDir: string;
  /** Folder of the `plm-ipe demo` run (generated data cache, checkpoints, report). */
  cacheDir: string;
  /** Train again even when the cached run is current. */
  retrain?: boolean;
  /** Training epochs (default: the tiny demo's, from demoConfig). */
  epochs?: number;
  log: (line: string) => void;
}

/** What the stamp file beside a run records. */
interface RunStamp {
  hash: string;
  command: string;
  checkpoint: string;
  testAccuracy: number | null;
}

function sourceFiles(dir: string): string[] {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  return fs
    .readdirSync(abs, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .sort()
    .map((f) => path.join(dir, f));
}

/** Hash of the configuration, the methods and every relevant source file (path and content). */
function runHash(config: DemoConfig): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ config, methods: METHODS }));
  for (const file of SOURCE_DIRS.flatMap(sourceFiles)) {
    h.update(`\0${file}\0`);
    h.update(fs.readFileSync(path.join(ROOT, file)));
  }
  return h.digest('hex').slice(0, 16);
}

function readStamp(file: string): RunStamp | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as RunStamp;
  } catch {
    return null;
  }
}

/** The PLM-IPE checkpoint a run reports (picked on validation; the last for older runs), as named by its training state file. */
function lastCheckpoint(runDir: string): string {
  const dir = path.join(runDir, 'checkpoints', 'plm-ipe');
  const stateFile = path.join(dir, 'state.json');
  if (!fs.existsSync(stateFile))
    throw new Error(
      `webcam demo: the demo run in ${runDir} has no ${path.relative(runDir, stateFile)}; build with --retrain`,
    );
  const state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { checkpoint?: string; selected?: string };
  if (typeof state.selected === 'string') return path.join(dir, state.selected);
  if (typeof state.checkpoint !== 'string')
    throw new Error(`webcam demo: ${stateFile} names no checkpoint (expected a field 'checkpoint' like "epoch-008")`);
  return path.join(dir, state.checkpoint);
}

/** Copies the run's last PLM-IPE checkpoint as `<out>/checkpoint/plm-ipe.{json,safetensors}` and its config.json beside it. */
function copyCheckpoint(runDir: string, outDir: string): string {
  const src = lastCheckpoint(runDir);
  const dst = path.join(outDir, CHECKPOINT_STEM);
  // Nothing stale beside it (an older build's checkpoint would be served too).
  fs.rmSync(path.dirname(dst), { recursive: true, force: true });
  fs.mkdirSync(path.dirname(dst), { recursive: true });
  fs.copyFileSync(`${src}.safetensors`, `${dst}.safetensors`);
  // The JSON names its weights file; it follows the rename.
  const file = JSON.parse(fs.readFileSync(`${src}.json`, 'utf8')) as { weights: string };
  file.weights = path.basename(`${dst}.safetensors`);
  fs.writeFileSync(`${dst}.json`, JSON.stringify(file, null, 2) + '\n');
  fs.copyFileSync(path.join(runDir, 'report', 'config.json'), path.join(outDir, CONFIG_FILE));
  return src;
}

/**
 * Makes sure `<outDir>/checkpoint/` holds a PLM-IPE checkpoint from a current tiny demo run,
 * training one (about 2 minutes on 2 cores) when the cached run is missing or stale.
 */
export async function ensureDemoCheckpoint(options: DemoCheckpointOptions): Promise<void> {
  const { log, outDir, cacheDir } = options;
  const config = demoConfig({ size: 'tiny', epochs: options.epochs });
  const hash = runHash(config);
  const command = `plm-ipe demo --size tiny --methods PLM-IPE${options.epochs !== undefined ? ` --epochs ${options.epochs}` : ''}`;
  const outStamp = path.join(outDir, 'checkpoint', 'stamp.json');
  const runStamp = path.join(cacheDir, 'stamp.json');
  const haveOut =
    fs.existsSync(path.join(outDir, `${CHECKPOINT_STEM}.safetensors`)) && fs.existsSync(path.join(outDir, CONFIG_FILE));
  if (!options.retrain && haveOut && readStamp(outStamp)?.hash === hash) {
    log(
      `webcam demo: checkpoint in ${path.join(outDir, 'checkpoint')} is current (${command}; --retrain to train again)`,
    );
    return;
  }
  let stamp = readStamp(runStamp);
  if (options.retrain || stamp?.hash !== hash) {
    log(
      `webcam demo: training the checkpoint: ${command} into ${cacheDir} (about 2 minutes on 2 cores; ` +
        `${stamp ? 'the configuration or library sources changed' : 'no cached run'})`,
    );
    // A stale run would be resumed by runDemo; start from nothing.
    fs.rmSync(cacheDir, { recursive: true, force: true });
    fs.mkdirSync(cacheDir, { recursive: true });
    const results = await runDemo({
      config,
      out: cacheDir,
      methods: METHODS,
      log: (line) => line && log(`webcam demo: ${line}`),
    });
    const plm = results.table1?.find((r) => r.name === 'PLM-IPE');
    stamp = {
      hash,
      command,
      checkpoint: path.relative(cacheDir, lastCheckpoint(cacheDir)),
      testAccuracy: plm ? plm.report.accuracy : null,
    };
    fs.writeFileSync(runStamp, JSON.stringify(stamp, null, 2) + '\n');
  } else {
    log(`webcam demo: reusing the cached run in ${cacheDir}`);
  }
  const src = copyCheckpoint(cacheDir, outDir);
  fs.writeFileSync(outStamp, JSON.stringify(stamp, null, 2) + '\n');
  const acc =
    stamp.testAccuracy === null
      ? ''
      : ` (PLM-IPE test accuracy ${(100 * stamp.testAccuracy).toFixed(1)}% on held-out synthetic subjects)`;
  log(
    `webcam demo: copied ${path.relative(cacheDir, src)}.{json,safetensors} and report/config.json to ${path.join(outDir, 'checkpoint')}${acc}`,
  );
}
