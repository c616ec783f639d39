#!/usr/bin/env bash
# GPU check, one command: on a machine with an NVIDIA GPU, CUDA 13 and cuDNN 9, loads a CNN and a transformer layer on
# ONNX Runtime's CUDA provider, checks their answers against CPU and prints CUDA vs CPU latency and throughput.
# Without a GPU it says so and exits 0. Usage: bench/gpu/run.sh [--force] [--duration SECONDS] [--device N]
#   --force  build and run even without nvidia-smi (reports why CUDA cannot load, measures CPU only)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
force=0
for arg in "$@"; do [ "$arg" = "--force" ] && force=1; done

if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L >/dev/null 2>&1; then
  if [ "$force" = 0 ]; then
    echo "bench/gpu: NO GPU PRESENT on $(hostname): nvidia-smi is missing or lists no GPU (no NVIDIA driver)."
    echo "bench/gpu: nothing to check on CUDA here; run this on a machine with an NVIDIA GPU, CUDA 13 and cuDNN 9."
    exit 0
  fi
  echo "bench/gpu: no GPU present; --force: running anyway (CPU figures only, with CUDA's failure reason)"
else
  nvidia-smi --query-gpu=index,name,memory.total,driver_version --format=csv,noheader
fi

export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 ORT_DISABLE_TELEMETRY=1
models="$here/out/models"
# The benchmark's own generator (fixed seeds): cnn.onnx (28×28 conv net) and transformer.onnx (one encoder layer, 128×256).
if [ ! -f "$models/transformer.onnx" ]; then /usr/bin/python3 "$root/bench/inference/make_models.py" "$models" >/dev/null; fi
dotnet build "$here/GpuCheck/GpuCheck.csproj" -c Release -nodeReuse:false -v q -o "$here/out/bin" > "$here/out/build.log" 2>&1 || { cat "$here/out/build.log"; exit 1; }
exec dotnet "$here/out/bin/GpuCheck.dll" --models "$models" "$@"
