#!/usr/bin/env bash
# A private Redis for development and tests, on 127.0.0.1 only, kept under the repository's .data/.
# Usage: scripts/redis.sh start|stop|status|url
# Idempotent: `start` reuses a running instance. Installs redis-server with apt when it is missing, but never
# uses (or needs) the system service. Port 6390, or the next free one in steps of 10 (kept per checkout).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${BILLHOLDER_REDIS_DIR:-$root/.data/redis}"
port_file="$dir/port"
if [ -n "${BILLHOLDER_REDIS_PORT:-}" ]; then port="$BILLHOLDER_REDIS_PORT"
elif [ -f "$port_file" ]; then port="$(cat "$port_file")"
else port=6390; fi

log() { printf 'redis: %s\n' "$*" >&2; }

ensure_installed() {
  if command -v redis-server >/dev/null 2>&1; then return; fi
  log "installing redis-server with apt (first run only)"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server >/dev/null
}

running() { [ -f "$dir/redis.pid" ] && redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; }

start() {
  ensure_installed
  if running; then log "already running on 127.0.0.1:$port"; print_url; return; fi
  mkdir -p "$dir"
  if [ -z "${BILLHOLDER_REDIS_PORT:-}" ]; then
    # Another checkout's instance (or the system service) may hold the port: take the next free one.
    while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 10)); done
  fi
  log "starting on 127.0.0.1:$port"
  # Nothing is persisted: Redis carries notices, presence and rate-limit windows, never data (MySQL is the truth).
  setsid redis-server --port "$port" --bind 127.0.0.1 --protected-mode yes --dir "$dir" \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" \
    --save '' --appendonly no >/dev/null
  for _ in $(seq 1 40); do running && break; sleep 0.25; done
  running || { log "did not start; see $dir/redis.log"; tail -20 "$dir/redis.log" >&2; exit 1; }
  echo "$port" >"$port_file"
  print_url
}

stop() {
  if running; then
    redis-cli -h 127.0.0.1 -p "$port" shutdown nosave >/dev/null 2>&1 || true
    for _ in $(seq 1 40); do running || break; sleep 0.25; done
    rm -f "$dir/redis.pid"
    log "stopped"
  else
    log "not running"
  fi
}

status() { if running; then log "running on 127.0.0.1:$port"; else log "not running"; exit 1; fi; }

# StackExchange.Redis configuration syntax, as ConnectionStrings__Redis takes it.
print_url() { echo "127.0.0.1:$port"; }

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  url) print_url ;;
  *) echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac
