#!/usr/bin/env python3
"""Golden values for @gradkit/rnn's Keras-layout GRU test (src/gru.keras.test.ts).

Keras's GRU with reset_after=True (its default) computes, with kernel [in, 3u] and recurrent_kernel [u, 3u] in gate
order (z, r, h) and bias [2, 3u] (input bias, recurrent bias):
    z = σ(x·Wz + bz + h·Uz + b'z),  r = σ(x·Wr + br + h·Ur + b'r),
    hh = tanh(x·Wh + bh + r ⊙ (h·Uh + b'h)),  h' = z ⊙ h + (1 − z) ⊙ hh
which is exactly PyTorch's nn.GRU (gate order r, z, n; h' = (1 − z) ⊙ n + z ⊙ h). Keras/TensorFlow cannot be
installed here (PyPI is unreachable); PyTorch can (Debian python3-torch), so this script converts the Keras-layout
weights to PyTorch's layout and runs nn.GRU. Run: /usr/bin/python3 scripts/keras_gru_golden.py
"""
import json

import torch

inp, units, batch, steps = 3, 4, 2, 5


def values(n, scale, offset):
    # deterministic, easy to re-type in the test: 0.1·sin(k·scale + offset)
    import math
    return [round(0.5 * math.sin(k * scale + offset), 6) for k in range(n)]


kernel = torch.tensor(values(inp * 3 * units, 0.7, 0.1), dtype=torch.float64).reshape(inp, 3 * units)
recurrent = torch.tensor(values(units * 3 * units, 1.3, 0.2), dtype=torch.float64).reshape(units, 3 * units)
bias = torch.tensor(values(2 * 3 * units, 0.9, 0.3), dtype=torch.float64).reshape(2, 3 * units)
x = torch.tensor(values(batch * steps * inp, 0.37, 0.4), dtype=torch.float64).reshape(batch, steps, inp)


def keras_to_torch(w):  # [.., 3u] in (z, r, h) → torch rows (r, z, n)
    z, r, h = w[..., :units], w[..., units:2 * units], w[..., 2 * units:]
    return torch.cat([r, z, h], dim=-1)


gru = torch.nn.GRU(inp, units, batch_first=True).double()
with torch.no_grad():
    gru.weight_ih_l0.copy_(keras_to_torch(kernel).T)
    gru.weight_hh_l0.copy_(keras_to_torch(recurrent).T)
    gru.bias_ih_l0.copy_(keras_to_torch(bias[0]))
    gru.bias_hh_l0.copy_(keras_to_torch(bias[1]))
    out, h = gru(x)

print(json.dumps({"outputs": [round(v, 7) for v in out.flatten().tolist()], "final": [round(v, 7) for v in h.flatten().tolist()]}))
