#!/usr/bin/env bash
# Old build against new build of the kernel-layer change, in one run on one machine (issue 21's acceptance):
#   tooling/scripts/kernel-layer-speed.sh OLD_CHECKOUT NEW_CHECKOUT OUT_DIR
# Each checkout must be installed and built. Runs, alternating old/new: tooling/scripts/build-speed.mjs (GRU, LSTM,
# LN-LSTM stacks), sequence-bench gru-speed --profile quick on wasm, mnist-bench speed --profile quick on wasm; writes
# every output to OUT_DIR and prints them.
set -euo pipefail
old=$1 new=$2 out=$3
mkdir -p "$out"
node "$new/tooling/scripts/build-speed.mjs" --a "$old" --b "$new" --rounds 3 --steps 15 | tee "$out/build-speed.md"
for round in 1 2; do
  for label in old new; do
    [ "$round" = 2 ] && label=$([ "$label" = old ] && echo new || echo old)
    dir=$([ "$label" = old ] && echo "$old" || echo "$new")
    node "$dir/apps/sequence-bench/dist/main.js" --experiments gru-speed --profile quick --backends wasm \
      --out "$out/gru-speed-$label-$round" > "$out/gru-speed-$label-$round.log" 2>&1
    node "$dir/apps/mnist-bench/dist/main.js" --experiments speed --profile quick --backends wasm \
      --out "$out/speed-$label-$round" > "$out/speed-$label-$round.log" 2>&1
  done
done
echo "done: $out"
