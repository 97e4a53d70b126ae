#!/usr/bin/env bash
# Runs the load tests end to end: private MariaDB, a fresh database, the server in Release with the limits
# raised, then, on the same MariaDB, the floor benchmark (the least database work of a sync) and the server side
# by side, once with innodb_flush_log_at_trx_commit=1 and once with =2 (SET GLOBAL between the passes; the
# original value is restored on exit); then the first sync of a 200k-record book and the hub/fan-out/idle tests.
# Prints a table with ratios (server/floor) and the issue-9 targets. The server is stopped and the bench
# database dropped on exit.
# Usage: benchmarks/run.sh [--quick]      (--quick: short durations, ~3 min, to check that everything works)
#        benchmarks/run.sh --cluster [--quick]   fan-out and hub over 3 instances (benchmarks/cluster.sh)
# The server runs with the rate limits and the per-user connection cap raised, records per sync at 100,000
# (today's upper bound; two requests seed a 200k-record book), a 64 MiB body limit (today's upper bound) and
# 250,000 records per book, and Sync__MaxCollectionBytes (a checkpointing server's bound on one collection's JSON;
# ignored by today's) at 64 MiB, the registration limits (every load client registers from 127.0.0.1) and the
# token lifetime (the load tester does not refresh) raised, so that the numbers measure the server, not its limiters.
# Env: KEEP_DB=1 keeps the bench database, SERVER_LOG_LEVEL (default Warning; Information adds a console line
#      per request, which costs measurable CPU on 2 cores), SIZES (default "100 10000 50000 200000"; quick
#      "100 20000"), FIRST_SYNC_RECORDS (default 200000; quick 20000),
#      MIN_CYCLES (default 2: checkpoint cycles each book-size run must cover, see README), CHECKPOINT_FRACTION
#      (default 1, the server's Sync__CheckpointLogFraction default), FLUSH_MODES (default "1 2"),
#      MAX_COLLECTION_BYTES (default 67108864), ROUNDS (default 3; quick 1: alternating floor/server rounds of
#      10 s for each 20-client cell, median ratio reported).
#      The database is the checkout's own (scripts/db.sh).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# Several instances behind one database and Redis: a script of its own.
if [ "${1:-}" = "--cluster" ]; then shift; exec "$root/benchmarks/cluster.sh" "$@"; fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

quick=0; [ "${1:-}" = "--quick" ] && quick=1
seconds=15; warmup=3; big_seconds=15; big_max_seconds=240; syncs=200; idle_seconds=30; warm_seconds=45
rounds="${ROUNDS:-3}"; round_seconds=10
if [ "$quick" = 1 ]; then seconds=3; warmup=1; big_seconds=3; big_max_seconds=3; syncs=30; idle_seconds=3; warm_seconds=5; rounds=1; round_seconds=3; fi
sizes="${SIZES:-100 10000 50000 200000}"; [ "$quick" = 1 ] && sizes="${SIZES:-100 20000}"
min_cycles="${MIN_CYCLES:-2}"; [ "$quick" = 1 ] && min_cycles=0
fraction="${CHECKPOINT_FRACTION:-1}"
flush_modes="${FLUSH_MODES:-1 2}"
chunk=100000

out="$root/benchmarks/out/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
log() { printf 'bench: %s\n' "$*" >&2; }

base_conn="$(scripts/db.sh start)"
sock="${BILLHOLDER_DB_DIR:-$root/.data/mariadb}/mysqld.sock"
rootsql() { mariadb --no-defaults -S "$sock" -uroot -N -B -e "$1"; }
flush_before="$(rootsql 'SELECT @@GLOBAL.innodb_flush_log_at_trx_commit')"
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
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid"
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}
cleanup() {
  stop_server
  [ "${KEEP_DB:-}" = "1" ] || sql "DROP DATABASE IF EXISTS \`$db\`" || true
  rootsql "SET GLOBAL innodb_flush_log_at_trx_commit = $flush_before" || true
}
trap cleanup EXIT INT TERM

start_server() {
  log "starting server on $url (log: $out/server.log)"
  (
    cd "$server_dir"
    ASPNETCORE_URLS="$url" ASPNETCORE_ENVIRONMENT=Development ConnectionStrings__BillHolder="$conn" \
    Serilog__MinimumLevel__Default="${SERVER_LOG_LEVEL:-Warning}" \
    Sync__RateLimitBurst=1000000 Sync__RateLimitPerSecond=1000000 Sync__MaxRecordsPerBook=250000 Sync__CheckpointLogFraction="$fraction" \
    Sync__MaxRecordsPerSync=$chunk Sync__MaxSyncBodyBytes=67108864 Sync__MaxCollectionBytes="${MAX_COLLECTION_BYTES:-67108864}" \
    Realtime__InvocationBurst=100000 Realtime__InvocationsPerSecond=100000 Realtime__MaxConnectionsPerUser=10000 \
    Auth__MaxRegistrationsPerAddress=10000000 Auth__MaxRegistrations=10000000 Auth__AccessTokenMinutes=240 \
    exec ./BillHolder.Server
  ) >>"$out/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 120); do
    curl -fs "$url/health/ready" >/dev/null 2>&1 && break
    kill -0 "$server_pid" 2>/dev/null || { log "server died"; tail -30 "$out/server.log" >&2; exit 1; }
    sleep 0.5
  done
  curl -fs "$url/health/ready" >/dev/null || { log "server not ready"; tail -30 "$out/server.log" >&2; exit 1; }
}
start_server

