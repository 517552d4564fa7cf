#!/usr/bin/python3
"""PyTorch peer of bench/mlp_bench.cpp (BM_SgdStep / BM_GdStep): the same net, data law, batch and float32.

FCNet: Linear(784→d, bias=False) → LeakyReLU(0.1) → [Linear(d→d) → LeakyReLU(0.1)]×(H−1) → Linear(d→1);
BCEWithLogits on ±1 labels as 0/1 (= logistic loss), torch.optim.SGD (plain). One step = index a reshuffled
mini-batch, forward, loss, backward, opt.step — the usual training loop. Prints one JSON object per line:
{"peer":"torch","bench":"sgd"|"gd","depth":H,"width":d,"threads":t,"steps_per_s":..,"ms_per_step":..,
"cpu_ms_per_step":..} (best wall rate and least process CPU time over --repetitions).

With --device cuda (the peer of bench/gpu_train_bench.cpp's BM_CudaSgdStep): net and data on the GPU, strict float32
(TF32 off for matmuls and cuDNN), the mini-batch indexed on the device, and one torch.cuda.synchronize() per step, as
widthlab's loop has one (its loss is on the host).

Usage: /usr/bin/python3 bench/torch_peer.py --threads 2 [--bench sgd|gd] [--depth 1 3] [--widths 64 ... 4096]
       python3 bench/torch_peer.py --device cuda --widths 1024 2048 4096 8192 16384
"""
import argparse
import json
import time

import torch


def make_net(depth, width):
    layers = [torch.nn.Linear(784, width, bias=False), torch.nn.LeakyReLU(0.1)]
    for _ in range(depth - 1):
        layers += [torch.nn.Linear(width, width, bias=False), torch.nn.LeakyReLU(0.1)]
    layers.append(torch.nn.Linear(width, 1, bias=False))
    return torch.nn.Sequential(*layers)


def time_steps(depth, width, batch, min_time, x, y):
    torch.manual_seed(0)
    device = x.device
    net = make_net(depth, width).to(device)
    opt = torch.optim.SGD(net.parameters(), lr=1e-3)
    crit = torch.nn.BCEWithLogitsLoss()
    n = x.shape[0]
    gen = torch.Generator().manual_seed(1)
    state = {"perm": torch.randperm(n, generator=gen).to(device), "pos": 0}

    def step():
        if batch >= n:
            xb, yb = x, y
        else:
            if state["pos"] + batch > n:
                state["perm"] = torch.randperm(n, generator=gen).to(device)
                state["pos"] = 0
            idx = state["perm"][state["pos"]:state["pos"] + batch]
            state["pos"] += batch
            xb, yb = x[idx], y[idx]
        opt.zero_grad(set_to_none=True)
        loss = crit(net(xb), yb)
        loss.backward()
        opt.step()
        if device.type == "cuda":
            torch.cuda.synchronize()

    for _ in range(3):  # warm-up
        step()
    steps, start, cpu_start = 0, time.perf_counter(), time.process_time()
    while True:
        step()
        steps += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_time and steps >= 3:
            return steps / elapsed, (time.process_time() - cpu_start) / steps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=torch.get_num_threads())
    ap.add_argument("--bench", choices=["sgd", "gd"], default="sgd")
    ap.add_argument("--depth", type=int, nargs="+", default=[1, 3])
    ap.add_argument("--widths", type=int, nargs="+", default=[64, 128, 256, 512, 1024, 2048, 4096])
    ap.add_argument("--min-time", type=float, default=1.0)
    ap.add_argument("--repetitions", type=int, default=1)
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    args = ap.parse_args()
    if args.device == "cuda":  # strict float32, as widthlab's default
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    torch.set_num_threads(args.threads)
    torch.set_grad_enabled(True)
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(1000, 784, generator=gen, dtype=torch.float32)
    y = torch.tensor([[1.0 if i % 2 else 0.0] for i in range(1000)], dtype=torch.float32)
    x, y = x.to(args.device), y.to(args.device)
    batch = 128 if args.bench == "sgd" else 1000
    for depth in args.depth:
        for width in args.widths:
            runs = [time_steps(depth, width, batch, args.min_time, x, y) for _ in range(args.repetitions)]
            best = max(r[0] for r in runs)
            cpu = min(r[1] for r in runs)
            print(json.dumps({"peer": "torch", "torch": torch.__version__, "device": args.device,
                              "bench": args.bench, "depth": depth,
                              "width": width, "threads": torch.get_num_threads(), "steps_per_s": best,
                              "ms_per_step": 1e3 / best, "cpu_ms_per_step": 1e3 * cpu}), flush=True)


if __name__ == "__main__":
    main()
