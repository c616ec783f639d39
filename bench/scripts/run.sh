#!/usr/bin/env bash
# What a scoring script costs on top of its own run(), one command: starts one inference node (Release build),
# loads the same Azure ML entry script there, and compares calling run() directly in Python with POST /score
# on the node (HTTP → node → unix socket → Python worker → back) at concurrency 1 and 8 (wrk).
# Usage: bench/scripts/run.sh [--duration SECONDS] [--workers N]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
command -v wrk >/dev/null || { echo "wrk is missing: run scripts/setup.sh"; exit 1; }
out="$here/out"; mkdir -p "$out"
if [[ ! -f "$root/Inference.Service/bin/Release/net10.0/Inference.Service.dll" || -n "${BENCH_REBUILD:-}" ]]; then
  dotnet build "$root/Inference.Service/Inference.Service.csproj" -c Release -nodeReuse:false -v q -clp:ErrorsOnly > "$out/build.log" 2>&1 \
    || { cat "$out/build.log"; exit 1; }
fi
exec /usr/bin/python3 "$here/bench.py" --root "$root" --out "$out" "$@"
