#!/usr/bin/env bash
# Publishes GpuCheck self-contained for linux-x64 with the models, as xz parts small enough for one upload each
# (out/pack/part00, part01, ...: carry each in a folder .gpuN/ of its own; bench/gpu/on-device.sh puts them together on the GPU machine).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$here/out"
if [ ! -f "$out/models/transformer.onnx" ]; then /usr/bin/python3 "$root/bench/inference/make_models.py" "$out/models" >/dev/null; fi
dotnet publish "$here/GpuCheck/GpuCheck.csproj" -c Release -r linux-x64 --self-contained -nodeReuse:false -v q -o "$out/publish"
mkdir -p "$out/pack"
tar -C "$out" -cf - --exclude=libonnxruntime_providers_tensorrt.so publish models | xz -9 -T2 > "$out/pack/app.tar.xz"
rm -f "$out/pack"/part*
split -b "${PART_SIZE:-57M}" -d "$out/pack/app.tar.xz" "$out/pack/part"
ls -la "$out/pack"
