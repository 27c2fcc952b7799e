// Prints what a user of the packed tarball gets, measured in one fresh consumer project (the same
// one test/package/consumer.test.ts checks): tarball and install size, package count, install
// scripts and native files, import time of each entry in Node against an empty `node`, and the
// browser app's bundle sizes (minified, gzip) from esbuild, Vite 8 and webpack 5.
// Run: node --import tsx scripts/package-report.ts [--json]
import {
  buildWithEsbuild, buildWithVite, buildWithWebpack, createConsumer, importMs, inspectInstall, writeApp, type BundleResult,
} from '../test/package/consumer.js';

const MB = (b: number): string => `${(b / 1024 / 1024).toFixed(2)} MB`;
const KB = (b: number): string => `${(b / 1024).toFixed(1)} KB`;

const consumer = createConsumer();
try {
  const install = inspectInstall(consumer.dir);
  const imports = Object.fromEntries(['plm-ipe', 'plm-ipe/node'].map((s) => [s, importMs(consumer.dir, s, 7)]));
  writeApp(consumer.dir);
  const bundles: Record<string, BundleResult | { error: string }> = {};
  for (const [name, build] of [['esbuild', buildWithEsbuild], ['vite 8.3.8', buildWithVite], ['webpack 5', buildWithWebpack]] as const) {
    try {
      bundles[name] = await build(consumer.dir);
    } catch (e) {
      bundles[name] = { error: (e as Error).message.split('\n')[0] };
    }
  }
  const report = {
    node: process.version,
    tarball: { packed: consumer.tarball.packedBytes, unpacked: consumer.tarball.unpackedBytes, files: consumer.tarball.files },
    install: { seconds: consumer.installSeconds, packages: install.packages, bytes: install.bytes, installScripts: install.installScripts, nativeFiles: install.nativeFiles },
    importMs: imports,
    bundles,
  };
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    console.log(`plm-ipe package report (Node ${process.version})`);
    console.log(`tarball: ${KB(consumer.tarball.packedBytes)} packed, ${MB(consumer.tarball.unpackedBytes)} unpacked, ${consumer.tarball.files} files`);
    console.log(`install (no optional peers): ${install.packages.length} packages, ${MB(install.bytes)} of node_modules, ${consumer.installSeconds.toFixed(1)} s`);
    console.log(`  ${install.packages.join(', ')}`);
    console.log(`  install scripts: ${install.installScripts.length ? install.installScripts.join(', ') : 'none'}; native files: ${install.nativeFiles.length ? install.nativeFiles.join(', ') : 'none'}`);
    for (const [s, t] of Object.entries(imports)) {
      console.log(`import '${s}': ${t.importMs.toFixed(0)} ms above an empty node (${t.nodeMs.toFixed(0)} ms), median of 7`);
    }
    console.log('browser app (modelFromBytes + predict on a synthetic video), nothing external:');
    for (const [name, b] of Object.entries(bundles)) {
      if ('error' in b) console.log(`  ${name}: FAILED: ${b.error}`);
      else console.log(`  ${name}: ${KB(b.bytes)} minified, ${KB(b.gzipBytes)} gzip; packages in the bundle: ${b.packages.join(', ')}`);
    }
  }
} finally {
  consumer.remove();
}
