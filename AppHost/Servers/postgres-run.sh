#!/usr/bin/env bash
# Runs the platform's PostgreSQL server in the foreground for DCP, which stops an executable with SIGTERM. To
# PostgreSQL SIGTERM is a "smart" shutdown that waits for every client to leave; SIGINT is the fast one. So the
# server runs as our child and SIGTERM is passed on as SIGINT. --pdeathsig: were this script killed outright, the
# server would get SIGINT too, and leave no postmaster behind.
# Usage: postgres-run.sh ROOT PORT LOGFILE
set -uo pipefail
root="$1" port="$2" log="$3"
mkdir -p "$(dirname "$log")"
exec > >(tee -a "$log") 2>&1
as_postgres=()
[[ "$(id -u)" == 0 ]] && as_postgres=(--reuid=postgres --regid=postgres --init-groups)
setpriv "${as_postgres[@]}" --pdeathsig INT -- /usr/lib/postgresql/15/bin/postgres -D "$root/data" -p "$port" -k "$root" \
  -c listen_addresses=127.0.0.1 -c max_connections=300 &
server=$!
trap 'kill -INT "$server" 2>/dev/null' TERM INT
while kill -0 "$server" 2>/dev/null; do wait "$server"; status=$?; done
exit "${status:-0}"
