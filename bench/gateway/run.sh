#!/usr/bin/env bash
# The gateway's cost, one command: starts the platform (AppHost, Release), deploys the small CNN of the inference
# benchmark behind a key-auth endpoint, then scores the same body through the gateway and directly on the node with
# wrk at concurrency 1 and 32, and prints added p50 latency and the throughput ratio.
# Usage: bench/gateway/run.sh [--duration SECONDS] [--rounds N] [--warmup SECONDS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
command -v wrk >/dev/null || { echo "wrk is missing: run scripts/setup.sh"; exit 1; }

out="$here/out"; mkdir -p "$out"
models="$root/bench/inference/out/models"
[[ -f "$models/cnn.onnx" ]] || /usr/bin/python3 "$root/bench/inference/make_models.py" "$models" >/dev/null
if [[ ! -f "$root/AppHost/bin/Release/net10.0/AppHost.dll" || -n "${BENCH_REBUILD:-}" ]]; then
  dotnet build "$root/AppHost/AppHost.csproj" -c Release -nodeReuse:false -v q -clp:ErrorsOnly > "$out/build.log" 2>&1 || { cat "$out/build.log"; exit 1; }
fi
exec /usr/bin/python3 "$here/bench.py" --root "$root" --model "$models/cnn.onnx" --out "$out" "$@"
