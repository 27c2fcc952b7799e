// Loading a full-size C3D checkpoint: PyTorch writes the paper's C3D (78 M parameters
// plus Sports-1M's fc8, about 320 MB) in the zip and the legacy format into a temp folder (not
// committed); we time loadTorchCheckpoint on the file's bytes (zip with and without the CRC-32
// check, legacy), loadC3DWeights from the path, and parseSafetensors of the same weights, each
// against torch.load of the same file in the same run (median of 3; the file is in the page cache).
// With --forward, PyTorch also runs the checkpoint's C3D (as c3d-pytorch's C3D_model.py does) on a
// fixed 16x112x112 clip and we compare our fc7 features after loadC3DWeights (max abs difference).
// Run: node --import tsx bench/torch-load.ts [--forward]   (needs /usr/bin/python3 with torch, e.g. Debian's python3-torch)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  loadTorchCheckpoint,
  serializeSafetensors,
  parseSafetensors,
  noGrad,
  tensor,
  type NamedTensors,
} from '../src/index.js';
import { C3D } from '../src/models/index.js';
import { loadC3DWeights } from '../src/node/index.js';
import { time, report, type BenchRow } from './util.js';

const PYTHON = process.env.TORCH_PYTHON ?? '/usr/bin/python3';
const forward = process.argv.includes('--forward');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plm-ipe-torch-load-'));

// c3d-pytorch's C3D_model.py layers (conv1 ... fc8), saved as its c3d.pickle is: a state dict.
const PY = `
import sys, time, torch, torch.nn as nn
torch.manual_seed(0)
c = lambda i, o: nn.Conv3d(i, o, 3, padding=1)
net = nn.ModuleDict(dict(conv1=c(3, 64), conv2=c(64, 128), conv3a=c(128, 256), conv3b=c(256, 256),
    conv4a=c(256, 512), conv4b=c(512, 512), conv5a=c(512, 512), conv5b=c(512, 512),
    fc6=nn.Linear(8192, 4096), fc7=nn.Linear(4096, 4096), fc8=nn.Linear(4096, 487)))
# He-scaled weights (conv1 also / 255 for 0-255 input) keep fc7 near 1, so --forward compares real numbers.
with torch.no_grad():
    for name, w in net.named_parameters():
        if name.endswith('weight'): w.normal_(0, (2 / w[0].numel()) ** 0.5 / (255 if name == 'conv1.weight' else 1))
        else: w.uniform_(-0.05, 0.05)
sd = net.state_dict()
out = sys.argv[1]
torch.save(sd, out + '/c3d.pt')
torch.save(sd, out + '/c3d.pickle', _use_new_zipfile_serialization=False)
for name in ('c3d.pt', 'c3d.pickle'):
    torch.load(out + '/' + name)
    ms = []
    for _ in range(3):
        t = time.perf_counter(); torch.load(out + '/' + name); ms.append((time.perf_counter() - t) * 1000)
    print(name, sorted(ms)[1])
print('params', sum(v.numel() for v in sd.values()))
if '--forward' in sys.argv:
    import numpy as np
    i = np.arange(3 * 16 * 112 * 112, dtype=np.int64)
    x = torch.from_numpy(((i * 7919 + 13) % 256).astype(np.float32).reshape(1, 3, 16, 112, 112))
    p1, p = nn.MaxPool3d((1, 2, 2), (1, 2, 2)), nn.MaxPool3d(2, 2)
    p5, r, m = nn.MaxPool3d(2, 2, padding=(0, 1, 1)), torch.relu, net
    with torch.no_grad():
        h = p1(r(m.conv1(x))); h = p(r(m.conv2(h))); h = p(r(m.conv3b(r(m.conv3a(h)))))
        h = p(r(m.conv4b(r(m.conv4a(h))))); h = p5(r(m.conv5b(r(m.conv5a(h)))))
        f = r(m.fc7(r(m.fc6(h.reshape(-1, 8192)))))
    f.numpy().astype('<f4').tofile(out + '/fc7.f32')
`;

