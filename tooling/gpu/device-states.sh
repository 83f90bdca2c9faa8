#!/bin/bash
# Post 7's four initial-state methods side by side on the GPU (webgpu), one process each, with the post's initial
# weights (profile long-tf1: 3 epochs), for SECONDS at most (default 420); logs and reports in $OUT.
#   bash tooling/gpu/device-states.sh [SECONDS]          (the kit in .gpu-kit, see build-kit.sh)
set -u
kit=.gpu-kit
budget=${1:-420}
out=$(realpath -m "${OUT:-out-device}")
mkdir -p "$out"
bash "$kit/run.sh" sequence-bench --probe-backends > "$out/probe.json" 2> "$out/probe.log"
for m in zero variable noisy noisy-variable; do
  timeout -s INT "$budget" bash "$kit/run.sh" sequence-bench --experiments "states-$m" --profile long-tf1 --backends webgpu --out "$out/$m" > "$out/states-$m.log" 2>&1 &
done
wait
find "$out" \( -name "*.png" -o -name "*.ckpt" \) -delete
tar czf /tmp/device-results.tgz -C "$out" . && find "$out" -mindepth 1 ! -name "*.log" -exec rm -rf {} + && mv /tmp/device-results.tgz "$out/"
grep -h "epoch" "$out"/states-*.log
