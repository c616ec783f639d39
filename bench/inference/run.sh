#!/usr/bin/env bash
# One command: generate the models (fixed seeds), build in Release, run the benchmark. Pass --quick for a short run.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
models="$here/out/models"
if [ ! -f "$models/transformer.onnx" ]; then /usr/bin/python3 "$here/make_models.py" "$models"; fi
dotnet build "$here/Inference.Bench.csproj" -c Release -nodeReuse:false -v q -o "$here/out/bin" > "$here/out/build.log" 2>&1 || { cat "$here/out/build.log"; exit 1; }
exec dotnet "$here/out/bin/Inference.Bench.dll" --models "$models" "$@"
