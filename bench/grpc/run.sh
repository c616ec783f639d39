#!/usr/bin/env bash
# Unary gRPC benchmark: grpc-dotnet -> grpc-dotnet beside grpc-js -> grpc-js, same run, same machine.
# Usage: bench/grpc/run.sh [--duration 10] [--warmup 3] [--concurrency 1,64]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
if [ ! -d "$root/tools/node/node_modules/@grpc/grpc-js" ]; then
  (cd "$root/tools/node" && npm ci --no-audit --no-fund)
fi
export MSBUILDDISABLENODEREUSE=1
dotnet build -c Release "$root/bench/grpc/GrpcBench" -nodeReuse:false -clp:ErrorsOnly -nologo
exec dotnet "$root/bench/grpc/GrpcBench/bin/Release/net10.0/GrpcBench.dll" "$@"
