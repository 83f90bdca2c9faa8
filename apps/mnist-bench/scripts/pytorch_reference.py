#!/usr/bin/env python3
"""Times the mnist-bench `throughput` step in PyTorch, for the tfjs/PyTorch ratio in the README.

The same step as apps/mnist-bench/src/experiments/throughput.ts: MLP 784-100-100-10 (ReLU), softmax
cross-entropy, Adam (lr 1e-3), one fixed batch of 100 real MNIST training images, on the CPU with one thread.
Each step ends by reading the loss (loss.item()), as the tfjs step awaits loss.data().
Prints one JSON line. Run it through tooling/scripts/torch-openblas.sh, which points torch at OpenBLAS.
"""
import json
import statistics
import struct
import sys
import time
from pathlib import Path

import numpy as np
import torch


def read_idx(path):
    data = Path(path).read_bytes()
    ndims = data[3]
    shape = struct.unpack(">" + "I" * ndims, data[4:4 + 4 * ndims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndims).reshape(shape)


def main():
    data_dir, warmup, timed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(1)
    torch.manual_seed(1)
    images = read_idx(f"{data_dir}/train-images-idx3-ubyte")[:100].reshape(100, 784).astype(np.float32) / 255
    labels = read_idx(f"{data_dir}/train-labels-idx1-ubyte")[:100].astype(np.int64)
    x, y = torch.from_numpy(images), torch.from_numpy(labels)
    def mlp(batch_norm):
        layers = []
        for n_in, n_out in [(784, 100), (100, 100)]:
            layers += [torch.nn.Linear(n_in, n_out, bias=not batch_norm)]
            layers += [torch.nn.BatchNorm1d(n_out, eps=1e-3, momentum=0.001)] if batch_norm else []
            layers += [torch.nn.ReLU()]
        return torch.nn.Sequential(*layers, torch.nn.Linear(100, 10))

    def time_steps(model):
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = torch.nn.CrossEntropyLoss()
        times = []
        for i in range(warmup + timed):
            start = time.perf_counter()
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            loss.item()
            if i >= warmup:
                times.append((time.perf_counter() - start) * 1000)
        return statistics.median(times)

    times_mlp = time_steps(mlp(False))
    times_bn = time_steps(mlp(True))
    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    matmul = []
    for _ in range(7):
        start = time.perf_counter()
        torch.mm(a, b)
        matmul.append(time.perf_counter() - start)
    gflops = 2 * 1024 ** 3 / statistics.median(matmul) / 1e9
    maps = Path("/proc/self/maps").read_text() if Path("/proc/self/maps").exists() else ""
    libs = [line.split()[-1] for line in maps.splitlines()]
    blas = next((lib for lib in libs if "libblas" in lib or "libopenblas" in lib), "unknown BLAS")
    print(json.dumps({
        "framework": f"pytorch {torch.__version__}",
        "threads": torch.get_num_threads(),
        "blas": blas,
        "msPerStepMedian": times_mlp,
        "msPerStepMedianBatchNorm": times_bn,
        "timedSteps": timed,
        "matmul1024Gflops": gflops,
    }))


if __name__ == "__main__":
    main()
