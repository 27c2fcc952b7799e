// A consumer project built from the packed tarball, as a new user gets it: `npm pack`, an empty
// project in a temp folder, `npm install ./plm-ipe-<v>.tgz` (no optional peers), then measurements
// of that install and builds of a small browser app with esbuild, Vite and webpack (the repo's
// devDependencies, run on the consumer's files). Shared by test/package/consumer.test.ts and
// scripts/package-report.ts; Node only, imports nothing from src/ (it sees the package as users do).
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Packages a browser bundle of the root entry must never contain. */
export const FORBIDDEN_IN_BROWSER = ['gpu.js', 'gl', 'pngjs', 'webgpu', 'commander'];

/** The newest modification time under `dir` (ms), for rebuilding a stale dist. */
function newestMtime(dir: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}

function distIsStale(): boolean {
  const marker = path.join(REPO, 'dist', 'node.js');
  return (
    !fs.existsSync(marker) ||
    fs.statSync(marker).mtimeMs <
      Math.max(newestMtime(path.join(REPO, 'src')), fs.statSync(path.join(REPO, 'tsup.config.ts')).mtimeMs)
  );
}

/**
 * Builds dist/ with tsup when it is missing or older than src/ or the build config. Test files
 * run in parallel, so one build at a time: a lock folder (mkdir is atomic), the others wait.
 */
export function ensureBuilt(): void {
  if (!distIsStale()) return;
  const lock = path.join(REPO, '.cache', 'tsup-build.lock');
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      // A lock older than the deadline is left over from a killed run.
      if (
        Date.now() > deadline ||
        Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 180_000
      )
        fs.rmSync(lock, { recursive: true, force: true });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    if (distIsStale()) execFileSync('npx', ['tsup', '--silent'], { cwd: REPO, stdio: 'inherit' });
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** Runs `npm pack` of the repo (or of `from`; dist as built) into `dir`; returns the tarball's path and sizes. */
export function packTarball(
  dir: string,
  from = REPO,
): { file: string; packedBytes: number; unpackedBytes: number; files: number } {
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
    cwd: from,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [info] = JSON.parse(out) as Array<{ filename: string; size: number; unpackedSize: number; entryCount: number }>;
  return {
    file: path.join(dir, info.filename),
    packedBytes: info.size,
    unpackedBytes: info.unpackedSize,
    files: info.entryCount,
  };
}

export interface Consumer {
  /** The consumer project's folder (package.json, node_modules, the app files). */
  dir: string;
  tarball: ReturnType<typeof packTarball>;
  installSeconds: number;
  /** Removes the temp folder. */
  remove(): void;
}

/**
 * Packs the repo and installs the tarball into a fresh empty project (install scripts allowed,
 * as a user's npm runs them: the install report then proves there are none to run).
 */
export function createConsumer(): Consumer {
  ensureBuilt();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plm-ipe-consumer-'));
  const tarball = packTarball(dir);
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'plm-ipe-consumer', version: '1.0.0', private: true, type: 'module' }, null, 2),
  );
  const t0 = performance.now();
  execFileSync('npm', ['install', tarball.file, '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return {
    dir,
    tarball,
    installSeconds: (performance.now() - t0) / 1000,
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

export interface InstallReport {
  /** Installed packages (name@version), plm-ipe included. */
  packages: string[];
  /** Bytes of node_modules on disk (file sizes). */
  bytes: number;
  /** Packages declaring preinstall/install/postinstall scripts. */
  installScripts: string[];
  /** Native addons or build files (.node, binding.gyp) anywhere in node_modules. */
  nativeFiles: string[];
}

/** Walks the consumer's node_modules: packages, size, install scripts, native files. */
export function inspectInstall(dir: string): InstallReport {
  const report: InstallReport = { packages: [], bytes: 0, installScripts: [], nativeFiles: [] };
  const files = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) files(p);
      else if (e.isFile()) {
        report.bytes += fs.statSync(p).size;
        if (e.name.endsWith('.node') || e.name === 'binding.gyp') report.nativeFiles.push(path.relative(dir, p));
      }
    }
  };
  // Packages: every folder directly in a node_modules (or in an @scope folder there), nested ones too.
  const packages = (nm: string): void => {
    if (!fs.existsSync(nm)) return;
    for (const e of fs.readdirSync(nm, { withFileTypes: true })) {
      if (!e.isDirectory() || e.name.startsWith('.')) continue;
      const p = path.join(nm, e.name);
      if (e.name.startsWith('@')) {
        packages(p);
        continue;
      }
      const pkg = JSON.parse(fs.readFileSync(path.join(p, 'package.json'), 'utf8')) as {
        name: string;
        version: string;
        scripts?: Record<string, string>;
      };
      report.packages.push(`${pkg.name}@${pkg.version}`);
      const s = pkg.scripts ?? {};
      if (s.preinstall || s.install || s.postinstall) report.installScripts.push(pkg.name);
      packages(path.join(p, 'node_modules'));
    }
  };
  files(path.join(dir, 'node_modules'));
  packages(path.join(dir, 'node_modules'));
  report.packages.sort();
  return report;
}

