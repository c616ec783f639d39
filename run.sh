#!/usr/bin/env bash
# The run command: installs what is missing, builds, and starts the whole platform through the AppHost until Ctrl+C.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 MSBUILDDISABLENODEREUSE=1

bash scripts/setup.sh
dotnet build Aspire.sln -c Release -nologo -clp:ErrorsOnly -nodeReuse:false
exec dotnet AppHost/bin/Release/net10.0/AppHost.dll "$@"
