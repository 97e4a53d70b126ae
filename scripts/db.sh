#!/usr/bin/env bash
# A private MariaDB for development and tests, on 127.0.0.1 only, kept under the repository's .data/.
# Usage: scripts/db.sh start|stop|status|url
# Idempotent: `start` reuses a running instance. Installs mariadb-server with apt when it is missing.
# BILLHOLDER_DB_DURABLE=0 flushes the redo log once a second instead of at every commit (see apply_durability).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${BILLHOLDER_DB_DIR:-$root/.data/mariadb}"
sock="$dir/mysqld.sock"
# Each checkout keeps the port it started on, so several worktrees on one machine do not collide.
port_file="$dir/port"
if [ -n "${BILLHOLDER_DB_PORT:-}" ]; then port="$BILLHOLDER_DB_PORT"
elif [ -f "$port_file" ]; then port="$(cat "$port_file")"
else port=3317; fi
app_user="billholder"
app_password="billholder-dev"
app_db="billholder"

log() { printf 'db: %s\n' "$*" >&2; }

ensure_installed() {
  if command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ]; then return; fi
  log "installing mariadb-server with apt (first run only)"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq mariadb-server mariadb-client >/dev/null
}

running() { [ -S "$sock" ] && mariadb-admin --no-defaults -S "$sock" -uroot ping >/dev/null 2>&1; }

start() {
  ensure_installed
  export PATH="$PATH:/usr/sbin"
  if running; then log "already running on 127.0.0.1:$port"; apply_durability; print_url; return; fi
  mkdir -p "$dir"
  if [ ! -d "$dir/data/mysql" ]; then
    log "initialising $dir/data"
    mariadb-install-db --no-defaults --datadir="$dir/data" --user="$(id -un)" \
      --auth-root-authentication-method=socket >"$dir/install.log" 2>&1
  fi
  if [ -z "${BILLHOLDER_DB_PORT:-}" ]; then
    # Another checkout's server may hold the port: take the next free one and remember it.
    while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 10)); done
  fi
  log "starting on 127.0.0.1:$port"
  # Its own session: stopping whatever started it (run.sh, a supervisor) must not take the database down.
  setsid nohup mariadbd --no-defaults --datadir="$dir/data" --user="$(id -un)" --port="$port" \
    --bind-address=127.0.0.1 --socket="$sock" --pid-file="$dir/mysqld.pid" --skip-log-bin \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --max-connections=500 --innodb-buffer-pool-size=256M \
    --max-allowed-packet=512M --log-error="$dir/error.log" >/dev/null 2>&1 &
  for _ in $(seq 1 60); do running && break; sleep 0.5; done
  running || { log "did not start; see $dir/error.log"; tail -20 "$dir/error.log" >&2; exit 1; }
  echo "$port" >"$port_file"
  # The app user may create databases: tests make one per test class (billholder_test_*).
  mariadb --no-defaults -S "$sock" -uroot <<SQL
CREATE DATABASE IF NOT EXISTS \`$app_db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS '$app_user'@'127.0.0.1' IDENTIFIED BY '$app_password';
CREATE USER IF NOT EXISTS '$app_user'@'localhost' IDENTIFIED BY '$app_password';
GRANT ALL PRIVILEGES ON \`$app_db\`.* TO '$app_user'@'127.0.0.1', '$app_user'@'localhost';
GRANT ALL PRIVILEGES ON \`billholder\\_test\\_%\`.* TO '$app_user'@'127.0.0.1', '$app_user'@'localhost';
SQL
  apply_durability
  print_url
}

# Durable by default: every acknowledged commit is on disk (innodb_flush_log_at_trx_commit=1). With =2 an OS crash
# can lose the last second of acknowledged syncs, and the server would then hand those versions out again for
# other content. BILLHOLDER_DB_DURABLE=0 trades that for speed on a throw-away machine. Set on every start, so
# a running database that is reused follows the current setting too.
apply_durability() {
  local flush=1
  [ "${BILLHOLDER_DB_DURABLE:-1}" = "0" ] && flush=2
  mariadb --no-defaults -S "$sock" -uroot -e "SET GLOBAL innodb_flush_log_at_trx_commit = $flush"
  log "innodb_flush_log_at_trx_commit=$flush"
}

stop() {
  export PATH="$PATH:/usr/sbin"
  if running; then
    mariadb-admin --no-defaults -S "$sock" -uroot shutdown
    log "stopped"
  else
    log "not running"
  fi
}

status() { if running; then log "running on 127.0.0.1:$port"; else log "not running"; exit 1; fi; }

print_url() {
  echo "Server=127.0.0.1;Port=$port;Database=$app_db;User ID=$app_user;Password=$app_password;SslMode=Disabled"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  url) print_url ;;
  *) echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac
