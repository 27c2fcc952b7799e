// Landmark providers: the MediaPipe 478 → 68 mapping, and the optional face-api provider finding the
// faces in face-api's own demo photo (skipped with a message when the optional packages are absent).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { landmarkDescriptor } from '../../src/landmarks/descriptor.js';
import { createFaceApiProvider } from '../../src/landmarks/providers/face-api-node.js';
import { mediapipeTo68 } from '../../src/landmarks/providers/mediapipe.js';
import { decodeJpeg } from '../fixtures/landmarks/jpeg-baseline.js';

describe('mediapipeTo68', () => {
  const mesh = Array.from({ length: 478 }, (_, i) => ({ x: i / 1000, y: i / 2000, z: 0 }));

  it('maps mesh vertices (and averaged pairs) to the 68 iBUG points, in pixels', () => {
    const p = mediapipeTo68(mesh, { width: 1000, height: 2000 });
    expect(p).toHaveLength(68);
    expect(p[0]).toEqual({ x: 127, y: 127 });
    expect(p[8]).toEqual({ x: 152, y: 152 }); // chin
    expect(p[3].x).toBeCloseTo((132 + 58) / 2, 9); // averaged pair
    expect(p[27].x).toBeCloseTo((168 + 6) / 2, 9);
    expect(p[36].x).toBe(33); // outer corner of the subject's right eye
    expect(p[45].x).toBe(263);
    expect(p[48].x).toBe(61);
    expect(p[54].x).toBe(291);
  });

  it("offers facefusion's single-vertex map and accepts 468 points", () => {
    const p = mediapipeTo68(mesh.slice(0, 468), { mapping: 'facefusion', width: 1000, height: 1 });
    expect(p[3].x).toBeCloseTo(132, 9);
    expect(p[12].x).toBeCloseTo(288, 9);
    expect(p[49].x).toBeCloseTo(40, 9);
  });

  it('rejects other point counts with a clear error', () => {
    expect(() => mediapipeTo68(mesh.slice(0, 100))).toThrow(
      /mediapipeTo68: points\.length expected 468 or 478 points, got 100 points/,
    );
  });
});

const require = createRequire(import.meta.url);
function resolvable(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}
const optional = ['@vladmandic/face-api', '@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm'];
const missing = optional.filter((n) => !resolvable(n));
if (missing.length)
  console.warn(`face-api provider test skipped: optional packages not installed: ${missing.join(', ')}`);

describe.skipIf(missing.length > 0)('createFaceApiProvider (face-api demo/sample1.jpg)', () => {
  it('loads from a working directory outside the project (found from the running script)', () => {
    const script = path.join(
      path.dirname(fileURLToPath(import.meta.url)),
      '..',
      'fixtures',
      'landmarks',
      'face-api-elsewhere.ts',
    );
    const tsx = require.resolve('tsx');
    const r = spawnSync(process.execPath, ['--import', pathToFileURL(tsx).href, script], {
      cwd: tmpdir(),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).not.toContain('Cannot find module');
    expect(r.stdout).toContain('loaded');
  }, 60_000);

  it('finds the three faces and returns 68 points per face', async () => {
    const file = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo', 'sample1.jpg');
    const { width, height, data } = decodeJpeg(readFileSync(file));
    const frame = { width, height, data };
    const provider = await createFaceApiProvider();
    const faces = await provider.detectAll(frame);
    expect(faces.length).toBe(3);
    for (const f of faces) {
      expect(f.landmarks).toHaveLength(68);
      expect(f.score).toBeGreaterThan(0.5);
      // Landmarks lie around their face box, and the eyes sit above the mouth.
      const cx = f.landmarks.reduce((s, p) => s + p.x, 0) / 68;
      const cy = f.landmarks.reduce((s, p) => s + p.y, 0) / 68;
      expect(cx).toBeGreaterThan(f.box.x);
      expect(cx).toBeLessThan(f.box.x + f.box.width);
      expect(cy).toBeGreaterThan(f.box.y);
      expect(cy).toBeLessThan(f.box.y + f.box.height * 1.2);
      expect(f.landmarks[36].y).toBeLessThan(f.landmarks[57].y);
      expect(f.landmarks[36].x).toBeLessThan(f.landmarks[45].x);
    }
    // detect() tracks the largest face first, and its points feed the descriptor directly.
    const points = await provider.detect(frame);
    expect(points).toEqual(faces[0].landmarks);
    const d = landmarkDescriptor({ prev: frame, next: frame, landmarks: points });
    expect(d.valid).toBe(true);
    expect(Math.max(...d.values.subarray(36))).toBe(0);
    await provider.dispose?.();
  }, 60_000);
});
