#!/usr/bin/env bash
# Prepares the platform's RabbitMQ node before it starts (a resource that runs to completion): its folders (mnesia,
# logs, the Erlang cookie's home) owned by the rabbitmq user, and its configuration: AMQP on 127.0.0.1 only, no plugins.
# Usage: rabbitmq-init.sh ROOT AMQP_PORT LOGFILE
set -euo pipefail
root="$1" port="$2" log="$3"
mkdir -p "$(dirname "$log")"
exec > >(tee -a "$log") 2>&1
mkdir -p "$root/home" "$root/mnesia" "$root/log"
chmod 755 "$root"
# A node an earlier, killed run left on this folder would hold its data: stop it (SIGTERM is a clean stop).
if [[ -f "$root/rabbitmq.pid" ]] && pid="$(cat "$root/rabbitmq.pid")" && kill -0 "$pid" 2>/dev/null; then
  echo "a RabbitMQ node (pid $pid) from an earlier run still uses $root: stopping it"
  kill -TERM "$pid"
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
fi
# The address in RABBITMQ_NODE_IP_ADDRESS is ignored once a config file sets a listener: the file says both.
cat > "$root/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:$port
CONF
[[ -f "$root/enabled_plugins" ]] || echo '[].' > "$root/enabled_plugins"
[[ "$(id -u)" == 0 ]] && chown -R rabbitmq:rabbitmq "$root"
echo "RabbitMQ folder $root ready (AMQP on 127.0.0.1:$port)"
