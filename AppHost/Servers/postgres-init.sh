#!/usr/bin/env bash
# Prepares the platform's PostgreSQL cluster before the server starts (a resource that runs to completion):
# initdb on first start, the folder handed to the postgres user (PostgreSQL refuses to run as root), and a server
# that an earlier, killed run left on this folder stopped so that ours can take it.
# Usage: postgres-init.sh ROOT LOGFILE   (ROOT/password must exist; ROOT/data is the cluster)
set -euo pipefail
root="$1" log="$2"
mkdir -p "$(dirname "$log")"
exec > >(tee -a "$log") 2>&1
bin=/usr/lib/postgresql/15/bin
data="$root/data"
as_postgres=()
if [[ "$(id -u)" == 0 ]]; then
  as_postgres=(setpriv --reuid=postgres --regid=postgres --init-groups --)
  chown -R postgres:postgres "$root"
fi
chmod 600 "$root/password"

if [[ -f "$data/postmaster.pid" ]]; then
  pid="$(head -1 "$data/postmaster.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    echo "a PostgreSQL server (pid $pid) from an earlier run still uses $data: stopping it"
    "${as_postgres[@]}" "$bin/pg_ctl" stop -D "$data" -m fast -w -t 20
  fi
fi

if [[ -f "$data/PG_VERSION" ]]; then
  echo "cluster in $data is ready"
  exit 0
fi
echo "initializing a new cluster in $data"
rm -rf "$data" # a half-made cluster from an interrupted initdb
# Password (scram-sha-256) authentication over TCP: other users of the machine reach 127.0.0.1 too.
"${as_postgres[@]}" "$bin/initdb" -D "$data" -U postgres --pwfile "$root/password" --auth-host=scram-sha-256 \
  --auth-local=peer -E UTF8 --locale=C.UTF-8 --no-sync
