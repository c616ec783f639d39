#!/usr/bin/env bash
# The scoring path side by side, one command (issue 14): raw ONNX Runtime in process, the inference node direct, the
# node through the gateway, and a one-process Node.js peer (http + onnxruntime-node), iris MLP, 5 rows per JSON
# request, wrk at concurrency 1 and 32; prints req/s, p50, p99, CPU µs per request and the ratios.
# Usage: bench/scoring/run.sh [--duration S] [--rounds N] [--warmup S] [--with-dcp-proxy] [--gateway-variant LABEL:K=V,...] [--profile]
#   (--gateway-variant LABEL:BIN=folder measures another build of the gateway beside this one; the peer also runs
#   behind proxy.js, a minimal Node.js relay, as the two-process reference for the gateway path)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 ORT_DISABLE_TELEMETRY=1
command -v wrk >/dev/null || { echo "wrk is missing: run scripts/setup.sh"; exit 1; }
command -v node >/dev/null || { echo "node is missing: run scripts/setup.sh"; exit 1; }

out="$here/out"; mkdir -p "$out"
[[ -f "$out/iris.onnx" ]] || /usr/bin/python3 "$root/samples/make_demo_model.py" "$out/iris.onnx" >/dev/null

# The peer's runtime, from npm into a scratch folder (the served version; its CPU binaries ship in the package).
peer="$out/peer"
if [[ ! -d "$peer/node_modules/onnxruntime-node" ]]; then
  mkdir -p "$peer"
  [[ -f "$peer/package.json" ]] || echo '{"name":"scoring-peer","private":true}' > "$peer/package.json"
  (cd "$peer" && npm install --no-audit --no-fund --loglevel=error onnxruntime-node@1.30.0 > "$out/npm.log" 2>&1) || { cat "$out/npm.log"; exit 1; }
fi

if [[ ! -f "$root/AppHost/bin/Release/net10.0/AppHost.dll" || -n "${BENCH_REBUILD:-}" ]]; then
  dotnet build "$root/AppHost/AppHost.csproj" -c Release -nodeReuse:false -v q -clp:ErrorsOnly > "$out/build.log" 2>&1 || { cat "$out/build.log"; exit 1; }
fi
raw="$root/bench/inference/out/bin/Inference.Bench.dll"
if [[ ! -f "$raw" || -n "${BENCH_REBUILD:-}" ]]; then
  dotnet build "$root/bench/inference/Inference.Bench.csproj" -c Release -nodeReuse:false -v q -clp:ErrorsOnly -o "$root/bench/inference/out/bin" > "$out/build-raw.log" 2>&1 || { cat "$out/build-raw.log"; exit 1; }
fi
# Profiling: JIT-compiled methods get names in perf's profile (the AppHost passes its environment to the services).
[[ " $* " == *" --profile "* ]] && export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
exec /usr/bin/python3 "$here/bench.py" --root "$root" --model "$out/iris.onnx" --out "$out" --peer-modules "$peer/node_modules" --raw-bench "$raw" "$@"
