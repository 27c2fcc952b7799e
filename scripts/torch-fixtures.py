#!/usr/bin/python3
"""Writes the PyTorch fixtures of test/fixtures/torch/ (committed, so CI needs no Python).

Run with Debian's python3-torch:  /usr/bin/python3 scripts/torch-fixtures.py
Each checkpoint is saved by torch.save in the zip format and, where named *-legacy.pt or *.pickle,
in the legacy format (_use_new_zipfile_serialization=False). expected.json holds the values every
fixture must load to; the *.safetensors files are written by hand with the standard library
following the layout of Python's `safetensors` package (which Debian does not ship).
"""
import json
import math
import os
import struct
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'torch')
os.makedirs(OUT, exist_ok=True)
torch.manual_seed(0)
expected = {}


def path(name):
    return os.path.join(OUT, name)


def both_formats(obj, stem):
    torch.save(obj, path(stem + '.pt'))
    torch.save(obj, path(stem + '-legacy.pt'), _use_new_zipfile_serialization=False)


def values(t):
    """A tensor as the TypeScript loader returns it: row-major, floats as float32, ints as ints."""
    t = t.detach().contiguous()
    if t.is_floating_point():
        # JSON has no infinities: those travel as the strings JavaScript's Number() reads
        floats = [v if math.isfinite(v) else ('NaN' if math.isnan(v) else ('Infinity' if v > 0 else '-Infinity')) for v in t.float().flatten().tolist()]
        return {'dtype': str(t.dtype).replace('torch.', ''), 'shape': list(t.shape), 'values': floats}
    # int64 values beyond 2^53 travel as strings
    return {'dtype': str(t.dtype).replace('torch.', ''), 'shape': list(t.shape), 'values': [str(int(v)) for v in t.flatten().tolist()]}


# --- every dtype -----------------------------------------------------------------------------
base = torch.linspace(-3, 3, 12).reshape(3, 4)
dtypes = OrderedDict([
    ('f32', base.clone()),
    ('f16', (base / 7).half()),
    ('bf16', (base / 7).bfloat16()),
    ('f64', (base / 3).double()),
    ('i64', torch.tensor([0, -5, 2 ** 40 + 1, 2 ** 62], dtype=torch.int64)),
    ('i32', torch.tensor([[7, -8], [2 ** 30, -(2 ** 31)]], dtype=torch.int32)),
    ('num_batches_tracked', torch.tensor(3, dtype=torch.int64)),
    ('f16_special', torch.tensor([65504.0, -0.0, 6e-8, float('inf')], dtype=torch.float16)),
    ('i16', torch.tensor([-32768, 5, 32767], dtype=torch.int16)),
    ('i8', torch.tensor([-128, 0, 127], dtype=torch.int8)),
    ('u8', torch.tensor([0, 200, 255], dtype=torch.uint8)),
    ('mask', torch.tensor([True, False, True])),
])
both_formats(dtypes, 'dtypes')
expected['dtypes'] = {k: values(v) for k, v in dtypes.items()}

# --- views: non-contiguous, offsets, shared storage, stride 0 --------------------------------
grid = torch.arange(24, dtype=torch.float32).reshape(4, 6)
views = OrderedDict([
    ('grid', grid),
    ('transposed', grid.t()),
    ('block', grid[1:3, 2:5]),
    ('row', grid[2]),
    ('strided', grid[:, ::2]),
    ('expanded', torch.tensor([1.0, 2.0, 3.0]).expand(4, 3)),
])
both_formats(views, 'views')
expected['views'] = {k: values(v) for k, v in views.items()}

# The same archive re-zipped with deflate (torch writes stored entries; other tools may not).
import zipfile
with zipfile.ZipFile(path('views.pt')) as src, zipfile.ZipFile(path('views-deflated.pt'), 'w', zipfile.ZIP_DEFLATED) as dst:
    for info in src.infolist():
        dst.writestr(info.filename, src.read(info.filename))

