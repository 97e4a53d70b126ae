#!/usr/bin/env bash
# BillHolder as several instances behind nginx, on this machine: 3 server processes on one database
# (scripts/db.sh) and one Redis (scripts/redis.sh), behind a private nginx doing round-robin with WebSockets.
# Usage: scripts/cluster.sh start|stop|status|url
# Everything listens on 127.0.0.1 at free ports and lives under .data/cluster/ (its own nginx pid, logs and temp
# paths; never the system's nginx). Idempotent: `start` keeps what runs and starts what is missing (an instance
# killed on purpose included), then prints the proxy's URL. Installs nginx with apt when it is missing.
#
# Settings (environment):
#   BILLHOLDER_CLUSTER_DIR        where it lives (.data/cluster)
#   BILLHOLDER_CLUSTER_INSTANCES  how many server processes (3)
#   ConnectionStrings__BillHolder / ConnectionStrings__Redis   use these instead of scripts/db.sh / scripts/redis.sh
#   any other Section__Key variable reaches every instance (e.g. Realtime__VersionPollSeconds=2)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${BILLHOLDER_CLUSTER_DIR:-$root/.data/cluster}"
instances="${BILLHOLDER_CLUSTER_INSTANCES:-3}"
nginx_dir="$dir/nginx"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 PATH="$PATH:/usr/sbin"

log() { printf 'cluster: %s\n' "$*" >&2; }

ensure_nginx() {
  if command -v nginx >/dev/null 2>&1; then return; fi
  log "installing nginx with apt (first run only; its system service is not used)"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nginx >/dev/null
}

# A process killed with kill -9 whose parent (this script, long gone) nobody reaps stays a zombie: not alive.
alive() {
  local pid
  [ -f "$1" ] && pid="$(cat "$1")" && kill -0 "$pid" 2>/dev/null || return 1
  [ "$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)" != "Z" ]
}
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { local port="$1"; while port_busy "$port"; do port=$((port + 10)); done; echo "$port"; }

# The status line of GET $2 on 127.0.0.1:$1, with bash alone (a fresh machine may lack curl).
http_status() {
  local answer
  answer="$( (exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$2" >&3 && head -1 <&3) 2>/dev/null)" || return 1
  echo "$answer" | cut -d' ' -f2
}

any_instance_alive() {
  local i
  for i in $(seq 1 "$instances"); do alive "$dir/server-$i.pid" && return 0; done
  return 1
}

# The instances run a copy of the build, so that rebuilding the checkout (./test.sh) cannot pull a running
# instance's assemblies from under it. Rebuilt only while no instance runs.
build() {
  if any_instance_alive && [ -f "$dir/app/BillHolder.Server.dll" ]; then return; fi
  log "building the server"
  dotnet build "$root/src/BillHolder.Server" -c Release -v quiet -nologo >"$dir/build.log" 2>&1 \
    || { tail -30 "$dir/build.log" >&2; exit 1; }
  rm -rf "$dir/app"
  cp -r "$root/src/BillHolder.Server/bin/Release/net10.0" "$dir/app"
}

signing_key() {
  # One key for every instance: a token one instance signed must be good at the others.
  if [ ! -s "$dir/signing-key" ]; then
    (umask 077; head -c 48 /dev/urandom | base64 -w0 >"$dir/signing-key")
  fi
  cat "$dir/signing-key"
}

start_instance() {
  local i="$1" pid_file="$dir/server-$i.pid" port_file="$dir/server-$i.port" port
  if alive "$pid_file"; then return; fi
  if [ -f "$port_file" ] && ! port_busy "$(cat "$port_file")"; then port="$(cat "$port_file")"
  else port="$(free_port $((5180 + i)))"; fi
  echo "$port" >"$port_file"
  log "starting instance $i on 127.0.0.1:$port"
  # Its own session, so that stopping whatever ran this script leaves it be; `dotnet app.dll` is the server
  # process itself, so its pid is the one to signal (kill -9 included).
  (
    cd "$dir/app"
    ASPNETCORE_URLS="http://127.0.0.1:$port" \
    ASPNETCORE_ENVIRONMENT="${BILLHOLDER_CLUSTER_ENVIRONMENT:-Production}" \
    ConnectionStrings__BillHolder="$database" ConnectionStrings__Redis="$redis" \
    Auth__SigningKey="$key" Instance__Id="${BILLHOLDER_CLUSTER_NAME:-billholder}-$i" \
    Http__KnownProxies="127.0.0.1" \
      exec setsid dotnet BillHolder.Server.dll >>"$dir/server-$i.log" 2>&1
  ) &
  echo $! >"$pid_file"
}

