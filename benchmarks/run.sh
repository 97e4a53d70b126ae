#!/usr/bin/env bash
# Runs the load tests end to end: private MariaDB, a fresh database, the server in Release with the rate limits
# raised, every load test in sequence, a summary table; the server is stopped (and the database dropped) on exit.
# Usage: benchmarks/run.sh [--quick]      (--quick: short durations, to check that everything works)
# The server runs with the rate limits, the registration limits (every load client registers from 127.0.0.1),
# token lifetime (the load tester does not refresh) and the per-user connection cap raised, and the book cap at 60,000
# records (the 50k-record test books plus their wallets), so that the numbers measure the server, not its
# limiters.
# Env: KEEP_DB=1 keeps the bench database, SERVER_LOG_LEVEL (default Warning; Information adds a console line
#      per request, which costs measurable CPU on 2 cores). The database is the checkout's own (scripts/db.sh).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

seconds=20; syncs=200; idle_seconds=30; big_seconds=15
if [ "${1:-}" = "--quick" ]; then seconds=4; syncs=30; idle_seconds=3; big_seconds=4; fi

out="$root/benchmarks/out/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
log() { printf 'bench: %s\n' "$*" >&2; }

base_conn="$(scripts/db.sh start)"
db="billholder_test_bench_$(date +%s)"
db_port="$(sed -n 's/.*Port=\([0-9]*\).*/\1/p' <<<"$base_conn")"
sql() { mariadb --no-defaults -h127.0.0.1 -P"$db_port" -ubillholder -pbillholder-dev -e "$1"; }
sql "CREATE DATABASE \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
conn="${base_conn/Database=billholder;/Database=$db;}"
log "database $db"

log "building (Release)"
dotnet build src/BillHolder.Server -c Release -v q -nologo >"$out/build.log" 2>&1
dotnet build benchmarks/BillHolder.LoadTest -c Release -v q -nologo >>"$out/build.log" 2>&1
server_dir="$root/src/BillHolder.Server/bin/Release/net10.0"
loadtest="$root/benchmarks/BillHolder.LoadTest/bin/Release/net10.0/BillHolder.LoadTest"

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
url="http://127.0.0.1:$port"

server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid"
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null || true
  fi
  [ "${KEEP_DB:-}" = "1" ] || sql "DROP DATABASE IF EXISTS \`$db\`" || true
}
trap cleanup EXIT INT TERM

log "starting server on $url (log: $out/server.log)"
(
  cd "$server_dir"
  ASPNETCORE_URLS="$url" ASPNETCORE_ENVIRONMENT=Development ConnectionStrings__BillHolder="$conn" \
  Serilog__MinimumLevel__Default="${SERVER_LOG_LEVEL:-Warning}" \
  Sync__RateLimitBurst=1000000 Sync__RateLimitPerSecond=1000000 Sync__MaxRecordsPerBook=60000 \
  Realtime__InvocationBurst=100000 Realtime__InvocationsPerSecond=100000 Realtime__MaxConnectionsPerUser=10000 \
  Auth__MaxRegistrationsPerAddress=10000000 Auth__MaxRegistrations=10000000 Auth__AccessTokenMinutes=240 \
  exec ./BillHolder.Server
) >"$out/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do
  curl -fs "$url/health/ready" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { log "server died"; tail -30 "$out/server.log" >&2; exit 1; }
  sleep 0.5
done
curl -fs "$url/health/ready" >/dev/null || { log "server not ready"; tail -30 "$out/server.log" >&2; exit 1; }

run() {
  local name="$1"; shift
  log "$name: $*"
  timeout 600 "$loadtest" "$@" --url "$url" 2>&1 | tee "$out/$name.log"
}

# Idle first, on a quiet server, so the RSS delta is not blurred by the heap the load tests leave behind.
run idle idle --connections 2000 --seconds "$idle_seconds" --server-pid "$server_pid"
run rest-10books rest --books 10 --clients 20 --seconds "$seconds"
run rest-1book rest --books 1 --clients 20 --seconds "$seconds"
for n in 1000 10000 50000; do
  run "rest-big-$n" rest --books 1 --clients 1 --seconds "$big_seconds" --preload "$n"
done
run fanout fanout --listeners 50 --syncs "$syncs"
run hub hub --clients 200 --books 20 --seconds "$seconds"

echo
echo "== Summary ($(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); logs in $out)"
grep -h '^RESULT' "$out"/*.log | sed 's/^RESULT //' | tee "$out/summary.txt"
