// Builds a browser page: esbuild bundles a page entry (which imports the library from src/,
// gpu.js through its browser build) into a temp dir next to an index.html that loads it and any
// extra classic scripts (tfjs). Node-only modules the library imports lazily stay external.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';

export interface PageBuild {
  dir: string;
  remove(): void;
}

/** Bundles `entry` (a .ts file) to `<tmp>/page.js` and writes `<tmp>/index.html`. */
export async function buildPage(entry: string, classicScripts: readonly string[] = []): Promise<PageBuild> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plm-page-'));
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    outfile: path.join(dir, 'page.js'),
    sourcemap: 'inline',
    // Lazily imported by Node-only code paths (file IO, checkpoints, PNG decoding, face-api).
    external: ['node:*', 'pngjs', '@vladmandic/face-api', '@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm'],
    logLevel: 'silent',
  });
  const scripts = classicScripts.map((s) => `<script src="${s}"></script>`).join('\n');
  fs.writeFileSync(
    path.join(dir, 'index.html'),
    `<!doctype html><meta charset="utf-8"><title>plm-ipe</title>\n${scripts}\n<script type="module" src="/page.js"></script>\n`,
  );
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