wait_ready() {
  local i="$1" port status
  port="$(cat "$dir/server-$i.port")"
  for _ in $(seq 1 240); do
    status="$(http_status "$port" /health/ready || true)"
    [ "$status" = "200" ] && return
    alive "$dir/server-$i.pid" || { log "instance $i exited; see $dir/server-$i.log"; tail -20 "$dir/server-$i.log" >&2; exit 1; }
    sleep 0.25
  done
  log "instance $i did not become ready; see $dir/server-$i.log"
  exit 1
}

write_nginx_conf() {
  local servers="" i
  for i in $(seq 1 "$instances"); do
    servers+="        server 127.0.0.1:$(cat "$dir/server-$i.port") max_fails=1 fail_timeout=5s;"$'\n'
  done
  mkdir -p "$nginx_dir/temp"
  local template="$root/deploy/nginx/cluster.conf.template" conf="$nginx_dir/nginx.conf.new"
  while IFS= read -r line; do
    if [ "$line" = "@SERVERS@" ]; then printf '%s' "$servers"; continue; fi
    line="${line//@DIR@/$nginx_dir}"
    line="${line//@PORT@/$nginx_port}"
    line="${line//@RULES@/$root/deploy/nginx/billholder-proxy.conf}"
    printf '%s\n' "$line"
  done <"$template" >"$conf"
  if cmp -s "$conf" "$nginx_dir/nginx.conf"; then rm -f "$conf"; return 1; fi
  mv "$conf" "$nginx_dir/nginx.conf"
}

nginx_cmd() { nginx -p "$nginx_dir" -c "$nginx_dir/nginx.conf" -e "$nginx_dir/error.log" "$@"; }

start_nginx() {
  mkdir -p "$nginx_dir"
  if alive "$nginx_dir/nginx.pid"; then
    nginx_port="$(cat "$nginx_dir/port")"
    if write_nginx_conf; then nginx_cmd -t -q && nginx_cmd -s reload; log "nginx reloaded"; fi
    return
  fi
  if [ -f "$nginx_dir/port" ] && ! port_busy "$(cat "$nginx_dir/port")"; then nginx_port="$(cat "$nginx_dir/port")"
  else nginx_port="$(free_port 5180)"; fi
  echo "$nginx_port" >"$nginx_dir/port"
  write_nginx_conf || true
  log "starting nginx on 127.0.0.1:$nginx_port"
  nginx_cmd -t -q
  nginx_cmd </dev/null >/dev/null
  for _ in $(seq 1 40); do alive "$nginx_dir/nginx.pid" && return; sleep 0.25; done
  log "nginx did not start; see $nginx_dir/error.log"
  exit 1
}

start() {
  ensure_nginx
  mkdir -p "$dir"
  database="${ConnectionStrings__BillHolder:-$("$root/scripts/db.sh" start)}"
  redis="${ConnectionStrings__Redis:-$("$root/scripts/redis.sh" start)}"
  key="$(signing_key)"
  build
  local i
  for i in $(seq 1 "$instances"); do start_instance "$i"; done
  for i in $(seq 1 "$instances"); do wait_ready "$i"; done
  start_nginx
  for i in $(seq 1 "$instances"); do
    log "instance $i: http://127.0.0.1:$(cat "$dir/server-$i.port") (pid $(cat "$dir/server-$i.pid"), log $dir/server-$i.log)"
  done
  print_url
}

stop_pid() {
  local pid_file="$1" pid
  alive "$pid_file" || { rm -f "$pid_file"; return; }
  pid="$(cat "$pid_file")"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pid_file"
}

stop() {
  if alive "$nginx_dir/nginx.pid"; then
    nginx_cmd -s quit 2>/dev/null || kill -TERM "$(cat "$nginx_dir/nginx.pid")" 2>/dev/null || true
    for _ in $(seq 1 40); do alive "$nginx_dir/nginx.pid" || break; sleep 0.25; done
    log "nginx stopped"
  fi
  local i
  for i in $(seq 1 "$instances"); do
    if alive "$dir/server-$i.pid"; then stop_pid "$dir/server-$i.pid"; log "instance $i stopped"; fi
  done
  log "the database and Redis keep running (scripts/db.sh stop, scripts/redis.sh stop)"
}

status() {
  local ok=0 i
  for i in $(seq 1 "$instances"); do
    if alive "$dir/server-$i.pid"; then
      log "instance $i: running on 127.0.0.1:$(cat "$dir/server-$i.port"), /health/ready $(http_status "$(cat "$dir/server-$i.port")" /health/ready || echo "no answer")"
    else log "instance $i: not running"; ok=1; fi
  done
  if alive "$nginx_dir/nginx.pid"; then log "nginx: running on 127.0.0.1:$(cat "$nginx_dir/port")"
  else log "nginx: not running"; ok=1; fi
  return "$ok"
}

print_url() { echo "http://127.0.0.1:$(cat "$nginx_dir/port")"; }

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  url) print_url ;;
  *) echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac
