#!/usr/bin/env python3
"""Times sequence-bench's `gru-speed` step in PyTorch: a 2-layer nn.GRU (128 units, input 128), batch 32 × 50 steps,
loss = mean square of the top layer's outputs, Adam, on one CPU thread. Prints one JSON line.
  pytorch_gru.py WARMUP TIMED [BATCH STEPS UNITS]   (defaults 32 50 128)
Run through tooling/scripts/torch-openblas.sh, which points torch at OpenBLAS (Debian's torch otherwise uses the reference BLAS)."""
import json
import statistics
import sys
import time

import torch

warmup, timed = int(sys.argv[1]), int(sys.argv[2])
batch, steps, units = (int(v) for v in sys.argv[3:6]) if len(sys.argv) >= 6 else (32, 50, 128)
torch.set_num_threads(1)
torch.manual_seed(1)
x = torch.randn(batch, steps, units)
gru = torch.nn.GRU(units, units, num_layers=2, batch_first=True)
optimizer = torch.optim.Adam(gru.parameters(), lr=1e-3)
times = []
for i in range(warmup + timed):
    start = time.perf_counter()
    optimizer.zero_grad()
    out, _ = gru(x)
    loss = out.pow(2).mean()
    loss.backward()
    optimizer.step()
    loss.item()
    if i >= warmup:
        times.append((time.perf_counter() - start) * 1000)
print(json.dumps({"framework": f"pytorch {torch.__version__}", "threads": torch.get_num_threads(), "msPerStepMedian": statistics.median(times), "timedSteps": timed, "shape": [batch, steps, units]}))
