# The PyTorch side of bench/peers.ts: times the same cases on Debian's python3-torch (CPU) and
# prints one JSON object on stdout. Shapes and thread count come from argv (a JSON object) so
# the TypeScript bench owns them. Bench-only; nothing in the library runs Python.
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def timed(fn, warmup, repeats):
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return sorted(samples)[len(samples) // 2], samples


def lstm_case(c, reps):
    B, T, I, H = c["B"], c["T"], c["I"], c["H"]
    torch.manual_seed(5)
    lstm = nn.LSTM(I, H, batch_first=True)
    head = nn.Linear(H, 3)
    opt = torch.optim.Adam(list(lstm.parameters()) + list(head.parameters()), lr=5e-3)
    x = torch.randn(B, T, I)
    y = torch.arange(B) % 3

    def step():
        opt.zero_grad()
        _, (h, _) = lstm(x)
        loss = F.cross_entropy(head(h[0]), y)
        loss.backward()
        opt.step()

    return timed(step, 2, reps)


def conv_case(c, reps):
    torch.manual_seed(1)
    x = torch.randn(1, c["cin"], c["d"], c["hw"], c["hw"], requires_grad=True)
    w = (torch.randn(c["cout"], c["cin"], 3, 3, 3) * 0.05).requires_grad_()
    dy = torch.randn(1, c["cout"], c["d"], c["hw"], c["hw"])

    def step():
        x.grad = None
        w.grad = None
        (F.conv3d(x, w, None, padding=1) * dy).sum().backward()

    return timed(step, 1, reps)


def c3d_case(c, reps):
    ch = [c["inChannels"], 64, 128, 256, 256, 512, 512, 512, 512]
    convs = nn.ModuleList(nn.Conv3d(ch[i], ch[i + 1], 3, padding=1) for i in range(8))
    fc6, fc7 = nn.Linear(8192, 4096), nn.Linear(4096, 4096)
    x = torch.randn(1, c["inChannels"], c["clipLength"], c["size"], c["size"])
    r = F.relu

    def forward():
        with torch.no_grad():
            h = F.max_pool3d(r(convs[0](x)), (1, 2, 2))
            h = F.max_pool3d(r(convs[1](h)), 2)
            h = F.max_pool3d(r(convs[3](r(convs[2](h)))), 2)
            h = F.max_pool3d(r(convs[5](r(convs[4](h)))), 2)
            h = F.max_pool3d(r(convs[7](r(convs[6](h)))), 2, padding=(0, 1, 1))
            return r(fc7(r(fc6(h.flatten(1)))))

    return timed(forward, 1, reps)


def main():
    args = json.loads(sys.argv[1])
    torch.set_num_threads(args["threads"])
    out = {"version": torch.__version__, "threads": torch.get_num_threads(), "cases": {}}
    for name, c in args["cases"].items():
        fn = {"lstm": lstm_case, "conv": conv_case, "c3d": c3d_case}[c["kind"]]
        ms, samples = fn(c, args["repeats"])
        out["cases"][name] = {"ms": ms, "samples": samples}
    print(json.dumps(out))


main()
