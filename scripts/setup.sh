#!/usr/bin/env bash
# Installs everything the platform and its tests need on a fresh Debian 12 machine (as root).
# Idempotent: every step checks first, so a second run takes seconds.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# python3-venv + the scientific stack: the "curated base" user environments are built on (venvs with system site packages).
DEB_PACKAGES=(postgresql rabbitmq-server python3-grpcio python3-grpc-tools python3-onnx python3-numpy python3-venv python3-scipy
  python3-sklearn python3-pandas python3-joblib python3-wheel libonnx-testdata wrk locales chromium)

log() { printf '[setup] %s\n' "$*"; }

missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  # The packaged services must not grab the default ports: AppHost runs its own clusters.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  apt-get install -y -q --no-install-recommends "${missing[@]}"
  rm -f /usr/sbin/policy-rc.d
fi
# Debian starts its own servers on install when it can; AppHost runs private ones instead.
service postgresql stop >/dev/null 2>&1 || true
# Debian's rabbitmq init script runs `rabbitmqctl status` even to stop a stopped broker, and that CLI's Erlang VM leaves
# an `epmd -daemon` on 4369 behind for good: ask it only while Debian's broker runs. Debian's broker's `epmd -daemon`
# goes with it (the platform's and the tests' own epmds run as `epmd -port N`, never as -daemon).
if pgrep -u rabbitmq -f 'beam.smp.*rabbit@' >/dev/null 2>&1; then
  service rabbitmq-server stop >/dev/null 2>&1 || true
  pkill -u rabbitmq -f 'beam.smp.*rabbit@' >/dev/null 2>&1 && sleep 1 || true
fi
pkill -u rabbitmq -f '^/usr/lib/erlang/erts-[^ ]*/bin/epmd -daemon$' >/dev/null 2>&1 || true

# ONNX Runtime's StringNormalizer builds std::locale("en_US.UTF-8") (its default locale attribute): without the
# compiled locale such a model fails to load.
if ! locale -a 2>/dev/null | grep -qix 'en_US.utf8'; then
  log "generating the en_US.UTF-8 locale"
  sed -i 's/^# *en_US.UTF-8 UTF-8/en_US.UTF-8 UTF-8/' /etc/locale.gen
  grep -qx 'en_US.UTF-8 UTF-8' /etc/locale.gen || echo 'en_US.UTF-8 UTF-8' >> /etc/locale.gen
  locale-gen >/dev/null
fi

# Node peers for gRPC interop tests and benchmarks (versions pinned in tools/node/package-lock.json).
if [[ -f tools/node/package.json ]] && [[ ! -d tools/node/node_modules ]]; then
  log "installing npm packages for interop tests"
  (cd tools/node && npm ci --silent --no-audit --no-fund)
fi

log "ready (ONNX Runtime comes from NuGet with the build)"
