// Prints what a user of the packed tarball gets, measured in one fresh consumer project (the same
// one test/package/consumer.test.ts checks): tarball and install size, package count, install
// scripts and native files, import time of each entry in a fresh Node process, and the
// browser app's bundle sizes (minified, gzip) from esbuild, Vite 8 and webpack 5.
// With `--before <git ref>` it also measures that commit the same way, for a before/after table.
// Run: node --import tsx scripts/package-report.ts [--json] [--before <git ref>]
import { execFileSync, execSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  REPO,
  buildWithEsbuild,
  buildWithVite,
  buildWithWebpack,
  createConsumer,
  importMs,
  inspectInstall,
  nodeIn,
  packTarball,
  writeApp,
  type BundleResult,
} from '../test/package/consumer.js';

const MB = (b: number): string => `${(b / 1024 / 1024).toFixed(2)} MB`;
const KB = (b: number): string => `${(b / 1024).toFixed(1)} KB`;

/**
 * The same figures for an earlier commit (`--before <git ref>`): its sources from `git archive`,
 * built with this repo's node_modules; the root's import time and native addons measured there
 * (every dependency present), a three-line browser app bundled with esbuild (errors counted), and
 * its tarball installed with --ignore-scripts (so nothing native is compiled: the real install
 * also builds `gl`, ~37 MB more).
 */
async function measureBefore(ref: string) {
  const src = fs.mkdtempSync(path.join(os.tmpdir(), 'plm-ipe-before-'));
  try {
    execSync(`git archive ${JSON.stringify(ref)} | tar -x -C ${JSON.stringify(src)}`, {
      cwd: REPO,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(src, 'node_modules'));
    execFileSync('npx', ['tsup', '--silent'], { cwd: src, stdio: ['ignore', 'ignore', 'inherit'] });
    const imports = importMs(src, 'plm-ipe', 7);
    const opened = JSON.parse(
      nodeIn(src, [
        '--input-type=module',
        '-e',
        `
      const opened = []; const dlopen = process.dlopen;
      process.dlopen = function (m, file, ...rest) { opened.push(file.split('node_modules/').pop()); return dlopen.call(this, m, file, ...rest); };
      await import('plm-ipe'); console.log(JSON.stringify(opened));`,
      ]),
    ) as string[];
    fs.writeFileSync(
      path.join(src, 'app3.js'),
      `import { PLMIPE, SMALL_TRAINING } from 'plm-ipe';\nconsole.log(new PLMIPE({ pixel: { c3d: SMALL_TRAINING.c3d }, landmark: SMALL_TRAINING.landmark }));\n`,
    );
    const { build } = await import('esbuild');
    const esbuildErrors = await build({
      entryPoints: [path.join(src, 'app3.js')],
      bundle: true,
      platform: 'browser',
      write: false,
      logLevel: 'silent',
      logLimit: 0,
      absWorkingDir: src,
    }).then(
      () => 0,
      (e: { errors?: unknown[] }) => e.errors?.length ?? -1,
    );
    const dir = path.join(src, '.consumer');
    fs.mkdirSync(dir);
    const tarball = packTarball(dir, src);
    fs.writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({ name: 'before-consumer', version: '1.0.0', private: true }),
    );
    execFileSync(
      'npm',
      ['install', tarball.file, '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return { ref, imports, opened, esbuildErrors, tarball, install: inspectInstall(dir) };
  } finally {
    fs.rmSync(src, { recursive: true, force: true });
  }
}

const beforeAt = process.argv.indexOf('--before');
const before = beforeAt > 0 ? await measureBefore(process.argv[beforeAt + 1] ?? 'HEAD') : null;

const consumer = createConsumer();
try {
  const install = inspectInstall(consumer.dir);
  const imports = Object.fromEntries(['plm-ipe', 'plm-ipe/node'].map((s) => [s, importMs(consumer.dir, s, 7)]));
  writeApp(consumer.dir);
  const bundles: Record<string, BundleResult | { error: string }> = {};
  for (const [name, build] of [
    ['esbuild', buildWithEsbuild],
    ['vite 8.3.8', buildWithVite],
    ['webpack 5', buildWithWebpack],
  ] as const) {
    try {
      bundles[name] = await build(consumer.dir);
    } catch (e) {
      bundles[name] = { error: (e as Error).message.split('\n')[0] };
    }
  }
  const report = {
    node: process.version,
    tarball: {
      packed: consumer.tarball.packedBytes,
      unpacked: consumer.tarball.unpackedBytes,
      files: consumer.tarball.files,
    },
    install: {
      seconds: consumer.installSeconds,
      packages: install.packages,
      bytes: install.bytes,
      installScripts: install.installScripts,
      nativeFiles: install.nativeFiles,
    },
    importMs: imports,
    bundles,
    before,
  };
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    console.log(`plm-ipe package report (Node ${process.version})`);
    console.log(
      `tarball: ${KB(consumer.tarball.packedBytes)} packed, ${MB(consumer.tarball.unpackedBytes)} unpacked, ${consumer.tarball.files} files`,
    );
    console.log(
      `install (no optional peers): ${install.packages.length} packages, ${MB(install.bytes)} of node_modules, ${consumer.installSeconds.toFixed(1)} s`,
    );
    console.log(`  ${install.packages.join(', ')}`);
    console.log(
      `  install scripts: ${install.installScripts.length ? install.installScripts.join(', ') : 'none'}; native files: ${install.nativeFiles.length ? install.nativeFiles.join(', ') : 'none'}`,
    );
    for (const [s, t] of Object.entries(imports)) {
      console.log(
        `import '${s}' in a fresh node: ${t.minMs.toFixed(0)} ms (min of 7; median ${t.medianMs.toFixed(0)} ms)`,
      );
    }
    console.log('browser app (modelFromBytes + predict on a synthetic video), nothing external:');
    for (const [name, b] of Object.entries(bundles)) {
      if ('error' in b) console.log(`  ${name}: FAILED: ${b.error}`);
      else
        console.log(
          `  ${name}: ${KB(b.bytes)} minified, ${KB(b.gzipBytes)} gzip; packages in the bundle: ${b.packages.join(', ')}`,
        );
    }
    if (before) {
      const i = before.install;
      console.log(`before (${before.ref}):`);
      console.log(`  tarball: ${KB(before.tarball.packedBytes)} packed, ${MB(before.tarball.unpackedBytes)} unpacked`);
      console.log(
        `  install (--ignore-scripts, so gl is not compiled): ${i.packages.length} packages, ${MB(i.bytes)}; install scripts: ${i.installScripts.join(', ') || 'none'}; native build files: ${i.nativeFiles.length}`,
      );
      console.log(
        `  import 'plm-ipe' in a fresh node: ${before.imports.minMs.toFixed(0)} ms (min of 7; median ${before.imports.medianMs.toFixed(0)} ms); native addons loaded: ${before.opened.join(', ') || 'none'}`,
      );
      console.log(`  esbuild --bundle --platform=browser of a three-line app: ${before.esbuildErrors} errors`);
    }
  }
} finally {
  consumer.remove();
}