/** Runs `node` in the consumer folder; returns stdout (trimmed). Throws with stderr on failure. */
export function nodeIn(dir: string, args: string[], env: Record<string, string> = {}): string {
  const r = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0)
    throw new Error(
      `node ${args.slice(0, 2).join(' ')} failed (${r.status}): ${r.stderr.trim().split('\n').slice(-6).join('\n')}`,
    );
  return r.stdout.trim();
}

/**
 * Time (ms) `await import(specifier)` takes inside a fresh `node` (timed in the child, so process
 * start-up is left out): the minimum and the median over `runs` processes. On a busy machine the
 * minimum is the steadier figure.
 */
export function importMs(dir: string, specifier: string, runs = 7): { minMs: number; medianMs: number } {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    t.push(
      Number(
        nodeIn(dir, [
          '--input-type=module',
          '-e',
          `const t0 = performance.now(); await import(${JSON.stringify(specifier)}); console.log(performance.now() - t0)`,
        ]),
      ),
    );
  }
  t.sort((x, y) => x - y);
  return { minMs: t[0], medianMs: t[Math.floor(runs / 2)] };
}

/**
 * The small browser app the bundlers build: a PLMIPE checkpoint fetched as bytes
 * (model.json + model.safetensors beside the page), rebuilt with modelFromBytes, then a
 * prediction on a synthetic video. Prints the result and leaves it on `globalThis.__plmResult`.
 */
export const APP_JS = `import {
  LABELS, PLMIPE, SMALL_EXTRACT, computeFeatures, demoConfig, generateDataset, getBackend, makeBatch, modelFromBytes, ready,
} from 'plm-ipe';

async function main() {
  await ready();
  const [json, weights] = await Promise.all([
    fetch('./model.json').then((r) => r.text()),
    fetch('./model.safetensors').then((r) => r.arrayBuffer()),
  ]);
  const model = modelFromBytes(json, new Uint8Array(weights), 'model');
  if (!(model instanceof PLMIPE)) throw new Error('expected a PLMIPE checkpoint, got ' + model.constructor.name);
  const ds = generateDataset({ ...demoConfig({ size: 'tiny' }).dataset, subjects: 1 });
  const video = ds.renderVideo(ds.entries[0]);
  const f = computeFeatures({ width: video.width, height: video.height, fps: video.fps, frames: video.frames }, video.landmarks, { ...SMALL_EXTRACT }, 'v');
  const out = model.predictAll(makeBatch([{ id: 'v', label: 0, subject: '-', session: '-', ...f }], [0]));
  const fused = Array.from(out.fused.dataSync());
  const best = fused.indexOf(Math.max(...fused));
  const result = { backend: getBackend().name, fused, label: LABELS[best] };
  console.log('prediction ' + JSON.stringify(result));
  globalThis.__plmResult = result;
  document.getElementById('out').textContent = 'predicted preference: ' + result.label;
}
main().catch((e) => { console.error('app failed: ' + (e && e.stack || e)); globalThis.__plmResult = { error: String(e && e.message || e) }; });
`;

