#!/usr/bin/env python3
"""Markdown table of batchnorm_reference.py runs (one JSON-lines file per seed), with mean, range and how many reach a
threshold.

  python3 apps/mnist-bench/scripts/batchnorm_reference_summary.py [--threshold 0.97] RUN.jsonl...
"""
import argparse
import json
import statistics
import sys

COLUMNS = [
    ("BN at 10,000 steps, batch statistics of the whole test set", lambda curve, final: curve.get(10000, {}).get("BN, batch statistics of the whole test set")),
    ("without BN, end", lambda curve, final: final["without BN"]),
    ("BN, population statistics, end", lambda curve, final: final["BN, population statistics"]),
    ("BN, batch statistics of the whole test set, end", lambda curve, final: final["BN, batch statistics of the whole test set"]),
    ("first 100 one at a time, population statistics", lambda curve, final: final["first 100 one at a time, population statistics"]),
    ("first 100 one at a time, batch statistics", lambda curve, final: final["first 100 one at a time, batch statistics"]),
]


def options(opts):
    """The options that differ from the post's setup, or 'the post's'."""
    changed = [f"lr {opts['lr']}" if opts["lr"] != 0.01 else None, f"batch {opts['batch']}" if opts["batch"] != 60 else None]
    changed += [name.replace("_", "-") for name in ("softmax_bias", "shuffle_first_epoch", "eval_keeps_ema") if opts.get(name)]
    return ", ".join(c for c in changed if c) or "the post's"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threshold", type=float, default=0.97, help="counted against 'BN, population statistics, end'")
    p.add_argument("runs", nargs="+")
    args = p.parse_args()
    rows = []
    for path in args.runs:
        lines = [json.loads(line) for line in open(path) if line.strip()]
        if not lines or not lines[-1].get("final"):
            raise SystemExit(f"{path}: no final line; expected the complete output of batchnorm_reference.py")
        final = lines[-1]
        curve = {r["step"]: r for r in lines if "step" in r}
        rows.append((options(final["options"]), final["seed"], final["steps"], [f(curve, final) for _, f in COLUMNS], final["classes predicted with batch statistics"]))
    rows.sort()
    print("| options | seed | steps | " + " | ".join(name for name, _ in COLUMNS) + " | classes predicted with batch statistics |")
    print("|---" * (len(COLUMNS) + 4) + "|")
    fmt = lambda v: "—" if v is None else f"{v:.4f}"
    for opts, seed, steps, values, classes in rows:
        print(f"| {opts} | {seed} | {steps} | " + " | ".join(fmt(v) for v in values) + f" | {', '.join(map(str, classes))} |")
    for label, reduce in (("mean", statistics.mean), ("min", min), ("max", max)):
        cells = []
        for i in range(len(COLUMNS)):
            present = [values[i] for *_, values, _ in rows if values[i] is not None]
            cells.append(fmt(reduce(present)) if present else "—")
        print(f"| {label} | | | " + " | ".join(cells) + " | |")
    population = [values[2] for *_, values, _ in rows]
    print(f"\n{sum(v >= args.threshold for v in population)} of {len(population)} runs reach {args.threshold} with population statistics at the end.")


if __name__ == "__main__":
    sys.exit(main())