function pythonPeer(): { zipMs: number; legacyMs: number; params: number } {
  const r = spawnSync(PYTHON, ['-c', PY, dir, ...(forward ? ['--forward'] : [])], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0)
    throw new Error(
      `bench/torch-load: ${PYTHON} could not write the checkpoint (needs torch): ${r.stderr.slice(-400)}`,
    );
  const get = (key: string) => Number(new RegExp(`^${key.replace('.', '\\.')} (\\S+)$`, 'm').exec(r.stdout)![1]);
  return { zipMs: get('c3d.pt'), legacyMs: get('c3d.pickle'), params: get('params') };
}

const dispose = (t: NamedTensors) => {
  for (const v of Object.values(t)) v.dispose();
};

const peer = pythonPeer();
const zipBytes = new Uint8Array(fs.readFileSync(path.join(dir, 'c3d.pt')));
const legacyBytes = new Uint8Array(fs.readFileSync(path.join(dir, 'c3d.pickle')));
const mb = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
console.log(
  `C3D checkpoint: ${peer.params} parameters; zip ${mb(zipBytes.length)}, legacy ${mb(legacyBytes.length)} (in ${dir})`,
);

const zipT = await time(async () => dispose(await loadTorchCheckpoint(zipBytes)));
const zipNoCrcT = await time(async () => dispose(await loadTorchCheckpoint(zipBytes, { verifyCrc: false })));
const legacyT = await time(async () => dispose(await loadTorchCheckpoint(legacyBytes)));
const c3d = new C3D();
const fromPathT = await time(() => loadC3DWeights(c3d, path.join(dir, 'c3d.pickle')));
const st = await loadTorchCheckpoint(zipBytes);
const stBytes = serializeSafetensors(st);
dispose(st);
const stT = await time(() => dispose(parseSafetensors(stBytes).tensors));

let forwardDiff: number | undefined;
if (forward) {
  c3d.eval();
  const clip = new Float32Array(3 * 16 * 112 * 112);
  for (let i = 0; i < clip.length; i++) clip[i] = (i * 7919 + 13) % 256;
  const got = noGrad(() => c3d.forward(tensor(clip, [1, 3, 16, 112, 112]))).dataSync();
  const want = new Float32Array(fs.readFileSync(path.join(dir, 'fc7.f32')).buffer.slice(0));
  forwardDiff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    forwardDiff = Math.max(forwardDiff, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  console.log(
    `paper C3D from the PyTorch checkpoint vs PyTorch: fc7 max abs difference ${forwardDiff.toExponential(2)} (largest feature ${scale.toFixed(4)}, ${want.length} features)`,
  );
}

const rows: BenchRow[] = [
  {
    case: 'zip c3d.pt (bytes in memory)',
    ours: 'loadTorchCheckpoint',
    oursMs: zipT.ms,
    peer: 'torch.load (from file)',
    peerMs: peer.zipMs,
    note: 'CRC-32 of every entry checked',
  },
  {
    case: 'zip c3d.pt, no CRC check',
    ours: 'loadTorchCheckpoint verifyCrc:false',
    oursMs: zipNoCrcT.ms,
    peer: 'torch.load (from file)',
    peerMs: peer.zipMs,
  },
  {
    case: 'legacy c3d.pickle (bytes in memory)',
    ours: 'loadTorchCheckpoint',
    oursMs: legacyT.ms,
    peer: 'torch.load (from file)',
    peerMs: peer.legacyMs,
  },
  {
    case: 'legacy c3d.pickle into C3D (from path)',
    ours: 'loadC3DWeights',
    oursMs: fromPathT.ms,
    peer: 'torch.load (from file)',
    peerMs: peer.legacyMs,
    note: 'reads the file, parses, drops fc8, loads the state dict',
  },
  {
    case: 'same weights as safetensors',
    ours: 'parseSafetensors',
    oursMs: stT.ms,
    peer: 'torch.load (from file)',
    peerMs: peer.zipMs,
  },
];
report('torch-load', rows, {
  params: peer.params,
  zipBytes: zipBytes.length,
  legacyBytes: legacyBytes.length,
  ...(forwardDiff === undefined ? {} : { fc7MaxAbsDiffVsTorch: forwardDiff }),
});
fs.rmSync(dir, { recursive: true, force: true });
