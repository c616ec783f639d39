#!/usr/bin/env bash
# The test command: installs what is missing, builds, runs every test project, ends with "N passed, N failed".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 MSBUILDDISABLENODEREUSE=1

bash scripts/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

echo "[test] building"
if ! dotnet build Aspire.sln -c Release -nologo -clp:ErrorsOnly -nodeReuse:false; then
  echo "build failed"; echo "0 passed, 1 failed"; exit 1
fi

results="$root/.data/test-results"
rm -rf "$results"; mkdir -p "$results"
status=0
# One project at a time: a 2-core machine gains nothing from running them side by side.
for proj in tests/*.Tests/*.Tests.csproj; do
  name="$(basename "$proj" .csproj)"
  echo "[test] $name"
  # A hang ends the project after 10 minutes (no dump: it would only cost time) instead of eating CI's 90.
  dotnet test "$proj" -c Release --no-build -nologo --logger "trx;LogFileName=$name.trx" --results-directory "$results" \
    --logger "console;verbosity=normal" --blame-hang-timeout 10m --blame-hang-dump-type none || status=1
done

passed=0; failed=0
for trx in "$results"/*.trx; do
  [[ -f "$trx" ]] || continue
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -1)"
  p="$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  f="$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
# Name every failed test with the start of its message right above the count, so the tail of a CI log says what broke.
python3 scripts/trx-failures.py "$results"
if ((status != 0 && failed == 0)); then failed=1; fi
echo "$passed passed, $failed failed"
exit $(( failed > 0 ? 1 : status ))
