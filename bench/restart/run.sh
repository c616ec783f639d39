#!/usr/bin/env bash
# Issue 13's figure, one command: start the platform, create N key-auth deployments (default 10), stop it with SIGTERM,
# start it again on the same data, and print how long after the gateway is healthy (and after the start command)
# every deployment serves again with its old key, with no call from the user.
# Usage: bench/restart/run.sh [--deployments N] [--nodes N]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
if [[ ! -f "$root/AppHost/bin/Release/net10.0/AppHost.dll" || -n "${BENCH_REBUILD:-}" ]]; then
  dotnet build "$root/Aspire.sln" -c Release -nodeReuse:false -v q -clp:ErrorsOnly
fi
mkdir -p "$here/out"
[[ -f "$here/out/iris.onnx" ]] || /usr/bin/python3 "$root/samples/make_demo_model.py" "$here/out/iris.onnx" >/dev/null
exec /usr/bin/python3 "$here/measure.py" --root "$root" --model "$here/out/iris.onnx" "$@"
