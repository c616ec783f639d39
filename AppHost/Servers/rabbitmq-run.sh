#!/usr/bin/env bash
# Runs the platform's RabbitMQ node in the foreground for DCP. rabbitmq-server turns SIGTERM into a clean stop of
# the Erlang VM; --pdeathsig sends it SIGTERM too were DCP to go away without stopping it.
# The node registers with our own epmd (ERL_EPMD_PORT, a resource of its own), never the machine's shared one.
# Usage: rabbitmq-run.sh ROOT LOGFILE   (environment: RABBITMQ_NODENAME, RABBITMQ_DIST_PORT, ERL_EPMD_PORT)
set -uo pipefail
root="$1" log="$2"
mkdir -p "$(dirname "$log")"
exec > >(tee -a "$log") 2>&1
export HOME="$root/home" RABBITMQ_MNESIA_BASE="$root/mnesia" RABBITMQ_LOG_BASE="$root/log" RABBITMQ_LOGS=- \
  RABBITMQ_CONFIG_FILE="$root/rabbitmq.conf" RABBITMQ_ENABLED_PLUGINS_FILE="$root/enabled_plugins" \
  RABBITMQ_ADVANCED_CONFIG_FILE="$root/advanced.config" RABBITMQ_CONF_ENV_FILE="$root/rabbitmq-env.conf" \
  RABBITMQ_PID_FILE="$root/rabbitmq.pid"
cd "$root"
as_rabbitmq=()
[[ "$(id -u)" == 0 ]] && as_rabbitmq=(--reuid=rabbitmq --regid=rabbitmq --init-groups)
exec setpriv "${as_rabbitmq[@]}" --pdeathsig TERM -- /usr/lib/rabbitmq/bin/rabbitmq-server
