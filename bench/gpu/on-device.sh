#!/usr/bin/env bash
# The GPU check on a machine without a .NET SDK or internet (the device machines lent to some sessions): GpuCheck is
# published self-contained here (pack.sh), carried over in parts (each call's upload is capped), put together and run.
#   bench/gpu/on-device.sh stage   copy the parts carried in .gpu*/ to /tmp/gpucheck (repeat per part)
#   bench/gpu/on-device.sh run     unpack, find CUDA 13 / cuDNN 9 libraries on the machine, run the check
set -euo pipefail
stage=/tmp/gpucheck
mkdir -p "$stage"
for part in .gpu*/part*; do if [ -f "$part" ]; then cp "$part" "$stage"/; fi; done
ls -la "$stage"
[ "${1:-}" = "run" ] || exit 0

cd "$stage"
# Python's lzma is on every machine with python3; xz or zstd binaries may not be.
cat part* | python3 -c 'import lzma,sys,shutil; shutil.copyfileobj(lzma.LZMAFile(sys.stdin.buffer), sys.stdout.buffer, 1<<20)' | tar -x
# The CUDA provider needs libcublasLt/libcublas.so.13, libcurand.so.10, libcudart.so.13 and (loaded later) cuDNN 9 and
# cuFFT; on images with PyTorch they live in the nvidia-* wheels, elsewhere under /usr/local/cuda.
libs="$(find /opt /usr/local /usr/lib -name 'libcublasLt.so.13*' -o -name 'libcudnn.so.9*' -o -name 'libcudart.so.13*' \
  -o -name 'libcurand.so.10*' -o -name 'libcufft.so.1*' -o -name 'libnvrtc.so.13*' 2>/dev/null | xargs -r -n1 dirname | sort -u | paste -sd:)"
echo "CUDA libraries from: $libs"
export LD_LIBRARY_PATH="$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 ORT_DISABLE_TELEMETRY=1
nvidia-smi --query-gpu=index,name,memory.total,driver_version --format=csv,noheader
./publish/GpuCheck --models models "${@:2}"
