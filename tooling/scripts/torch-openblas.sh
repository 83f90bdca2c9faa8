#!/usr/bin/env bash
# Runs a Python script (the first argument) with Debian's torch (python3-torch) on OpenBLAS, one thread, without changing the
# system: Debian's torch links the reference BLAS by default (3–4 GFLOP/s here), which would flatter tfjs.
#   torch-openblas.sh SCRIPT.py [ARGS...]
# Needs: apt-get install python3-torch libopenblas0-pthread. Prints one JSON line, or explains what is missing.
set -euo pipefail

python=""
for candidate in python3 /usr/bin/python3; do
  if "$candidate" -c 'import torch' 2>/dev/null; then python=$candidate; break; fi
done
if [ -z "$python" ]; then
  echo '{"error": "python3 with torch is not installed (apt-get install python3-torch libopenblas0-pthread)"}'
  exit 3
fi
openblas=""
for dir in /usr/lib/x86_64-linux-gnu/openblas-pthread /usr/lib/aarch64-linux-gnu/openblas-pthread; do
  if [ -e "$dir/libblas.so.3" ]; then openblas=$dir; fi
done
if [ -z "$openblas" ]; then
  echo '{"error": "OpenBLAS is not installed (apt-get install libopenblas0-pthread); refusing to time torch on the reference BLAS"}'
  exit 3
fi
export LD_LIBRARY_PATH="$openblas${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
exec "$python" "$@"
