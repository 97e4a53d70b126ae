#!/usr/bin/env bash
# Cluster mode of the load tests: 3 instances on one fresh database and one Redis (scripts/cluster.sh, under
# .data/cluster-bench/), the limits raised as in run.sh. Measures, each beside the same load on one instance:
#   fan-out latency: the writer on instance 1, 50 listeners dealt over the three (and all on instance 1);
#   hub syncs/s: 200 hub clients dealt over the three (and all on instance 1).
# Hub clients connect to the instances' own ports, so the proxy's hop is not in the numbers.
# Usage: benchmarks/cluster.sh [--quick]      (also: benchmarks/run.sh --cluster [--quick])
# Env: KEEP_DB=1 keeps the bench database; SERVER_LOG_LEVEL (default Warning).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

quick=0; [ "${1:-}" = "--quick" ] && quick=1
syncs=200; seconds=20; [ "$quick" = 1 ] && { syncs=30; seconds=5; }

out="$root/benchmarks/out/cluster-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
log() { printf 'bench: %s\n' "$*" >&2; }

export BILLHOLDER_CLUSTER_DIR="$root/.data/cluster-bench"
export BILLHOLDER_REDIS_DIR="$BILLHOLDER_CLUSTER_DIR/redis"
export BILLHOLDER_CLUSTER_NAME="bench"

base_conn="$(scripts/db.sh start)"
db="billholder_test_bench_cluster_$(date +%s)"
db_port="$(sed -n 's/.*Port=\([0-9]*\).*/\1/p' <<<"$base_conn")"
sql() { mariadb --no-defaults -h127.0.0.1 -P"$db_port" -ubillholder -pbillholder-dev -e "$1"; }
sql "CREATE DATABASE \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
cleanup() {
  scripts/cluster.sh stop 2>/dev/null || true
  scripts/redis.sh stop 2>/dev/null || true
  [ "${KEEP_DB:-}" = "1" ] || sql "DROP DATABASE IF EXISTS \`$db\`" || true
  rm -rf "$BILLHOLDER_CLUSTER_DIR"
}
trap cleanup EXIT INT TERM
log "database $db"

export ConnectionStrings__BillHolder="${base_conn/Database=billholder;/Database=$db;}"
export Serilog__MinimumLevel__Default="${SERVER_LOG_LEVEL:-Warning}"
export Sync__RateLimitBurst=1000000 Sync__RateLimitPerSecond=1000000
export Realtime__InvocationBurst=100000 Realtime__InvocationsPerSecond=100000 Realtime__MaxConnectionsPerUser=10000
export Auth__MaxRegistrationsPerAddress=10000000 Auth__MaxRegistrations=10000000 Auth__AccessTokenMinutes=240

log "building the load tester"
dotnet build benchmarks/BillHolder.LoadTest -c Release -v q -nologo >"$out/build.log" 2>&1
loadtest="$root/benchmarks/BillHolder.LoadTest/bin/Release/net10.0/BillHolder.LoadTest"

proxy="$(scripts/cluster.sh start 2>>"$out/cluster.log")"
instances="$(for i in 1 2 3; do printf 'http://127.0.0.1:%s,' "$(cat "$BILLHOLDER_CLUSTER_DIR/server-$i.port")"; done)"
instances="${instances%,}"
first="${instances%%,*}"
log "proxy $proxy, instances $instances"

run() {
  local tag="$1"; shift
  log "$tag: $*"
  timeout 900 "$loadtest" "$@" --url "$first" 2>&1 | tee "$out/$tag.log"
  grep '^RESULT' "$out/$tag.log" | sed "s/^RESULT /$tag\t/" >>"$out/results.tsv" || true
}
: >"$out/results.tsv"
printf 'load_start\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/results.tsv"
printf 'commit\t%s\n' "$(git rev-parse --short HEAD) $(git rev-parse --abbrev-ref HEAD)" >>"$out/results.tsv"

run fanout-1 fanout --listeners 50 --syncs "$syncs" --instances "$first"
run fanout-3 fanout --listeners 50 --syncs "$syncs" --instances "$instances"
run hub-1 hub --clients 200 --books 20 --seconds "$seconds" --instances "$first"
run hub-3 hub --clients 200 --books 20 --seconds "$seconds" --instances "$instances"
printf 'load_end\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/results.tsv"

echo
echo "== Cluster ($(nproc) cores; logs in $out)"
cat "$out/results.tsv"