# --- nesting, DataParallel's prefix, parameters, pickle protocol 4 ---------------------------
net = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))
prefixed = OrderedDict(('module.' + k, v) for k, v in net.state_dict().items())
torch.save({'epoch': 7, 'best_acc': 0.5, 'arch': 'mlp', 'state_dict': prefixed}, path('nested-state-dict.pt'))
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
net(torch.ones(1, 3)).sum().backward()
opt.step()
torch.save({'model': net.state_dict(), 'optimizer': opt.state_dict(), 'epoch': 1}, path('nested-model-legacy.pt'), _use_new_zipfile_serialization=False)
torch.save({k: nn.Parameter(v.clone()) for k, v in net.state_dict().items()}, path('parameters.pt'))
torch.save(net.state_dict(), path('protocol4.pt'), pickle_protocol=4)
expected['mlp'] = {k: values(v) for k, v in net.state_dict().items()}
expected['mlp_prefixed'] = {k: values(v) for k, v in prefixed.items()}


# The way torch 0.3 under Python 2 wrote c3d.pickle-era files: OrderedDict reduced to a list of
# [key, value] lists, tensors through torch._utils._rebuild_tensor (before _rebuild_tensor_v2).
import pickle
import types


class OldStylePickler(pickle.Pickler):
    def reducer_override(self, obj):
        if isinstance(obj, OrderedDict):
            return (OrderedDict, ([[k, v] for k, v in obj.items()],))
        if isinstance(obj, torch.Tensor):
            return (torch._utils._rebuild_tensor, (obj.storage(), obj.storage_offset(), tuple(obj.size()), obj.stride()))
        return NotImplemented


old_pickle = types.SimpleNamespace(Pickler=OldStylePickler, dump=pickle.dump, __name__='pickle')
torch.save(views, path('old-style-legacy.pt'), _use_new_zipfile_serialization=False, pickle_module=old_pickle)

# --- files that must be refused --------------------------------------------------------------
class RunsACommand:
    """A pickle that would run a shell command on torch.load (never loaded here)."""

    def __reduce__(self):
        return (os.system, ('echo this must never run',))


torch.save({'weight': torch.ones(2), 'payload': RunsACommand()}, path('refused-os-system.pt'))
torch.save({'weight': torch.ones(2), 'acc': np.float64(0.5)}, path('refused-numpy.pt'))

# --- a small C3D (the demo's 1/16 width on 8-frame 32x32 clips), as c3d-pytorch defines it ----


class SmallC3D(nn.Module):
    """c3d-pytorch's C3D_model.py at width 1/16, pool2..pool4 halving time, pool5 keeping it (8 frames)."""

    def __init__(self, w=1 / 16, classes=10):
        super().__init__()
        c = lambda n: max(1, round(n * w))
        self.conv1 = nn.Conv3d(3, c(64), 3, padding=1)
        self.pool1 = nn.MaxPool3d((1, 2, 2), (1, 2, 2))
        self.conv2 = nn.Conv3d(c(64), c(128), 3, padding=1)
        self.pool2 = nn.MaxPool3d((2, 2, 2), (2, 2, 2))
        self.conv3a = nn.Conv3d(c(128), c(256), 3, padding=1)
        self.conv3b = nn.Conv3d(c(256), c(256), 3, padding=1)
        self.pool3 = nn.MaxPool3d((2, 2, 2), (2, 2, 2))
        self.conv4a = nn.Conv3d(c(256), c(512), 3, padding=1)
        self.conv4b = nn.Conv3d(c(512), c(512), 3, padding=1)
        self.pool4 = nn.MaxPool3d((2, 2, 2), (2, 2, 2))
        self.conv5a = nn.Conv3d(c(512), c(512), 3, padding=1)
        self.conv5b = nn.Conv3d(c(512), c(512), 3, padding=1)
        self.pool5 = nn.MaxPool3d((1, 2, 2), (1, 2, 2), padding=(0, 1, 1))
        self.fc6 = nn.Linear(c(512) * 1 * 2 * 2, c(4096))
        self.fc7 = nn.Linear(c(4096), c(4096))
        self.fc8 = nn.Linear(c(4096), classes)
        self.relu = nn.ReLU()

    def features(self, x):
        h = self.pool1(self.relu(self.conv1(x)))
        h = self.pool2(self.relu(self.conv2(h)))
        h = self.pool3(self.relu(self.conv3b(self.relu(self.conv3a(h)))))
        h = self.pool4(self.relu(self.conv4b(self.relu(self.conv4a(h)))))
        h = self.pool5(self.relu(self.conv5b(self.relu(self.conv5a(h)))))
        h = h.reshape(h.shape[0], -1)
        return self.relu(self.fc7(self.relu(self.fc6(h))))


