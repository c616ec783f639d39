#!/usr/bin/env bash
# Runs the platform's RabbitMQ node in the foreground for DCP. rabbitmq-server turns SIGTERM into a clean stop of
# the Erlang VM; --pdeathsig sends it SIGTERM too were DCP to go away without stopping it.
# The node registers with our own epmd (ERL_EPMD_PORT, a resource of its own), never the machine's shared one, and
# may never start one itself (-start_epmd false, for the node and the "epmd starter" VMs RabbitMQ spawns): the epmd
# Erlang starts is an `epmd -daemon` that leaves our process tree and outlives the run (a stop that ended our epmd
# first, an aborted start), and a later run's node could then register with that stray instead.
# Usage: rabbitmq-run.sh ROOT LOGFILE   (environment: RABBITMQ_NODENAME, RABBITMQ_DIST_PORT, ERL_EPMD_PORT)
set -uo pipefail
root="$1" log="$2"
mkdir -p "$(dirname "$log")"
exec > >(tee -a "$log") 2>&1
export HOME="$root/home" RABBITMQ_MNESIA_BASE="$root/mnesia" RABBITMQ_LOG_BASE="$root/log" RABBITMQ_LOGS=- \
  RABBITMQ_CONFIG_FILE="$root/rabbitmq.conf" RABBITMQ_ENABLED_PLUGINS_FILE="$root/enabled_plugins" \
  RABBITMQ_ADVANCED_CONFIG_FILE="$root/advanced.config" RABBITMQ_CONF_ENV_FILE="$root/rabbitmq-env.conf" \
  RABBITMQ_PID_FILE="$root/rabbitmq.pid"
export ERL_FLAGS="-start_epmd false"
# Our epmd is a resource the node waits for; should it be gone, say so instead of letting the node fail obscurely.
if ! epmd -port "$ERL_EPMD_PORT" -names >/dev/null 2>&1; then
  echo "error: the platform's epmd does not answer on 127.0.0.1:$ERL_EPMD_PORT; not starting RabbitMQ without it" >&2
  exit 1
fi
cd "$root"
as_rabbitmq=()
[[ "$(id -u)" == 0 ]] && as_rabbitmq=(--reuid=rabbitmq --regid=rabbitmq --init-groups)
exec setpriv "${as_rabbitmq[@]}" --pdeathsig TERM -- /usr/lib/rabbitmq/bin/rabbitmq-server
