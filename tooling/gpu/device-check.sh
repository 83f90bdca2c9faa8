#!/bin/bash
# One device session's measurements: webgpu on the NVIDIA GPU (lane A) and wasm/cpu on the same machine's CPU
# cores (lane B, in parallel: separate processes on separate cores), each bench run under its own time limit,
# every report and log copied to $OUT. Run from the repository root with the kit in .gpu-kit (build-kit.sh):
#   bash tooling/gpu/device-check.sh [SECONDS]      (the whole script stays under SECONDS, default 420)
set -u
kit=.gpu-kit
budget=${1:-420}
start=$(date +%s)
out=$(realpath -m "${OUT:-out-device}")
mkdir -p "$out"
bash "$kit/run.sh" mnist-bench --probe-backends > "$out/probe.json" 2> "$out/probe.log"
nvidia-smi > "$out/nvidia-smi.txt" 2>&1
nproc > "$out/nproc.txt"; grep -m1 "model name" /proc/cpuinfo >> "$out/nproc.txt"
bench() { # NAME LIMIT APP ARGS...: one bench run, cut at LIMIT seconds or at the script's budget
  local name=$1 limit=$2 app=$3; shift 3
  local left=$((budget - ($(date +%s) - start) - 10))
  [ "$left" -lt 20 ] && { echo "$name: skipped (budget)" >> "$out/skipped.txt"; return; }
  [ "$limit" -gt "$left" ] && limit=$left
  local t0=$(date +%s)
  timeout -s INT "$limit" bash "$kit/run.sh" "$app" "$@" --out "$out/$name" > "$out/$name.log" 2>&1
  echo "$name: rc $? in $(( $(date +%s) - t0 )) s (limit $limit)" >> "$out/timing.txt"
}
mnist=(--data "$PWD/$kit/mnist")
(
  bench A1-mnist-speed-webgpu 90 mnist-bench --experiments speed,throughput,batchnorm-speed --profile quick --backends webgpu "${mnist[@]}"
  bench A2-gru-speed-webgpu 90 sequence-bench --experiments gru-speed --profile quick --backends webgpu
  bench A3-states-webgpu 60 sequence-bench --experiments states-variable --profile quick --backends webgpu
  bench A4-mlp-webgpu 60 mnist-bench --experiments mlp --profile quick --backends webgpu "${mnist[@]}"
  bench A5-dni-sg-webgpu 150 mnist-bench --experiments dni-synthetic-gradient --profile quick --backends webgpu "${mnist[@]}"
) &
(
  bench B1-mnist-speed-cpu 120 mnist-bench --experiments speed,throughput,batchnorm-speed --profile quick --backends wasm,cpu "${mnist[@]}"
  bench B2-gru-speed-wasm 90 sequence-bench --experiments gru-speed --profile quick --backends wasm
  bench B3-states-wasm 120 sequence-bench --experiments states-variable --profile quick --backends wasm
  bench B4-mlp-wasm 90 mnist-bench --experiments mlp --profile quick --backends wasm "${mnist[@]}"
) &
wait
# The device tool returns a limited number of files: everything goes into one archive, the logs stay beside it.
find "$out" \( -name "*.png" -o -name "*.ckpt" \) -delete
tar czf /tmp/device-results.tgz -C "$out" . && find "$out" -mindepth 1 ! -name "*.log" ! -name timing.txt -exec rm -rf {} + && mv /tmp/device-results.tgz "$out/"
cat "$out/timing.txt"
