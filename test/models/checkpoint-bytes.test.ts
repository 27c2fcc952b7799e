// Checkpoints without a file system (the browser-safe root): modelFromBytes and fetchModel rebuild
// what saveModel wrote, bad input names the argument, and the root's path-free functions point
// Node users at plm-ipe/node.
import { afterAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import {
  C3D,
  LandmarkEstimator,
  createFaceApiProvider,
  fetchModel,
  loadC3DWeights,
  manualSeed,
  modelFromBytes,
} from '../../src/index.js';
import { saveModel } from '../../src/node/index.js';
import { TINY_C3D, TINY_LANDMARK, snapshot, changedKeys } from './fixtures.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plm-ckpt-bytes-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function saved(): Promise<{ model: LandmarkEstimator; json: string; weights: Uint8Array }> {
  manualSeed(5);
  const model = new LandmarkEstimator(TINY_LANDMARK);
  const base = path.join(dir, 'lbe');
  await saveModel(model, base);
  return {
    model,
    json: fs.readFileSync(`${base}.json`, 'utf8'),
    weights: new Uint8Array(fs.readFileSync(`${base}.safetensors`)),
  };
}

describe('modelFromBytes', () => {
  it('rebuilds the saved model from the JSON text and the weights bytes (Uint8Array or ArrayBuffer)', async () => {
    const { model, json, weights } = await saved();
    const again = modelFromBytes(json, weights);
    expect(again).toBeInstanceOf(LandmarkEstimator);
    expect(changedKeys(snapshot(model), snapshot(again))).toEqual([]);
    const fromBuffer = modelFromBytes(json, weights.slice().buffer);
    expect(changedKeys(snapshot(model), snapshot(fromBuffer))).toEqual([]);
  });

  it('names the argument and describes what came', async () => {
    const { json, weights } = await saved();
    expect(() => modelFromBytes(json, 'w.safetensors' as never)).toThrow(
      /modelFromBytes: weights must be a Uint8Array or an ArrayBuffer, got string/,
    );
    expect(() => modelFromBytes(new Uint8Array(3) as never, weights)).toThrow(
      /modelFromBytes: json must be .*got Uint8Array of 3 bytes/,
    );
    expect(() => modelFromBytes('{"format":"x"}', weights, 'my.json')).toThrow(
      /modelFromBytes: my.json \(json\) is not a plm-ipe model file/,
    );
    const other = JSON.stringify({ ...JSON.parse(json), config: { ...JSON.parse(json).config, hiddenSize: 3 } });
    expect(() => modelFromBytes(other, weights)).toThrow(/was saved with a different configuration/);
  });
});

describe('fetchModel', () => {
  it('fetches the JSON file and the weights it names, relative to it', async () => {
    const { model } = await saved();
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(req.url!);
      const file = path.join(dir, path.basename(req.url!));
      if (!fs.existsSync(file)) return void res.writeHead(404).end();
      res.writeHead(200).end(fs.readFileSync(file));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/models/lbe`;
      const again = await fetchModel(url);
      expect(changedKeys(snapshot(model), snapshot(again))).toEqual([]);
      expect(seen).toEqual(['/models/lbe.json', '/models/lbe.safetensors']);
      await expect(fetchModel(`${url}-missing.json`)).rejects.toThrow(
        /fetchModel: GET .*lbe-missing.json answered 404/,
      );
    } finally {
      server.close();
    }
  });
});

describe('the root entry without a file system', () => {
  it('loadC3DWeights takes bytes and sends a path to plm-ipe/node', async () => {
    await expect(loadC3DWeights(new C3D(TINY_C3D), 'c3d.safetensors' as never)).rejects.toThrow(
      /loadC3DWeights: source must be a Uint8Array or an ArrayBuffer here, got a path \(string\); .*import \{ loadC3DWeights \} from 'plm-ipe\/node'/,
    );
  });

  it('createFaceApiProvider needs a loaded face-api module and sends Node users to plm-ipe/node', async () => {
    await expect(createFaceApiProvider()).rejects.toThrow(
      /options.faceapi must be a loaded @vladmandic\/face-api module .*got nothing; .*'plm-ipe\/node'/,
    );
  });
});
