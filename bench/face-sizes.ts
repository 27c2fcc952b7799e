// Which face sizes the face-api provider finds: each of the three faces of face-api's demo photo
// sample1.jpg, shown at a range of widths (5 % to 100 % of the frame) in 224x224 and 640x480 frames,
// through a fresh provider's detect() (its scale search and padded retry), against a fixed tiny
// detector at input size 416 (the provider's old default) on the same frames.
// Run: node --import tsx bench/face-sizes.ts
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cropResize } from '../src/data/preprocess.js';
import { writeFileAtomicSync } from '../src/io/atomic-write.js';
import { createFaceApiProvider } from '../src/landmarks/providers/face-api-node.js';
import { decodeJpeg } from '../test/fixtures/landmarks/jpeg-baseline.js';

const require = createRequire(import.meta.url);
const FRACTIONS = [0.05, 0.1, 0.15, 0.25, 0.4, 0.6, 0.8, 0.9, 1];

async function main(): Promise<void> {
  const img = decodeJpeg(
    fs.readFileSync(
      path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo', 'sample1.jpg'),
    ),
  );
  const provider = await createFaceApiProvider();
  const faces = await provider.detectAll(img, { inputSize: 416 });
  const rows: { frame: string; fraction: number; found: number; fixed416: number; ms: number }[] = [];
  for (const [w, h] of [
    [224, 224],
    [640, 480],
  ] as const) {
    for (const fraction of FRACTIONS) {
      let found = 0;
      let fixed = 0;
      let ms = 0;
      for (const f of faces) {
        // The view whose width makes the face box `fraction` of the frame width, centred on the face.
        const vw = f.box.width / fraction;
        const vh = (vw * h) / w;
        const box = {
          x: f.box.x + f.box.width / 2 - vw / 2,
          y: f.box.y + f.box.height / 2 - vh / 2,
          width: vw,
          height: vh,
        };
        const frame = {
          width: w,
          height: h,
          data: cropResize(img.data, img.width, img.height, box, w, h),
          channels: 3 as const,
        };
        provider.reset();
        const t0 = performance.now();
        if (await provider.detect(frame)) found++;
        ms += performance.now() - t0;
        if ((await provider.detectAll(frame, { inputSize: 416 })).length) fixed++;
      }
      rows.push({ frame: `${w}x${h}`, fraction, found, fixed416: fixed, ms: ms / faces.length });
      console.log(
        `${w}x${h}, face ${(fraction * 100).toFixed(0)}% of the width: found ${found}/${faces.length} (fixed input 416: ${fixed}/${faces.length}), ${(ms / faces.length).toFixed(0)} ms a frame`,
      );
    }
  }
  const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results', 'face-sizes.json');
  const body = {
    name: 'face-sizes',
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, node: process.version },
    photo: 'face-api demo/sample1.jpg',
    rows,
  };
  writeFileAtomicSync(fs, path, out, JSON.stringify(body, null, 2) + '\n');
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