def fixture_clip():
    """The fixed clip [1, 3, 8, 32, 32] in predict.py's 0-255 range: an integer formula both sides compute."""
    i = np.arange(3 * 8 * 32 * 32, dtype=np.int64)
    return torch.from_numpy(((i * i * 31 + i * 7 + 3) % 251).astype(np.float32).reshape(1, 3, 8, 32, 32))


c3d = SmallC3D()
with torch.no_grad():
    # He-scaled weights (conv1 also divided by 255 for the 0-255 input) keep activations near 1,
    # so the 1e-4 comparison is meaningful; biases small and non-zero.
    for name, p in c3d.named_parameters():
        if name.endswith('weight'):
            fan_in = p[0].numel()
            p.normal_(0, math.sqrt(2 / fan_in) / (255 if name == 'conv1.weight' else 1))
        else:
            p.uniform_(-0.05, 0.05)
# Stored as float16 (the fixture stays small); the expected output uses the same rounded weights.
half = OrderedDict((k, v.half()) for k, v in c3d.state_dict().items())
torch.save(half, path('c3d-small.pickle'), _use_new_zipfile_serialization=False)
c3d.load_state_dict(OrderedDict((k, v.float()) for k, v in half.items()))
c3d.eval()
with torch.no_grad():
    features = c3d.features(fixture_clip())


# --- safetensors written by hand, as Python's safetensors lays them out -----------------------
ST_DTYPES = {torch.float32: ('F32', '<f4'), torch.float16: ('F16', '<f2'), torch.float64: ('F64', '<f8'), torch.bfloat16: ('BF16', None)}


def write_safetensors(tensors, file, metadata=None):
    """The safetensors layout: u64 LE header length, JSON header (`__metadata__` first, a string map;
    tensors sorted by name with contiguous data_offsets), padded with spaces to a multiple of 8, data."""
    header = OrderedDict()
    if metadata is not None:
        header['__metadata__'] = OrderedDict((k, str(v)) for k, v in metadata.items())
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name].contiguous()
        code, np_dtype = ST_DTYPES[t.dtype]
        raw = t.view(torch.int16).numpy().astype('<i2').tobytes() if t.dtype == torch.bfloat16 else t.numpy().astype(np_dtype).tobytes()
        header[name] = OrderedDict([('dtype', code), ('shape', list(t.shape)), ('data_offsets', [offset, offset + len(raw)])])
        offset += len(raw)
        blobs.append(raw)
    text = json.dumps(header, separators=(',', ':')).encode('utf-8')
    text += b' ' * ((8 - len(text) % 8) % 8)
    with open(path(file), 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + b''.join(blobs))


write_safetensors({'features': features}, 'c3d-small-expected.safetensors', {'clip': '((i*i*31 + i*7 + 3) % 251), i over [1,3,8,32,32]'})
mixed = OrderedDict([('b.f16', (base / 7).half()), ('a.f32', base.clone()), ('c.bf16', (base / 7).bfloat16()), ('d.f64', (base / 3).double())])
write_safetensors(mixed, 'python-mixed.safetensors', {'format': 'pt', 'note': 'written by scripts/torch-fixtures.py'})
expected['python_mixed'] = {k: values(v) for k, v in mixed.items()}
# What serializeSafetensors must write byte for byte for the same tensors and metadata (the test builds them).
layout = OrderedDict([('zeta', torch.arange(6, dtype=torch.float32).reshape(2, 3) / 4), ('alpha', torch.tensor([1.5, -2.0, 3.25])), ('mid.bias', torch.tensor([0.125]))])
write_safetensors(layout, 'layout-f32.safetensors', {'format': 'pt', 'kind': 'test'})


