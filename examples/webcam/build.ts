// Builds the webcam demo into a static folder (default examples/webcam/dist): the page script
// (esbuild bundles page/main.ts, which imports 'plm-ipe' and 'plm-ipe/gpu', resolved to src/ through tsconfig paths), index.html with its CSS,
// face-api's ESM build and the two weight sets it needs, and a PLM-IPE checkpoint from a real
// `plm-ipe demo --size tiny --methods PLM-IPE` run (demo-checkpoint.ts; about 2 minutes of training
// the first time, reused while the demo's config and the library sources are unchanged).
// Run: node --import tsx examples/webcam/build.ts [--out DIR] [--cache DIR] [--retrain] [--epochs N]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { ensureDemoCheckpoint } from './demo-checkpoint.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Options of {@link buildDemo}. */
export interface BuildOptions {
  /** Output folder. Default examples/webcam/dist. */
  outDir?: string;
  /** Folder of the `plm-ipe demo` run behind the checkpoint. Default examples/webcam/.cache/demo-run. */
  cacheDir?: string;
  /** Train the checkpoint again even when a current one is there. */
  retrain?: boolean;
  /** Training epochs of the bundled checkpoint (default: the tiny demo's). */
  epochs?: number;
  /** Progress lines. Default console.log. */
  log?: (line: string) => void;
}

/** face-api weights the page loads: the tiny face detector and the 68-point landmark net. */
const FACE_API_WEIGHTS = ['tiny_face_detector_model', 'face_landmark_68_model'];

function faceApiDir(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve('@vladmandic/face-api/package.json'));
}

function copy(src: string, dst: string): void {
  fs.mkdirSync(path.dirname(dst), { recursive: true });
  fs.copyFileSync(src, dst);
}

/** Builds the demo; returns the output folder. */
export async function buildDemo(options: BuildOptions = {}): Promise<string> {
  const log = options.log ?? console.log;
  const out = path.resolve(options.outDir ?? path.join(HERE, 'dist'));
  fs.mkdirSync(out, { recursive: true });
  const t0 = Date.now();
  await build({
    entryPoints: [path.join(HERE, 'page', 'main.ts')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    outfile: path.join(out, 'page.js'),
    sourcemap: 'linked',
    // Nothing external: the page imports only 'plm-ipe' and 'plm-ipe/gpu' (tsconfig.json's paths map
    // them to src/), which reach no Node built-in; face-api comes as its own ESM file (vendor/).
    logLevel: 'warning',
  });
  // The CSS goes inline: the test harness's static server (reused by serve.ts) knows no text/css.
  const css = fs.readFileSync(path.join(HERE, 'static', 'style.css'), 'utf8');
  const html = fs.readFileSync(path.join(HERE, 'static', 'index.html'), 'utf8');
  fs.writeFileSync(
    path.join(out, 'index.html'),
    html.replace('<link rel="stylesheet" href="./style.css">', () => `<style>\n${css}</style>`),
  );
  const fa = faceApiDir();
  copy(path.join(fa, 'dist', 'face-api.esm.js'), path.join(out, 'vendor', 'face-api.esm.js'));
  for (const w of FACE_API_WEIGHTS) {
    copy(path.join(fa, 'model', `${w}-weights_manifest.json`), path.join(out, 'models', `${w}-weights_manifest.json`));
    copy(path.join(fa, 'model', `${w}.bin`), path.join(out, 'models', `${w}.bin`));
  }
  log(`webcam demo: page bundled in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  await ensureDemoCheckpoint({
    outDir: out,
    cacheDir: path.resolve(options.cacheDir ?? path.join(HERE, '.cache', 'demo-run')),
    retrain: options.retrain,
    epochs: options.epochs,
    log,
  });
  log(
    `webcam demo: built ${out} in ${((Date.now() - t0) / 1000).toFixed(1)} s; serve it with: node --import tsx examples/webcam/serve.ts`,
  );
  return out;
}

function parseArgs(argv: string[]): BuildOptions {
  const o: BuildOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out') o.outDir = argv[++i];
    else if (a === '--cache') o.cacheDir = argv[++i];
    else if (a === '--retrain') o.retrain = true;
    else if (a === '--epochs') o.epochs = Number(argv[++i]);
    else throw new Error(`build.ts: unknown argument '${a}' (use --out DIR, --cache DIR, --retrain, --epochs N)`);
  }
  if (o.epochs !== undefined && !(Number.isInteger(o.epochs) && o.epochs > 0))
    throw new Error(`build.ts: --epochs must be a positive integer, got '${argv[argv.indexOf('--epochs') + 1]}'`);
  return o;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  Promise.resolve()
    .then(() => buildDemo(parseArgs(process.argv.slice(2))))
    .catch((err: Error) => {
      console.error(err.message);
      process.exit(1);
    });
}