/** The page around the app; `script` is the built file's URL path. */
export function pageHtml(script: string): string {
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>plm-ipe consumer</title></head>\n<body><p id="out">loading</p>\n<script type="module" src="${script}"></script></body></html>\n`;
}

/**
 * Writes the app, a Vite index.html and the checkpoint the app loads (a PLMIPE saved with the
 * installed package's plm-ipe/node, its expected prediction computed in Node beside it).
 */
export function writeApp(dir: string): { expected: { fused: number[]; label: string } } {
  fs.writeFileSync(path.join(dir, 'app.js'), APP_JS);
  fs.writeFileSync(path.join(dir, 'index.html'), pageHtml('/app.js'));
  fs.mkdirSync(path.join(dir, 'public'), { recursive: true });
  const out = nodeIn(dir, [
    '--input-type=module',
    '-e',
    `
    import { LABELS, PLMIPE, SMALL_EXTRACT, SMALL_TRAINING, computeFeatures, demoConfig, generateDataset, makeBatch, manualSeed } from 'plm-ipe';
    import { saveModel } from 'plm-ipe/node';
    manualSeed(3);
    const plm = new PLMIPE({ pixel: { c3d: { ...SMALL_TRAINING.c3d, init: 'pytorch' } }, landmark: SMALL_TRAINING.landmark });
    await saveModel(plm, 'public/model');
    const ds = generateDataset({ ...demoConfig({ size: 'tiny' }).dataset, subjects: 1 });
    const video = ds.renderVideo(ds.entries[0]);
    const f = computeFeatures({ width: video.width, height: video.height, fps: video.fps, frames: video.frames }, video.landmarks, { ...SMALL_EXTRACT }, 'v');
    const fused = Array.from(plm.predictAll(makeBatch([{ id: 'v', label: 0, subject: '-', session: '-', ...f }], [0])).fused.dataSync());
    console.log(JSON.stringify({ fused, label: LABELS[fused.indexOf(Math.max(...fused))] }));`,
  ]);
  return { expected: JSON.parse(out.split('\n').pop()!) };
}

export interface BundleResult {
  /** The built app's folder (index.html, the script, the checkpoint), ready to serve. */
  outDir: string;
  /** Bytes of the app's JavaScript, and gzipped (level 9). */
  bytes: number;
  gzipBytes: number;
  /** Package folders under node_modules that went into the bundle. */
  packages: string[];
}

function jsSize(files: string[]): { bytes: number; gzipBytes: number } {
  let bytes = 0;
  let gzipBytes = 0;
  for (const f of files) {
    const b = fs.readFileSync(f);
    bytes += b.length;
    gzipBytes += zlib.gzipSync(b, { level: 9 }).length;
  }
  return { bytes, gzipBytes };
}

function packagesOf(inputs: Iterable<string>): string[] {
  const names = new Set<string>();
  for (const i of inputs) {
    const m = /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(
      i.replace(/^.*node_modules[\\/](?=.*node_modules)/, 'node_modules/'),
    );
    if (m) names.add(m[1].replace(/\\/g, '/'));
  }
  return [...names].sort();
}

function copyCheckpoint(dir: string, outDir: string): void {
  for (const f of ['model.json', 'model.safetensors'])
    fs.copyFileSync(path.join(dir, 'public', f), path.join(outDir, f));
}

/** esbuild: `--bundle --platform=browser --minify`, nothing external. Throws on any error (a Node built-in, a missing package). */
export async function buildWithEsbuild(dir: string): Promise<BundleResult> {
  const { build } = await import('esbuild');
  const outDir = path.join(dir, 'dist-esbuild');
  fs.mkdirSync(outDir, { recursive: true });
  const r = await build({
    entryPoints: [path.join(dir, 'app.js')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    minify: true,
    target: 'es2022',
    outfile: path.join(outDir, 'app.js'),
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: dir,
  });
  fs.writeFileSync(path.join(outDir, 'index.html'), pageHtml('./app.js'));
  copyCheckpoint(dir, outDir);
  return { outDir, ...jsSize([path.join(outDir, 'app.js')]), packages: packagesOf(Object.keys(r.metafile.inputs)) };
}

/** Vite 8 production build of index.html + app.js (checkpoint from public/). */
export async function buildWithVite(dir: string): Promise<BundleResult> {
  const { build } = await import('vite');
  const outDir = path.join(dir, 'dist-vite');
  const out = await build({
    root: dir,
    configFile: false,
    logLevel: 'silent',
    base: './',
    build: { outDir, emptyOutDir: true },
  });
  const outputs = (Array.isArray(out) ? out : [out]) as Array<{
    output: Array<{ type: string; fileName: string; moduleIds?: string[] }>;
  }>;
  const chunks = outputs.flatMap((o) => o.output).filter((o) => o.type === 'chunk');
  return {
    outDir,
    ...jsSize(chunks.map((c) => path.join(outDir, c.fileName))),
    packages: packagesOf(chunks.flatMap((c) => c.moduleIds ?? [])),
  };
}

/** webpack 5 production build (target web) of app.js. Throws with webpack's errors. */
export async function buildWithWebpack(dir: string): Promise<BundleResult> {
  const { default: webpack } = await import('webpack');
  const outDir = path.join(dir, 'dist-webpack');
  const stats = await new Promise<import('webpack').Stats>((resolve, reject) => {
    webpack(
      {
        mode: 'production',
        context: dir,
        entry: './app.js',
        target: 'web',
        devtool: false,
        output: { path: outDir, filename: 'app.js', clean: true },
        resolve: { modules: [path.join(dir, 'node_modules')] },
        performance: { hints: false },
      },
      (err, s) => (err || !s ? reject(err ?? new Error('webpack: no stats')) : resolve(s)),
    );
  });
  const info = stats.toJson({ all: false, errors: true, warnings: true, modules: true, nestedModules: true });
  if (stats.hasErrors()) throw new Error(`webpack: ${info.errors!.map((e) => e.message.split('\n')[0]).join('; ')}`);
  fs.writeFileSync(path.join(outDir, 'index.html'), pageHtml('./app.js'));
  copyCheckpoint(dir, outDir);
  const ids = (info.modules ?? []).flatMap((m) => [m.name ?? '', ...(m.modules ?? []).map((n) => n.name ?? '')]);
  return { outDir, ...jsSize([path.join(outDir, 'app.js')]), packages: packagesOf(ids) };
}

/** Runs the repo's devDependency CLI `bin` (attw, publint) on `args`; returns status and output. */
export function runTool(bin: string, args: string[]): { status: number; output: string } {
  const r = spawnSync(path.join(REPO, 'node_modules', '.bin', bin), args, {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  return { status: r.status ?? 1, output: `${r.stdout}${r.stderr}` };
}
