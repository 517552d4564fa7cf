#!/usr/bin/python3
"""PyTorch peer of bench/conv_bench.cpp (BM_ConvSgdStep): the same net, data law, batch and float32.

Conv2d(1→C, 3, padding=1, bias=False) → ReLU → Conv2d(C→C, 3, padding=1, bias=False) → ReLU → mean over pixels →
Linear(C→1, bias=False) on 28×28×1 inputs (NCHW, torch's native layout); BCEWithLogits on ±1 labels as 0/1 (= the
logistic loss), torch.optim.SGD (plain). One step = index a reshuffled mini-batch of 128, forward, loss, backward,
opt.step. Prints one JSON object per line: {"peer":"torch","channels":C,"threads":t,"steps_per_s":..,
"ms_per_step":..,"cpu_ms_per_step":..} (best wall rate and least process CPU time over --repetitions).

Usage: /usr/bin/python3 bench/conv_torch_peer.py --threads 2 [--channels 16 32 ... 512] [--min-time 1]
"""
import argparse
import json
import time

import torch


def make_net(channels):
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, channels, 3, padding=1, bias=False), torch.nn.ReLU(),
        torch.nn.Conv2d(channels, channels, 3, padding=1, bias=False), torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(channels, 1, bias=False))


def time_steps(channels, batch, min_time, x, y):
    torch.manual_seed(0)
    net = make_net(channels)
    opt = torch.optim.SGD(net.parameters(), lr=1e-3)
    crit = torch.nn.BCEWithLogitsLoss()
    n = x.shape[0]
    gen = torch.Generator().manual_seed(1)
    state = {"perm": torch.randperm(n, generator=gen), "pos": 0}

    def step():
        if state["pos"] + batch > n:
            state["perm"] = torch.randperm(n, generator=gen)
            state["pos"] = 0
        idx = state["perm"][state["pos"]:state["pos"] + batch]
        state["pos"] += batch
        opt.zero_grad(set_to_none=True)
        loss = crit(net(x[idx]), y[idx])
        loss.backward()
        opt.step()

    step()  # warm-up
    steps, start, cpu_start = 0, time.perf_counter(), time.process_time()
    while True:
        step()
        steps += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return steps / elapsed, (time.process_time() - cpu_start) / steps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=torch.get_num_threads())
    ap.add_argument("--channels", type=int, nargs="+", default=[16, 32, 64, 128, 256, 512])
    ap.add_argument("--min-time", type=float, default=1.0)
    ap.add_argument("--repetitions", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(1000, 1, 28, 28, generator=gen, dtype=torch.float32)
    y = torch.tensor([[1.0 if i % 2 else 0.0] for i in range(1000)], dtype=torch.float32)
    for channels in args.channels:
        runs = [time_steps(channels, 128, args.min_time, x, y) for _ in range(args.repetitions)]
        best = max(r[0] for r in runs)
        cpu = min(r[1] for r in runs)
        print(json.dumps({"peer": "torch", "torch": torch.__version__, "channels": channels,
                          "threads": torch.get_num_threads(), "steps_per_s": best, "ms_per_step": 1e3 / best,
                          "cpu_ms_per_step": 1e3 * cpu}), flush=True)


if __name__ == "__main__":
    main()
