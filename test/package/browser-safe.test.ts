// The root entry's sources stay browser-safe: esbuild bundles src/index.ts for the browser with
// nothing external, so any node: module, Node-only package or gpu.js reachable from it (even by a
// lazy import()) fails here, naming the file that imports it. (consumer.test.ts checks the same on
// the packed tarball; this one is fast and points at the source line.)
import { describe, expect, it } from 'vitest';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Message } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('src/index.ts (the plm-ipe root)', () => {
  it('bundles for the browser with nothing external, and only seedrandom from node_modules', async () => {
    const r = await build({
      entryPoints: [path.join(root, 'src/index.ts')],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    }).catch((e: { errors?: Message[] }) => e);
    const errors = 'errors' in r ? (r.errors ?? []) : [];
    expect(errors.map((e) => `${e.location?.file}: ${e.text}`)).toEqual([]);
    const inputs = Object.keys((r as { metafile: { inputs: Record<string, unknown> } }).metafile.inputs);
    const packages = [
      ...new Set(
        inputs.filter((i) => i.includes('node_modules/')).map((i) => i.split('node_modules/').pop()!.split('/')[0]),
      ),
    ];
    expect(packages).toEqual(['seedrandom']);
  });
});