run() {
  local tag="$1"; shift
  log "$tag: $*"
  timeout 900 "$loadtest" "$@" --url "$url" 2>&1 | tee "$out/$tag.log"
  grep '^RESULT' "$out/$tag.log" | sed "s/^RESULT /$tag\t/" >>"$out/results.tsv" || true
}
: >"$out/results.tsv"
printf 'load_start\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/results.tsv"
printf 'commit\t%s\n' "$(git rev-parse --short HEAD) $(git rev-parse --abbrev-ref HEAD)" >>"$out/results.tsv"

# Syncs a book-size run must measure to cover $min_cycles checkpoint cycles: a cycle ends when the log since the
# last checkpoint reaches $fraction of the book's JSON. One 10-record sync of the load test logs ~2.3 KB (6 bills, a
# transfer and 2 wallets as post-images, 3 deleted ids), as much as ~20 of the small preloaded bills (measured: 40,000
# syncs on the 200k book made 4 checkpoints); 14 leaves a margin. Each size run prints the checkpoints it saw.
min_syncs() { python3 -c "import math; print(math.ceil($min_cycles * $fraction * $1 / 14))"; }

# Idle first, on a quiet server, so the RSS delta is not blurred by the heap the load tests leave behind.
[ "$quick" = 1 ] || run idle idle --connections 2000 --seconds "$idle_seconds" --server-pid "$server_pid"

# Warm-up, not measured: a fresh server spends its first ~30 s under load in the tiered JIT (dynamic PGO), ~3x the
# CPU per sync (benchmarks/cpu-per-sync.sh), and the first pass would measure that instead of the server.
log "warm-up: ${warm_seconds} s of 20 clients on 10 books (not measured)"
timeout 300 "$loadtest" rest --url "$url" --books 10 --clients 20 --seconds "$warm_seconds" --warmup 0 >"$out/warm-up.log" 2>&1 \
  || { log "warm-up failed"; tail -5 "$out/warm-up.log" >&2; exit 1; }

for flush in $flush_modes; do
  rootsql "SET GLOBAL innodb_flush_log_at_trx_commit = $flush"
  log "pass innodb_flush_log_at_trx_commit=$(rootsql 'SELECT @@GLOBAL.innodb_flush_log_at_trx_commit')"
  p="f$flush"
  run "$p-floor-1x1" floor --db "$conn" --books 1 --clients 1 --seconds "$seconds" --warmup "$warmup"
  [ "$quick" = 1 ] || run "$p-floorrows-1x1" floor --db "$conn" --books 1 --clients 1 --seconds "$seconds" --warmup "$warmup" --mode rows
  for n in $sizes; do
    run "$p-rest-size-$n" rest --books 1 --clients 1 --users 1 --preload "$n" --chunk "$chunk" --db "$conn" \
      --seconds "$big_seconds" --warmup "$warmup" --min-syncs "$(min_syncs "$n")" --max-seconds "$big_max_seconds"
  done
  # The 20-client cells in rounds, floor and server taking turns (floor first in odd rounds, server first in even
  # ones): this machine's speed drifts by up to ~1.5x within minutes, which a single pair of runs reads as a ratio.
  # The summary takes each round's ratio and reports their median.
  for books in 1 10; do
    for r in $(seq 1 "$rounds"); do
      if [ $((r % 2)) = 1 ]; then order="floor rest"; else order="rest floor"; fi
      for kind in $order; do
        run "$p-$kind-20x$books-r$r" "$kind" --db "$conn" --books "$books" --clients 20 --seconds "$round_seconds" --warmup "$warmup"
      done
    done
  done
done
rootsql "SET GLOBAL innodb_flush_log_at_trx_commit = $flush_before"

first_records="${FIRST_SYNC_RECORDS:-200000}"; [ "$quick" = 1 ] && first_records="${FIRST_SYNC_RECORDS:-20000}"
# The first sync a new device makes: the book is seeded, then the server restarts (nothing of it cached, RSS
# back to a fresh process's), then the device reads it.
run firstsync-seed firstsync --records "$first_records" --chunk "$chunk" --seed-only "$out/firstsync.book"
stop_server
start_server
run firstsync firstsync --book "$out/firstsync.book" --limit 1000 --server-pid "$server_pid"

if [ "$quick" = 0 ]; then
  run fanout fanout --listeners 50 --syncs "$syncs"
  run hub hub --clients 200 --books 20 --seconds 20
fi
printf 'load_end\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/results.tsv"

echo
echo "== Summary ($(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); logs in $out)"
python3 "$root/benchmarks/summarize.py" "$out/results.tsv" | tee "$out/summary.md"