# --- c3d-pytorch predict.py's preprocessing ---------------------------------------------------
# predict.py: skimage.transform.resize(frame, (112, 200), preserve_range=True) -- bilinear (order 1),
# mode 'reflect' (scipy's 'mirror'), Gaussian anti-aliasing where an axis shrinks (sigma
# (factor - 1) / 2, truncate 4) -- then columns 44:156, float32, 0-255 RGB, no mean subtracted.
# skimage is not in Debian, so its resize is written out here with numpy, step for step.
def mirror(i, n):
    if n == 1:
        return np.zeros_like(i)
    period = 2 * (n - 1)
    i = np.abs(i) % period
    return np.where(i >= n, period - i, i)


def gaussian_1d(img, axis, sigma):
    if sigma <= 1e-15:
        return img
    radius = int(4.0 * sigma + 0.5)
    x = np.arange(-radius, radius + 1)
    w = np.exp(-0.5 / (sigma * sigma) * x * x)
    w /= w.sum()
    n = img.shape[axis]
    out = np.zeros_like(img)
    for k, wk in zip(x, w):
        out += wk * np.take(img, mirror(np.arange(n) + k, n), axis=axis)
    return out


def zoom_linear_1d(img, axis, out_n):
    n = img.shape[axis]
    c = (np.arange(out_n) + 0.5) * (n / out_n) - 0.5
    lo = np.floor(c).astype(np.int64)
    f = c - lo
    a = np.take(img, mirror(lo, n), axis=axis)
    b = np.take(img, mirror(lo + 1, n), axis=axis)
    shape = [1] * img.ndim
    shape[axis] = out_n
    f = f.reshape(shape)
    return a * (1 - f) + b * f


def skimage_resize(frame, out_h, out_w):
    img = frame.astype(np.float64)
    for axis, out_n in ((0, out_h), (1, out_w)):
        img = gaussian_1d(img, axis, max(0.0, (img.shape[axis] / out_n - 1) / 2))
    for axis, out_n in ((0, out_h), (1, out_w)):
        img = zoom_linear_1d(img, axis, out_n)
    return img


def predict_py_frame(frame, size):
    """predict.py at crop `size` (112: resize to 112x200, columns 44:156); other sizes scale 200 and 44 alike."""
    rw = round(200 * size / 112)
    x0 = (rw - size) // 2
    return np.float32(skimage_resize(frame, size, rw)[:, x0:x0 + size, :])


def test_frame(h, w, f):
    """A frame [h, w, 3] of uint8 from an integer formula both sides compute."""
    y, x, c = np.meshgrid(np.arange(h), np.arange(w), np.arange(3), indexing='ij')
    return ((x * x * 7 + y * 13 + c * 101 + f * 31 + x * y) % 256).astype(np.uint8)


pre = OrderedDict()
pre['up_down_36x48_to_32'] = torch.from_numpy(predict_py_frame(test_frame(36, 48, 0), 32))
pre['down_60x80_to_32'] = torch.from_numpy(predict_py_frame(test_frame(60, 80, 1), 32))
full = predict_py_frame(test_frame(240, 320, 2), 112)
pre['predict_240x320_to_112_top'] = torch.from_numpy(np.ascontiguousarray(full[:8]))
pre['predict_240x320_to_112_bottom'] = torch.from_numpy(np.ascontiguousarray(full[-8:]))
write_safetensors(pre, 'preprocess-expected.safetensors', {'frame': '(x*x*7 + y*13 + c*101 + f*31 + x*y) % 256', 'layout': 'HWC'})

with open(path('expected.json'), 'w') as f:
    json.dump({'torch': torch.__version__, **expected}, f, indent=1)
    f.write('\n')

total = sum(os.path.getsize(path(n)) for n in os.listdir(OUT))
print('wrote', len(os.listdir(OUT)), 'files,', total, 'bytes, torch', torch.__version__)
